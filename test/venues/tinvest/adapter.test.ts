/**
 * The T-Invest venue against the local gRPC venue over real loopback: connect and auth,
 * instruments, history against the market's truth, live candles, unsubscribe, TLS.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CandleKey, Interval } from '../../../common/domain.js';
import { INTERVAL_SECONDS, candleKeyId, candleOpen } from '../../../common/domain.js';
import type { Venue } from '../../../electron/venues/venue.js';
import { VenueError } from '../../../electron/venues/venue.js';
import { createTInvestVenue } from '../../../electron/venues/tinvest/adapter.js';
import { startTInvestSim } from '../../../sim/tinvest/server.js';
import type { TInvestSim } from '../../../sim/tinvest/server.js';
import { RecordingSink, plain, truth, waitFor } from './helpers.js';

let sim: TInvestSim;
let sink: RecordingSink;
let venue: Venue;

function uidOf(ticker: string): string {
  const i = sim.instruments.find((x) => x.ticker === ticker);
  if (!i) throw new Error(`no ${ticker} in the simulator`);
  return i.uid;
}

function key(ticker: string, interval: Interval): CandleKey {
  return { venue: 'tinvest', instrumentId: uidOf(ticker), interval };
}

beforeAll(async () => {
  sim = await startTInvestSim({ seed: 11 });
  sink = new RecordingSink();
  venue = createTInvestVenue({
    endpoint: sim.endpoint,
    token: sim.token,
    mode: 'demo',
    tls: false,
    accountId: sim.accountId,
    sink,
    pingDelayMs: 500,
    reconnect: { baseMs: 20, maxMs: 200 },
  });
  await venue.connect();
});

afterAll(async () => {
  await venue.close();
  await sim.close();
});

describe('T-Invest venue: connect, instruments, history, live', () => {
  it('connects through connecting → authenticating → live and lists the accounts', async () => {
    expect(sink.record('api').states.map((s) => s.state)).toEqual(['connecting', 'authenticating', 'subscribing', 'live']);
    const accounts = await venue.accounts();
    expect(accounts.map((a) => a.id)).toContain(sim.accountId);
    // The venue's own rate headers feed the limiters the diagnostics panel shows.
    expect(sink.record('api').limiters).toContainEqual(expect.objectContaining({ name: 'UsersService', limit: 100, queued: 0 }));
    expect(sink.record('api').breakers).toContainEqual({ name: 'UsersService', state: 'closed', failures: 0 });
  });

  it('maps shares to instruments: uid as id, ticker, price step, lots', async () => {
    const [sber] = await venue.searchInstruments('SBER', 3);
    const simSber = sim.instruments.find((i) => i.ticker === 'SBER')!;
    expect(sber).toEqual({
      venue: 'tinvest',
      id: simSber.uid,
      symbol: 'SBER',
      name: simSber.name,
      currency: 'rub',
      priceStep: '0.01',
      qtyStep: '1',
      lotSize: String(simSber.lot),
      qtyUnit: 'lot',
      minQty: '1',
      tradable: true,
      codes: { figi: simSber.figi, classCode: 'TQBR', isin: simSber.isin },
      kind: 'share',
    });
    expect(await venue.instrument(simSber.uid)).toEqual(sber);
    const vtbr = await venue.instrument(uidOf('VTBR'));
    expect(vtbr.priceStep).toBe('0.005');
  });

  it('reports an unknown instrument as a typed invalid error', async () => {
    await expect(venue.instrument('00000000-0000-4000-8000-000000000000')).rejects.toMatchObject({ kind: 'invalid', code: '50002' });
  });

  it('returns history equal to the venue truth, across spans longer than one request allows', async () => {
    const nowSec = Math.floor(Date.now() / 1000);
    const from = nowSec - 36 * 3600; // 1.5 days of minutes: two GetCandles spans at least
    const before = candleOpen(nowSec, '1m') - 60; // closed candles only
    const calls = sim.stats.calls('GetCandles');
    const got = await venue.history({ ...key('SBER', '1m'), from, before, limit: 10_000 });
    expect(sim.stats.calls('GetCandles') - calls).toBeGreaterThanOrEqual(2);
    expect(got.length).toBeGreaterThan(100);
    expect(got.map(plain)).toEqual(truth(sim.market, 'SBER', '1m', from, before));
    for (const c of got) expect(candleKeyId(c)).toBe(candleKeyId(key('SBER', '1m')));
  });

  it('returns the most recent `limit` candles of each interval, ascending, as the venue has them', async () => {
    for (const interval of ['5m', '15m', '1h', '1d'] as Interval[]) {
      const nowSec = Math.floor(Date.now() / 1000);
      const before = candleOpen(nowSec, interval);
      const got = await venue.history({ ...key('GAZP', interval), before, limit: 20 });
      const all = truth(sim.market, 'GAZP', interval, 0, before);
      expect(got.map(plain)).toEqual(all.slice(-20));
      for (let i = 1; i < got.length; i++) expect(got[i]!.time - got[i - 1]!.time).toBeGreaterThanOrEqual(INTERVAL_SECONDS[interval]);
    }
  });

  it('delivers live candles through the sink that match the venue truth once closed', async () => {
    const k = key('LKOH', '1m');
    const id = candleKeyId(k);
    const start = Math.floor(Date.now() / 1000);
    venue.subscribeCandles(k);
    await waitFor('live state', () => sink.state('marketdata') === 'live');
    await waitFor('live candles', () => sink.emitted(id).filter((c) => c.time >= candleOpen(start, '1m')).length >= 3);
    const last = sink.emitted(id).at(-1)!;
    expect(last).toMatchObject({ venue: 'tinvest', instrumentId: k.instrumentId, interval: '1m' });
    const [t] = truth(sim.market, 'LKOH', '1m', last.time, last.time + 60);
    // The forming candle only grows: what we saw is the venue's candle at some moment.
    expect(BigInt(t!.volume) >= BigInt(last.volume)).toBe(true);
    expect(sink.record('marketdata').subscriptions).toEqual({ pending: 0, confirmed: 1 });
    expect(sink.record('marketdata').rtts.length).toBeGreaterThan(0);
    venue.unsubscribeCandles(k);
  });

  it('stops the flow on unsubscribe: the venue shows no subscription left', async () => {
    const a = key('SBER', '1m');
    const b = key('GAZP', '5m');
    venue.subscribeCandles(a);
    venue.subscribeCandles(b);
    await waitFor('both confirmed', () => sink.record('marketdata').subscriptions.confirmed === 2);
    venue.unsubscribeCandles(a);
    await waitFor('one left at the venue', () => sim.stats.activeSubscriptions().flatMap((s) => s.candles).length === 1);
    expect(sim.stats.activeSubscriptions().flatMap((s) => s.candles)).toEqual([
      expect.objectContaining({ instrumentUid: b.instrumentId, interval: 2 }),
    ]);
    const countA = sink.emitted(candleKeyId(a)).length;
    venue.unsubscribeCandles(b);
    // With nothing subscribed the stream is half-closed (the venue would kill it with 80004).
    await waitFor('stream closed', () => sim.stats.streamsOpen === 0);
    expect(sim.stats.activeSubscriptions()).toEqual([]);
    expect(sink.state('marketdata')).toBe('idle');
    expect(sink.emitted(candleKeyId(a)).length).toBe(countA);
  });

  it('sends no events after close()', async () => {
    const local = await startTInvestSim({ seed: 6 });
    const s3 = new RecordingSink();
    const v3 = createTInvestVenue({ endpoint: local.endpoint, token: local.token, mode: 'demo', tls: false, sink: s3, pingDelayMs: 200 });
    await v3.connect();
    const k = { venue: 'tinvest' as const, instrumentId: local.instruments.find((i) => i.ticker === 'SBER')!.uid, interval: '1m' as const };
    v3.subscribeCandles(k);
    await waitFor('a candle', () => s3.candles.length > 0);
    await v3.close();
    expect(s3.state('marketdata')).toBe('closed');
    const seen = { candles: s3.candles.length, states: s3.record('marketdata').states.length, msgs: s3.record('marketdata').messages };
    local.faults.dropStreams('UNAVAILABLE');
    await new Promise((r) => setTimeout(r, 700));
    expect({ candles: s3.candles.length, states: s3.record('marketdata').states.length, msgs: s3.record('marketdata').messages }).toEqual(seen);
    expect(local.stats.streamsOpen).toBe(0);
    await local.close();
  });
});

describe('T-Invest venue: auth and transport security', () => {
  it('gives a typed auth error 40003 with the venue message and tracking id for a wrong token', async () => {
    const s = new RecordingSink();
    const v = createTInvestVenue({ endpoint: sim.endpoint, token: 't.wrong', mode: 'demo', tls: false, sink: s });
    const err = await v.connect().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(VenueError);
    expect(err).toMatchObject({ kind: 'auth', code: '40003', message: 'authentication token is missing or invalid' });
    expect((err as VenueError).trackingId).toMatch(/^[0-9a-f]{32}$/);
    expect(s.state('api')).toBe('closed');
    expect(s.record('api').errors[0]).toMatchObject({ kind: 'auth', code: '40003' });
    await v.close();
  });

  it('refuses plaintext to anything but loopback, before dialing', async () => {
    const v = createTInvestVenue({ endpoint: 'invest-public-api.tinkoff.ru:443', token: 't', mode: 'live', tls: false, sink: new RecordingSink() });
    await expect(v.connect()).rejects.toMatchObject({ kind: 'invalid', code: 'plaintext-refused' });
  });

  it('connects over TLS trusting an extra root on top of the system roots', async () => {
    const secure = await startTInvestSim({ seed: 2, tls: true });
    try {
      const v = createTInvestVenue({
        endpoint: secure.endpoint,
        token: secure.token,
        mode: 'demo',
        tls: { rootCertsPem: secure.tls!.caPem },
        sink: new RecordingSink(),
      });
      await v.connect();
      expect((await v.accounts()).length).toBeGreaterThan(0);
      await v.close();
      // Without the extra root the same server is not trusted.
      const untrusted = createTInvestVenue({ endpoint: secure.endpoint, token: secure.token, mode: 'demo', sink: new RecordingSink() });
      await expect(untrusted.connect()).rejects.toMatchObject({ kind: 'unavailable' });
      await untrusted.close();
    } finally {
      await secure.close();
    }
  });
});
