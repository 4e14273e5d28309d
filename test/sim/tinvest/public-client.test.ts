/**
 * An independent public client — the npm SDK `tinkoff-invest-api` (nice-grpc, its own
 * generated code from contract v1.24) — used unchanged against the local venue. The SDK
 * picks plaintext for endpoints starting with "localhost" and TLS with the system roots
 * otherwise, so it is pointed at `localhost:PORT` of the plaintext venue.
 */
import { randomUUID } from 'node:crypto';
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

  it('reads the order book, last and close prices and the trading status', async () => {
    const book = await api.marketdata.getOrderBook({ instrumentId: sber.uid, depth: 10 });
    expect(book).toMatchObject({ figi: sber.figi, depth: 10, instrumentUid: sber.uid });
    expect(book.bids).toHaveLength(10);
    expect(book.asks).toHaveLength(10);
    const cents = (q: { units: number; nano: number } | undefined) => (q?.units ?? NaN) * 100 + Math.round((q?.nano ?? NaN) / 10_000_000);
    expect(cents(book.bids[0]?.price)).toBeLessThan(cents(book.asks[0]?.price));
    expect(book.bids.every((l) => l.quantity > 0)).toBe(true);
    expect(cents(book.closePrice)).toBeGreaterThan(0);

    const { lastPrices } = await api.marketdata.getLastPrices({ figi: [], instrumentId: [sber.uid], lastPriceType: 1 });
    expect(lastPrices).toHaveLength(1);
    expect(lastPrices[0]).toMatchObject({ figi: sber.figi, instrumentUid: sber.uid });
    expect(cents(lastPrices[0]?.price)).toBeGreaterThan(0);
    const { closePrices } = await api.marketdata.getClosePrices({ instruments: [{ instrumentId: sber.uid }] });
    expect(closePrices[0]).toMatchObject({ figi: sber.figi, instrumentUid: sber.uid });
    expect(cents(closePrices[0]?.price)).toBeGreaterThan(0);
    const status = await api.marketdata.getTradingStatus({ instrumentId: sber.uid });
    expect(status).toMatchObject({ figi: sber.figi, tradingStatus: 5, limitOrderAvailableFlag: true, marketOrderAvailableFlag: true, apiTradeAvailableFlag: true });
  });

  it('streams order books and trades of a subscription, then unsubscribes', async () => {
    const books: { figi: string; depth: number; bids: unknown[]; asks: unknown[] }[] = [];
    const trades: { figi: string; quantity: number; direction: number }[] = [];
    let enough: () => void = () => {};
    const both = new Promise<void>((r) => (enough = r));
    const check = () => {
      if (books.length >= 2 && trades.length >= 2) enough();
    };
    // This SDK matches subscription answers on figi, so it is subscribed by figi.
    const offBooks = await api.stream.market.orderBook({ instruments: [{ figi: sber.figi, instrumentId: '', depth: 20, orderBookType: 0 }] }, (b) => {
      books.push(b);
      check();
    });
    const offTrades = await api.stream.market.trades({ instruments: [{ figi: sber.figi, instrumentId: '' }], tradeSource: 3 }, (t) => {
      trades.push(t);
      check();
    });
    await both;
    expect(books[0]).toMatchObject({ figi: sber.figi, depth: 20, isConsistent: true });
    expect(books[0]?.bids).toHaveLength(20);
    expect(trades[0]).toMatchObject({ figi: sber.figi });
    expect(trades.every((t) => t.quantity > 0 && (t.direction === 1 || t.direction === 2))).toBe(true);
    await offBooks();
    await offTrades();
    expect(sim.stats.activeSubscriptions().flatMap((s) => [...s.orderBooks, ...s.trades])).toEqual([]);
  });

  it('lists bonds and futures with their nominal, accrued interest, expiry and underlying, and finds them by kind', async () => {
    const { instruments: bonds } = await api.instruments.bonds({ instrumentStatus: 1 });
    const ofz = bonds.find((b) => b.ticker === 'SU26238RMFS4') ?? expect.unreachable('OFZ 26238');
    expect(ofz).toMatchObject({ classCode: 'TQOB', lot: 1, nominal: { currency: 'rub', units: 1000, nano: 0 }, aciValue: { currency: 'rub', units: 14, nano: 730_000_000 } });
    expect(ofz.minPriceIncrement).toEqual({ units: 0, nano: 1_000_000 });
    expect(ofz.maturityDate?.toISOString()).toBe('2041-05-15T00:00:00.000Z');
    const { instruments: futures } = await api.instruments.futures({ instrumentStatus: 1 });
    const si = futures.find((f) => f.ticker === 'SiZ6') ?? expect.unreachable('SiZ6');
    expect(si).toMatchObject({ classCode: 'SPBFUT', lot: 1, basicAssetSize: { units: 1000, nano: 0 }, minPriceIncrement: { units: 1, nano: 0 } });
    expect(si.expirationDate?.toISOString()).toBe('2026-12-17T00:00:00.000Z');
    // Shares lists shares only; FindInstrument filters by kind (1 = bond).
    const { instruments: shares } = await api.instruments.shares({ instrumentStatus: 1 });
    expect(shares.map((x) => x.ticker)).not.toContain('SiZ6');
    const found = await api.instruments.findInstrument({ query: 'ОФЗ', instrumentKind: 1, apiTradeAvailableFlag: true });
    expect(found.instruments.map((x) => [x.ticker, x.instrumentType]).sort()).toEqual([
      ['SU26238RMFS4', 'bond'],
      ['SU26240RMFS0', 'bond'],
    ]);
  });

  it('places, lists and cancels orders, and its order streams report what the venue recorded', async () => {
    const abort = new AbortController();
    const states: { orderId: string; requestId: string | undefined; status: number; cause: number | undefined }[] = [];
    const fills: { orderId: string; quantity: number; tradeId: string }[] = [];
    let ready: () => void = () => {};
    const subscribed = new Promise<void>((r) => (ready = r));
    let opened = 0;
    let seen: () => void = () => {};
    const allSeen = new Promise<void>((r) => (seen = r));
    const check = (want: () => boolean) => {
      if (want()) seen();
    };
    let done: () => boolean = () => false;
    // The SDK's order streams are plain server streams; an abort ends them.
    const read = async <T,>(it: AsyncIterable<T>, on: (m: T) => void) => {
      try {
        for await (const m of it) on(m);
      } catch (e) {
        if (!abort.signal.aborted) throw e;
      }
    };
    const readers = [
      read(api.ordersStream.orderStateStream({ accounts: [sim.accountId], pingDelayMs: 1000 }, { signal: abort.signal }), (m) => {
        if (m.subscription && ++opened === 2) ready();
        const o = m.orderState;
        if (o) states.push({ orderId: o.orderId, requestId: o.orderRequestId, status: o.executionReportStatus, cause: o.statusInfo });
        check(done);
      }),
      read(api.ordersStream.tradesStream({ accounts: [sim.accountId], pingDelayMs: 5000 }, { signal: abort.signal }), (m) => {
        if (m.subscription && ++opened === 2) ready();
        for (const t of m.orderTrades?.trades ?? []) fills.push({ orderId: m.orderTrades?.orderId ?? '', quantity: t.quantity, tradeId: t.tradeId });
        check(done);
      }),
    ];
    await subscribed;

    // A limit buy far below the market rests.
    const half = market.lastPrice('SBER') / 2n;
    const price = { units: Number(half / 100n), nano: Number(half % 100n) * 10_000_000 };
    const key = randomUUID();
    const placed = await api.orders.postOrder({ figi: '', instrumentId: sber.uid, quantity: 2, price, direction: 1, accountId: sim.accountId, orderType: 1, orderId: key, timeInForce: 0, priceType: 0 });
    expect(placed).toMatchObject({ executionReportStatus: 4, lotsRequested: 2, lotsExecuted: 0, orderRequestId: key, figi: sber.figi, instrumentUid: sber.uid });
    expect(placed.orderId).not.toBe(key);
    expect(placed.initialOrderPrice).toMatchObject({ currency: 'rub' });

    const listed = await api.orders.getOrders({ accountId: sim.accountId });
    expect(listed.orders.map((o) => [o.orderId, o.executionReportStatus, o.orderRequestId])).toEqual([[placed.orderId, 4, key]]);
    expect(await api.orders.getOrderState({ accountId: sim.accountId, orderId: placed.orderId, priceType: 0 })).toMatchObject({ executionReportStatus: 4, lotsRequested: 2 });

    const cancelled = await api.orders.cancelOrder({ accountId: sim.accountId, orderId: placed.orderId });
    expect(cancelled.time).toBeInstanceOf(Date);
    expect(await api.orders.getOrderState({ accountId: sim.accountId, orderId: placed.orderId, priceType: 0 })).toMatchObject({ executionReportStatus: 3 });
    expect((await api.orders.getOrders({ accountId: sim.accountId })).orders).toEqual([]);

    // A market buy fills at once; TradesStream reports it in pieces.
    const bought = await api.orders.postOrder({ figi: '', instrumentId: sber.uid, quantity: 1, direction: 1, accountId: sim.accountId, orderType: 2, orderId: randomUUID(), timeInForce: 0, priceType: 0 });
    expect(bought).toMatchObject({ executionReportStatus: 1, lotsExecuted: 1 });

    done = () => states.some((x) => x.orderId === bought.orderId && x.status === 1) && fills.length > 0 && states.some((x) => x.status === 3);
    check(done);
    await allSeen;
    abort.abort();
    await Promise.all(readers);

    expect(states.filter((x) => x.orderId === placed.orderId).map((x) => [x.status, x.requestId, x.cause])).toEqual([
      [4, key, undefined],
      [3, key, 15],
    ]);
    expect(fills).toEqual([{ orderId: bought.orderId, quantity: sber.lot, tradeId: sim.stats.orders.get(bought.orderId)?.fills[0]?.tradeId }]);
    // What the SDK saw last of each order is the venue's own record.
    for (const id of [placed.orderId, bought.orderId]) {
      const last = states.filter((x) => x.orderId === id).at(-1);
      expect(last?.status).toBe(sim.stats.orders.get(id)?.statusCode);
    }
    expect(sim.stats.maxPlacementsPerKey()).toBe(1);
  });
});
