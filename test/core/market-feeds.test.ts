/**
 * Books, tapes and quotes through the hub: one venue flow per key however many hold it,
 * flows started again on reconnect, prints de-duplicated by trade id (across reconnects too),
 * broken books dropped and counted where a trader can see it, crossed books flagged.
 */
import { describe, expect, it } from 'vitest';
import type { MarketKey, OrderBook, Quote, TradePrint, VenueErrorInfo } from '../../common/domain.js';
import { marketKeyId } from '../../common/domain.js';
import { Hub, HubError, VENUE_CONNECTION } from '../../electron/core/hub.js';
import { MarketFeeds } from '../../electron/core/market-feeds.js';
import { book, memoryVenues, print } from './memory-venue.js';

const BOOK: MarketKey = { venue: 'tinvest', instrumentId: 'id-SBER', stream: 'book', depth: 10 };
const TAPE: MarketKey = { venue: 'tinvest', instrumentId: 'id-SBER', stream: 'trades' };
const QUOTE: MarketKey = { venue: 'tinvest', instrumentId: 'id-SBER', stream: 'quote' };
const REFUSED: VenueErrorInfo = { kind: 'invalid', code: 'E1', message: 'no such instrument', at: 1 };

async function rig(): Promise<{ hub: Hub; venues: ReturnType<typeof memoryVenues>; books: OrderBook[]; prints: TradePrint[]; quotes: Quote[] }> {
  const hub = new Hub();
  const venues = memoryVenues();
  hub.addVenue(venues.factory);
  await hub.connect('tinvest');
  const books: OrderBook[] = [];
  const prints: TradePrint[] = [];
  const quotes: Quote[] = [];
  hub.on({ book: (b) => books.push(b), trades: (t) => prints.push(...t), quote: (q) => quotes.push(q) });
  return { hub, venues, books, prints, quotes };
}

describe('market feeds in the hub', () => {
  it('starts one venue flow per key however many hold it, and stops it when the last lets go', async () => {
    const { hub, venues } = await rig();
    const v = venues.current();
    hub.retainMarket(BOOK);
    hub.retainMarket({ ...BOOK });
    hub.retainMarket(TAPE);
    expect(v.marketSubscribed).toEqual([BOOK, TAPE]);
    expect(hub.marketRefCount(BOOK)).toBe(2);
    hub.releaseMarket(BOOK);
    expect(v.marketActive.has(marketKeyId(BOOK))).toBe(true);
    hub.releaseMarket(BOOK);
    expect(v.marketActive.has(marketKeyId(BOOK))).toBe(false);
    expect(hub.marketRefCount(BOOK)).toBe(0);
    // Releasing a key nobody holds changes nothing.
    hub.releaseMarket(BOOK);
    expect(hub.marketRefCount(BOOK)).toBe(0);
  });

  it('refuses a book depth the venue does not stream, holding nothing', async () => {
    const { hub, venues } = await rig();
    expect(() => hub.retainMarket({ ...BOOK, depth: 20 })).toThrow(HubError);
    expect(() => hub.retainMarket({ ...BOOK, depth: undefined })).toThrow(/streams books of depth 10/);
    expect(hub.marketRefCount({ ...BOOK, depth: 20 })).toBe(0);
    expect(venues.current().marketSubscribed).toEqual([]);
  });

  it('starts every held flow again on the new connection after a reconnect, and keys taken while away on connect', async () => {
    const { hub, venues } = await rig();
    hub.retainMarket(BOOK);
    hub.retainMarket(QUOTE);
    venues.current().emitBook(book('id-SBER', [['100', '1']], [['101', '1']]));
    expect(hub.latestBook(BOOK)).toBeDefined();
    await hub.disconnect('tinvest');
    expect(hub.latestBook(BOOK)).toBeUndefined();
    hub.retainMarket(TAPE);
    await hub.connect('tinvest');
    const fresh = venues.current();
    expect(venues.all).toHaveLength(2);
    expect(fresh.marketSubscribed.map(marketKeyId).sort()).toEqual([BOOK, QUOTE, TAPE].map(marketKeyId).sort());
    // The old connection's book is stale: nobody is shown it as current.
    expect(hub.latestBook(BOOK)).toBeUndefined();
  });

  it('passes each print once by trade id, across calls and across a reconnect', async () => {
    const { hub, venues, prints } = await rig();
    hub.retainMarket(TAPE);
    const v = venues.current();
    v.emitTrades([print('id-SBER', 't1'), print('id-SBER', 't2'), print('id-SBER', 't1')]);
    v.emitTrades([print('id-SBER', 't2'), print('id-SBER', 't3')]);
    // Another instrument's tape nobody holds: dropped.
    v.emitTrades([print('id-GAZP', 't9')]);
    await hub.disconnect('tinvest');
    await hub.connect('tinvest');
    // The venue's snapshot after the reconnect repeats recent prints.
    venues.current().emitTrades([print('id-SBER', 't2'), print('id-SBER', 't3'), print('id-SBER', 't4')]);
    expect(prints.map((p) => p.tradeId)).toEqual(['t1', 't2', 't3', 't4']);
  });

  it('drops a book whose levels are not best first, counts it on the venue\'s diagnostics, and passes the next good one', async () => {
    const { hub, venues, books } = await rig();
    hub.retainMarket(BOOK);
    const v = venues.current();
    v.emitBook(book('id-SBER', [['99', '1'], ['100', '1']], [['101', '1']]));
    v.emitBook(book('id-SBER', [['100', '1']], [['102', '1'], ['101', '1']]));
    v.emitBook(book('id-SBER', [['100', '1'], ['100', '2']], [['101', '1']]));
    expect(books).toEqual([]);
    expect(hub.rejectedBooks('tinvest')).toBe(3);
    const diag = hub.diagnostics.snapshot().find((d) => d.venue === 'tinvest' && d.connection === VENUE_CONNECTION);
    expect(diag?.malformed).toBe(3);
    expect(diag?.malformedSamples[0]?.detail).toMatch(/book of id-SBER \(depth 10\) dropped: its levels are not best first/);
    // An idle pseudo-connection does not change the venue's state.
    expect(hub.summaries().find((s) => s.id === 'tinvest')?.state).toBe('live');
    const good = book('id-SBER', [['100', '1'], ['99.5', '3']], [['101', '1'], ['101.5', '2']]);
    v.emitBook(good);
    expect(books).toEqual([good]);
    expect(hub.latestBook(BOOK)).toEqual(good);
  });

  it('passes a crossed book flagged inconsistent, not dropped', async () => {
    const { hub, venues, books } = await rig();
    hub.retainMarket(BOOK);
    venues.current().emitBook(book('id-SBER', [['101', '1']], [['100.5', '1']]));
    expect(books).toHaveLength(1);
    expect(books[0]?.health).toMatchObject({ consistent: false, failures: 0 });
    expect(books[0]?.bids[0]?.price).toBe('101');
    expect(hub.rejectedBooks('tinvest')).toBe(0);
  });

  it('keeps a refusal of a key until the key\'s next event proves it recovered', async () => {
    const { hub, venues, quotes } = await rig();
    hub.retainMarket(QUOTE);
    hub.retainMarket(BOOK);
    const failed: MarketKey[] = [];
    hub.on({ marketFailed: (k) => failed.push(k) });
    const v = venues.current();
    v.refuseMarket(QUOTE, REFUSED);
    v.refuseMarket(BOOK, REFUSED);
    // A key nobody holds: not passed on.
    v.refuseMarket(TAPE, REFUSED);
    expect(failed.map(marketKeyId)).toEqual([QUOTE, BOOK].map(marketKeyId));
    expect(hub.marketFailure(QUOTE)).toMatchObject({ code: 'E1' });
    v.emitQuote({ venue: 'tinvest', instrumentId: 'id-SBER', last: '100.5', time: 5 });
    expect(hub.marketFailure(QUOTE)).toBeUndefined();
    expect(quotes).toHaveLength(1);
    expect(hub.marketFailure(BOOK)).toBeDefined();
    v.emitBook(book('id-SBER', [['100', '1']], [['101', '1']]));
    expect(hub.marketFailure(BOOK)).toBeUndefined();
  });

  it('values a market order at the watchlist quote\'s last price when no chart of it is open', async () => {
    const hub = new Hub({ risk: { maxNotional: { rub: '1000' } } });
    const { tradingVenues } = await import('./memory-trading-venue.js');
    const venues = tradingVenues();
    hub.addVenue(venues.factory);
    await hub.connect('tinvest');
    hub.retainMarket(QUOTE);
    const market = { venue: 'tinvest' as const, accountId: 'acc-1', instrumentId: 'id-SBER', side: 'buy' as const, type: 'market' as const, quantity: '2' };
    await expect(hub.journal.place({ ...market, clientOrderId: 'm-1' })).rejects.toThrow(/no last price of SBER/);
    venues.current().emitQuote({ venue: 'tinvest', instrumentId: 'id-SBER', last: '60', time: 5 });
    await expect(hub.journal.place({ ...market, clientOrderId: 'm-2' })).rejects.toThrow(/order value 1200 rub is over the limit/);
  });
});

describe('MarketFeeds', () => {
  it('remembers a bounded number of trade ids per tape: the oldest are forgotten first', () => {
    const feeds = new MarketFeeds();
    feeds.retain(TAPE);
    const first = feeds.trades(Array.from({ length: 600 }, (_, i) => print('id-SBER', `t${i}`)));
    expect(first).toHaveLength(600);
    // The newest 512 are still known; the first ones are not.
    expect(feeds.trades([print('id-SBER', 't599'), print('id-SBER', 't100')]).map((t) => t.tradeId)).toEqual([]);
    expect(feeds.trades([print('id-SBER', 't0')]).map((t) => t.tradeId)).toEqual(['t0']);
  });

  it('forgets a released tape\'s ids: a new holder starts a fresh tape', () => {
    const feeds = new MarketFeeds();
    feeds.retain(TAPE);
    feeds.trades([print('id-SBER', 't1')]);
    feeds.release(TAPE);
    expect(feeds.trades([print('id-SBER', 't1')])).toEqual([]);
    feeds.retain(TAPE);
    expect(feeds.trades([print('id-SBER', 't1')])).toHaveLength(1);
  });
});
