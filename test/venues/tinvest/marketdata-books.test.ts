/**
 * Books, tapes and quotes of the T-Invest venue against the local venue over loopback: what
 * arrives, that wire subscriptions are shared, depth refusal, change against the previous
 * close, trading status, and a book's health across a stream break.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cmp, sub, toScale } from '../../../common/decimal.js';
import type { MarketKey, OrderBook, Quote } from '../../../common/domain.js';
import { formatFixed } from '../../../sim/market.js';
import type { Venue } from '../../../electron/venues/venue.js';
import { createTInvestVenue } from '../../../electron/venues/tinvest/adapter.js';
import { startTInvestSim } from '../../../sim/tinvest/server.js';
import type { TInvestSim } from '../../../sim/tinvest/server.js';
import { RecordingSink, waitFor } from './helpers.js';

let sim: TInvestSim;
let sink: RecordingSink;
let venue: Venue;
const WAIT = 30_000;

function uidOf(ticker: string): string {
  const i = sim.instruments.find((x) => x.ticker === ticker);
  if (!i) throw new Error(`no ${ticker} in the simulator`);
  return i.uid;
}

const booksOf = (uid: string, depth: number): OrderBook[] => sink.books.filter((b) => b.instrumentId === uid && b.depth === depth);
const quotesOf = (uid: string): Quote[] => sink.quotes.filter((q) => q.instrumentId === uid);
const subsOnVenue = () => sim.stats.activeSubscriptions();

function expectOrdered(b: OrderBook): void {
  for (let k = 1; k < b.bids.length; k++) expect(cmp(b.bids[k]!.price, b.bids[k - 1]!.price)).toBe(-1);
  for (let k = 1; k < b.asks.length; k++) expect(cmp(b.asks[k]!.price, b.asks[k - 1]!.price)).toBe(1);
}

beforeAll(async () => {
  sim = await startTInvestSim({ seed: 23 });
  sink = new RecordingSink();
  venue = createTInvestVenue({
    endpoint: sim.endpoint,
    token: sim.token,
    mode: 'demo',
    tls: false,
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

describe('T-Invest venue: books, trades and quotes', () => {
  it('offers the venue depths and streams a whole, ordered book that keeps updating, its health from snapshots', async () => {
    expect(venue.bookDepths).toEqual([1, 10, 20, 30, 40, 50]);
    const uid = uidOf('SBER');
    const key: MarketKey = { venue: 'tinvest', instrumentId: uid, stream: 'book', depth: 10 };
    venue.subscribeMarket(key);
    await waitFor('three SBER books', () => booksOf(uid, 10).length >= 3, WAIT);
    const books = booksOf(uid, 10);
    const last = books.at(-1)!;
    expect(last.bids).toHaveLength(10);
    expect(last.asks).toHaveLength(10);
    expectOrdered(last);
    expect(cmp(last.bids[0]!.price, last.asks[0]!.price)).toBe(-1);
    expect(last.health).toMatchObject({ verification: 'snapshot', failures: 0, resyncs: 0, consistent: true });
    // verified counts every whole book taken, snapshot and stream alike.
    expect(last.health.verified).toBe(books.length);
    expect(last.receivedAt).toBeGreaterThan(0);
    // The venue carries exactly one book subscription for it.
    expect(subsOnVenue().flatMap((s) => s.orderBooks)).toEqual([expect.objectContaining({ instrumentUid: uid, depth: 10 })]);
    venue.unsubscribeMarket(key);
    await waitFor('the book unsubscribed on the venue', () => subsOnVenue().every((s) => s.orderBooks.length === 0), WAIT);
  });

  it('refuses a depth the venue does not stream, as a market failure of that key, without asking the venue', () => {
    const key: MarketKey = { venue: 'tinvest', instrumentId: uidOf('GAZP'), stream: 'book', depth: 15 };
    const before = sim.stats.streamRequests;
    venue.subscribeMarket(key);
    expect(sink.marketFailures.at(-1)).toMatchObject({ key, err: { kind: 'invalid', code: 'depth' } });
    expect(sim.stats.streamRequests).toBe(before);
  });

  it('reports a key the venue refuses (unknown instrument) through marketFailed', async () => {
    const key: MarketKey = { venue: 'tinvest', instrumentId: '00000000-0000-4000-8000-000000000000', stream: 'trades' };
    venue.subscribeMarket(key);
    await waitFor('the refusal', () => sink.marketFailures.some((f) => f.key.instrumentId === key.instrumentId), WAIT);
    expect(sink.marketFailures.find((f) => f.key.instrumentId === key.instrumentId)?.err).toMatchObject({ kind: 'invalid', code: 'subscription-status-2' });
    venue.unsubscribeMarket(key);
  });

  it('prints the tape: every print one of the market trades, ids unique, the taker side given', async () => {
    const uid = uidOf('LKOH');
    const key: MarketKey = { venue: 'tinvest', instrumentId: uid, stream: 'trades' };
    venue.subscribeMarket(key);
    await waitFor('five LKOH prints', () => sink.prints.filter((p) => p.instrumentId === uid).length >= 5, WAIT);
    venue.unsubscribeMarket(key);
    const prints = sink.prints.filter((p) => p.instrumentId === uid);
    expect(new Set(prints.map((p) => p.tradeId)).size).toBe(prints.length);
    const scale = sim.market.info('LKOH').priceScale;
    const truth = new Set(sim.market.recentTrades('LKOH').map((t) => `${t.timeMs}|${t.price}|${t.qty}|${t.side}`));
    for (const p of prints) {
      expect(p.side === 'buy' || p.side === 'sell').toBe(true);
      expect(truth.has(`${p.time}|${toScale(p.price, scale)}|${p.quantity}|${p.side}`)).toBe(true);
    }
  });

  it('quotes last, previous close, change and the top of a depth-1 book of its own, with the trading status', async () => {
    const uid = uidOf('GAZP');
    const key: MarketKey = { venue: 'tinvest', instrumentId: uid, stream: 'quote' };
    venue.subscribeMarket(key);
    await waitFor('a full GAZP quote', () => quotesOf(uid).some((q) => q.last && q.reference && q.bid && q.ask && q.status), WAIT);
    const q = quotesOf(uid).findLast((x) => x.last && x.reference && x.bid && x.ask && x.status)!;
    expect(q.change).toBe(sub(q.last!, q.reference!));
    expect(q.changePct).toMatch(/^-?\d+(\.\d{1,2})?$/);
    expect(q.status).toEqual({ tradable: true, limitOrders: true, marketOrders: true, venueStatus: 'SECURITY_TRADING_STATUS_NORMAL_TRADING' });
    expect(cmp(q.bid!, q.ask!)).toBe(-1);
    // The reference is the venue's previous close, as GetClosePrices gives it.
    const [day] = sim.market.candles('GAZP', 86_400, Math.floor(Date.now() / 86_400_000) * 86_400 - 86_400, Math.floor(Date.now() / 86_400_000) * 86_400);
    if (day) expect(cmp(q.reference!, formatFixed(day.close, sim.market.info('GAZP').priceScale))).toBe(0);
    // Its book is a depth-1 subscription, plus last price and info.
    await waitFor('the quote subscriptions on the venue', () => subsOnVenue().some((s) => s.lastPrices.some((l) => l.instrumentUid === uid)), WAIT);
    const onVenue = subsOnVenue();
    expect(onVenue.flatMap((s) => s.orderBooks).filter((b) => b.instrumentUid === uid)).toEqual([expect.objectContaining({ depth: 1 })]);
    expect(onVenue.flatMap((s) => s.lastPrices).filter((b) => b.instrumentUid === uid)).toHaveLength(1);
    expect(onVenue.flatMap((s) => s.info).filter((b) => b.instrumentUid === uid)).toHaveLength(1);

    // A book key of the instrument carries the quote's top too: the depth-1 book is dropped.
    const book: MarketKey = { venue: 'tinvest', instrumentId: uid, stream: 'book', depth: 20 };
    venue.subscribeMarket(book);
    await waitFor('only the depth-20 book on the venue', () => {
      const books = subsOnVenue().flatMap((s) => s.orderBooks).filter((b) => b.instrumentUid === uid);
      return books.length === 1 && books[0]!.depth === 20;
    }, WAIT);
    const n = quotesOf(uid).length;
    await waitFor('quotes go on from the depth-20 book', () => quotesOf(uid).length > n + 2, WAIT);
    venue.unsubscribeMarket(book);
    venue.unsubscribeMarket(key);
  });

  it('greys out on a trading status change: the quote says what can trade now', async () => {
    const uid = uidOf('MOEX');
    const key: MarketKey = { venue: 'tinvest', instrumentId: uid, stream: 'quote' };
    venue.subscribeMarket(key);
    await waitFor('a MOEX status', () => quotesOf(uid).some((q) => q.status?.tradable === true), WAIT);
    await waitFor('the info subscription on the venue', () => subsOnVenue().some((s) => s.info.some((i) => i.instrumentUid === uid)), WAIT);
    try {
      sim.setTradingStatus(uid, 4);
      await waitFor('the break in trading', () => quotesOf(uid).at(-1)?.status?.tradable === false, WAIT);
      expect(quotesOf(uid).at(-1)?.status).toEqual({ tradable: false, limitOrders: false, marketOrders: false, venueStatus: 'SECURITY_TRADING_STATUS_BREAK_IN_TRADING' });
      sim.setTradingStatus(uid, 2);
      await waitFor('the opening period', () => quotesOf(uid).at(-1)?.status?.venueStatus === 'SECURITY_TRADING_STATUS_OPENING_PERIOD', WAIT);
      expect(quotesOf(uid).at(-1)?.status).toMatchObject({ tradable: false, limitOrders: true, marketOrders: false });
    } finally {
      sim.setTradingStatus(uid, 5);
    }
    venue.unsubscribeMarket(key);
  });

  it('counts a stream break as a resync of the book, which then flows again', async () => {
    const uid = uidOf('YDEX');
    const key: MarketKey = { venue: 'tinvest', instrumentId: uid, stream: 'book', depth: 1 };
    venue.subscribeMarket(key);
    await waitFor('a YDEX book', () => booksOf(uid, 1).length >= 2, WAIT);
    await waitFor('the book subscription on the venue', () => subsOnVenue().some((s) => s.orderBooks.some((b) => b.instrumentUid === uid)), WAIT);
    expect(sim.faults.dropStreams('UNAVAILABLE', 'market')).toBeGreaterThan(0);
    await waitFor('a book after the break', () => (booksOf(uid, 1).at(-1)?.health.resyncs ?? 0) >= 1, WAIT);
    const after = booksOf(uid, 1).at(-1)!;
    expect(after.health).toMatchObject({ resyncs: 1, consistent: true, failures: 0 });
    venue.unsubscribeMarket(key);
  });
});
