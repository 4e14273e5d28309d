import { afterEach, describe, expect, it } from 'vitest';
import { createKrakenVenue } from '../../../electron/venues/kraken/adapter.js';
import type { KrakenVenue } from '../../../electron/venues/kraken/adapter.js';
import { Market } from '../../../sim/market.js';
import { krakenMarketSymbols, startKrakenSim } from '../../../sim/kraken/server.js';
import type { KrakenSim } from '../../../sim/kraken/server.js';
import { RecordingSink, tempStateDir, waitFor, closeAll } from './helpers.js';

let sim: KrakenSim | undefined;
let venue: KrakenVenue | undefined;
let market: Market | undefined;
afterEach(() => closeAll(venue, sim, market));

async function start(): Promise<{ sim: KrakenSim; sink: RecordingSink; venue: KrakenVenue }> {
  market = new Market({ seed: 51, symbols: krakenMarketSymbols().map((s) => (s.symbol === 'BTC/USD' ? { ...s, tradesPerSecond: 20 } : s)) });
  market.start(20);
  sim = await startKrakenSim({ seed: 51, market });
  const sink = new RecordingSink();
  venue = createKrakenVenue({
    rest: sim.rest, ws: sim.ws, wsAuth: sim.wsAuth, apiKey: sim.apiKey, apiSecret: sim.apiSecret,
    mode: 'demo', sink, stateDir: tempStateDir(), timing: { pingEveryMs: 200, silenceMs: 1_000, ackTimeoutMs: 2_000 },
  });
  await venue.connect();
  venue.subscribeCandles({ venue: 'kraken', instrumentId: 'XXBTZUSD', interval: '1m' });
  await waitFor('public live', () => sink.state('ws-public') === 'live');
  return { sim, sink, venue };
}

describe('Kraken socket health', () => {
  it('counts malformed frames and skips them while the connection keeps going', { timeout: 60_000 }, async () => {
    const { sim, sink } = await start();
    const pub = sink.conn('ws-public');
    const priv = sink.conn('ws-private');
    sim.faults.sendMalformed();
    await waitFor('malformed counted on both sockets', () => pub.malformed.length >= 2 && priv.malformed.length >= 2);
    const candles = sink.candleLog.length;
    await waitFor('candles still flowing', () => sink.candleLog.length > candles + 3);
    expect(pub.reconnects).toBe(0);
    expect(priv.reconnects).toBe(0);
    expect(sink.state('ws-public')).toBe('live');
  });

  it('reconnects when the venue goes silent, and comes back live when it speaks again', { timeout: 60_000 }, async () => {
    const { sim, sink } = await start();
    sim.faults.stall(true);
    await waitFor('silence noticed', () => sink.conn('ws-public').reconnects >= 1 && sink.conn('ws-private').reconnects >= 1, 10_000);
    sim.faults.stall(false);
    await waitFor('live again', () => sink.state('ws-public') === 'live' && sink.state('ws-private') === 'live', 20_000);
    const candles = sink.candleLog.length;
    await waitFor('candles flowing again', () => sink.candleLog.length > candles, 10_000);
  });

  it('refuses a bad key with an auth error instead of retrying', async () => {
    sim = await startKrakenSim({ seed: 52 });
    venue = createKrakenVenue({
      rest: sim.rest, ws: sim.ws, wsAuth: sim.wsAuth, apiKey: 'not-a-key', apiSecret: sim.apiSecret,
      mode: 'demo', sink: new RecordingSink(), stateDir: tempStateDir(),
    });
    await expect(venue.connect()).rejects.toMatchObject({ kind: 'auth', code: 'EAPI:Invalid key' });
  });
});
