/**
 * An independent public client — the npm SDK `tinkoff-invest-api` (nice-grpc, its own
 * generated code from contract v1.24) — used unchanged against the local venue. The SDK
 * picks plaintext for endpoints starting with "localhost" and TLS with the system roots
 * otherwise, so it is pointed at `localhost:PORT` of the plaintext venue.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TinkoffInvestApi } from 'tinkoff-invest-api';
import { Market } from '../../../sim/market.js';
import { startTInvestSim } from '../../../sim/tinvest/server.js';
import type { SimInstrument, TInvestSim } from '../../../sim/tinvest/server.js';

let market: Market;
let sim: TInvestSim;
let api: TinkoffInvestApi;
let sber: SimInstrument;

beforeAll(async () => {
  market = new Market({
    seed: 41,
    historySeconds: 3 * 3600,
    symbols: [{ symbol: 'SBER', startPrice: '300', priceStep: '0.01', qtyStep: '1', tradesPerSecond: 40 }],
  });
  market.start(20);
  sim = await startTInvestSim({ market });
  const port = sim.endpoint.split(':').at(-1) ?? '';
  api = new TinkoffInvestApi({ token: sim.token, endpoint: `localhost:${port}`, appName: 'switchboard.tests' });
  sber = sim.instruments.find((i) => i.ticker === 'SBER') ?? expect.unreachable('SBER');
});
afterAll(async () => {
  await api.stream.market.cancel();
  market.stop();
  await sim.close();
});

describe('T-Invest sim: the public npm SDK works unchanged', () => {
  it('lists the accounts', async () => {
    const { accounts } = await api.users.getAccounts({});
    expect(accounts.map((a) => a.id)).toContain(sim.accountId);
    expect(accounts.find((a) => a.id === sim.accountId)).toMatchObject({ type: 1, status: 2, accessLevel: 1 });
  });

  it('reads the venue error code and message from the trailers', async () => {
    const port = sim.endpoint.split(':').at(-1) ?? '';
    const bad = new TinkoffInvestApi({ token: 'wrong', endpoint: `localhost:${port}` });
    const err: unknown = await bad.users.getAccounts({}).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ code: 16, details: 'authentication token is missing or invalid' });
    expect((err as { trackingId: string }).trackingId).toMatch(/^[0-9a-f]{32}$/);
  });

  it('fetches the candles the market made, exactly', async () => {
    const to = Math.floor(Date.now() / 60_000) * 60; // completed minutes only: the market is live
    const from = to - 2 * 3600;
    const { candles } = await api.marketdata.getCandles({ figi: sber.figi, from: new Date(from * 1000), to: new Date(to * 1000), interval: 1 });
    const want = market.candles('SBER', 60, from, to);
    expect(want.length).toBeGreaterThan(60);
    const cents = (q: { units: number; nano: number } | undefined) => BigInt(q?.units ?? NaN) * 100n + BigInt((q?.nano ?? NaN) / 10_000_000);
    expect(
      candles.map((c) => ({ time: (c.time?.getTime() ?? NaN) / 1000, open: cents(c.open), high: cents(c.high), low: cents(c.low), close: cents(c.close), volume: BigInt(c.volume), complete: c.isComplete })),
    ).toEqual(want.map((c) => ({ time: c.time, open: c.open, high: c.high, low: c.low, close: c.close, volume: c.volume, complete: true })));
  });

  it('streams candles, unsubscribes and closes cleanly', async () => {
    const got: { figi: string; interval: number; instrumentUid: string; time?: Date }[] = [];
    let enough: () => void = () => {};
    const twoCandles = new Promise<void>((r) => (enough = r));
    const unsubscribe = await api.stream.market.candles({ instruments: [{ figi: sber.figi, interval: 1, instrumentId: '' }], waitingClose: false }, (c) => {
      got.push(c);
      if (got.length >= 2) enough();
    });
    await twoCandles;
    expect(got[0]).toMatchObject({ figi: sber.figi, interval: 1, instrumentUid: sber.uid });
    expect(got[0]?.time?.getUTCSeconds()).toBe(0);
    expect(sim.stats.activeSubscriptions().flatMap((s) => s.candles.map((c) => c.figi))).toEqual([sber.figi]);
    await unsubscribe();
    expect(sim.stats.activeSubscriptions().flatMap((s) => s.candles)).toEqual([]);
    const closeError = await api.stream.market.cancel();
    expect(closeError).toBeUndefined();
  });
});
