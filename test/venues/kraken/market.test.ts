import { afterEach, describe, expect, it } from 'vitest';
import { cmp, sub } from '../../../common/decimal.js';
import type { MarketKey } from '../../../common/domain.js';
import { createKrakenVenue } from '../../../electron/venues/kraken/adapter.js';
import type { KrakenVenue } from '../../../electron/venues/kraken/adapter.js';
import { Market } from '../../../sim/market.js';
import { krakenMarketSymbols, startKrakenSim } from '../../../sim/kraken/server.js';
import type { KrakenSim } from '../../../sim/kraken/server.js';
import { RecordingSink, closeAll, tempStateDir, waitFor } from './helpers.js';

let sim: KrakenSim | undefined;
let venue: KrakenVenue | undefined;
let market: Market | undefined;
afterEach(() => closeAll(venue, sim, market));

async function start(seed: number): Promise<RecordingSink> {
  market = new Market({ seed, symbols: krakenMarketSymbols().map((s) => (s.symbol === 'BTC/USD' ? { ...s, tradesPerSecond: 25 } : s)) });
  market.start(20);
  sim = await startKrakenSim({ seed, market });
  const sink = new RecordingSink();
  venue = createKrakenVenue({ rest: sim.rest, ws: sim.ws, wsAuth: sim.wsAuth, mode: 'demo', sink, stateDir: tempStateDir() });
  await venue.connect();
  return sink;
}

const btc = (stream: MarketKey['stream'], depth?: number): MarketKey => ({ venue: 'kraken', instrumentId: 'XXBTZUSD', stream, ...(depth !== undefined ? { depth } : {}) });

describe('Kraken market data through the sink', () => {
  it('offers exactly the book depths 10, 25 and 100, and names instruments from the Assets display names', async () => {
    await start(11);
    expect(venue!.bookDepths).toEqual([10, 25, 100]);
    expect(await venue!.instrument('XDGUSD')).toMatchObject({ name: 'DOGE / USD', symbol: 'DOGE/USD', kind: 'spot' });
  });

  it('reports verified books at each held depth, best first, with health and arrival time, on one public socket with candles', { timeout: 60_000 }, async () => {
    const sink = await start(12);
    const t0 = Date.now();
    venue!.subscribeCandles({ venue: 'kraken', instrumentId: 'XXBTZUSD', interval: '1m' });
    venue!.subscribeMarket(btc('book', 10));
    venue!.subscribeMarket(btc('book', 25));
    await waitFor('books at both depths, updated', () => sink.books.filter((b) => b.depth === 25).length > 5 && sink.books.filter((b) => b.depth === 10).length > 5, 30_000);
    await waitFor('candles too', () => sink.candleLog.length > 0, 30_000);

    for (const b of sink.books) {
      expect(b.instrumentId).toBe('XXBTZUSD');
      expect(b.bids.length).toBeLessThanOrEqual(b.depth);
      expect(b.asks.length).toBeLessThanOrEqual(b.depth);
      for (let i = 1; i < b.bids.length; i++) expect(cmp(b.bids[i - 1]!.price, b.bids[i]!.price)).toBe(1);
      for (let i = 1; i < b.asks.length; i++) expect(cmp(b.asks[i - 1]!.price, b.asks[i]!.price)).toBe(-1);
      expect(b.receivedAt).toBeGreaterThanOrEqual(t0);
      expect(b.health.verification).toBe('checksum');
      expect(b.health.consistent).toBe(true);
      expect(b.health.failures).toBe(0);
    }
    const deep = sink.books.filter((b) => b.depth === 25).at(-1)!;
    expect(deep.bids.length).toBe(25);
    expect(deep.health.verified).toBeGreaterThan(1);
    // The top 10 of the depth-10 key is the top 10 of the deeper one: one book, read twice.
    const last10 = sink.books.filter((b) => b.depth === 10).at(-1)!;
    expect(last10.bids).toEqual(deep.bids.slice(0, 10));
    expect(last10.asks).toEqual(deep.asks.slice(0, 10));
    expect(sink.state('ws-public')).toBe('live');
  });

  it('after a corrupted checksum the held book reports not consistent, counts the failure and the resync, then recovers', { timeout: 60_000 }, async () => {
    const sink = await start(13);
    venue!.subscribeMarket(btc('book', 10));
    await waitFor('a few books', () => sink.books.length > 5, 30_000);
    sim!.faults.corruptNextBookChecksum('BTC/USD');
    await waitFor('the failure seen', () => sink.books.some((b) => b.health.failures === 1), 30_000);
    const at = sink.books.findIndex((b) => b.health.failures === 1);
    expect(sink.books[at]!.health.consistent).toBe(false);
    expect(sink.books[at]!.bids).toEqual([]);
    await waitFor('a consistent book after the resync', () => sink.books.slice(at).some((b) => b.health.consistent && b.health.resyncs === 1), 30_000);
    // Every consistent book checks out independently.
    for (const b of sink.books.filter((x) => x.health.consistent)) expect(b.bids.length).toBe(10);
  });

  it('streams the tape with trade ids and taker sides, and quotes from the ticker with status from the instrument channel', { timeout: 60_000 }, async () => {
    const sink = await start(14);
    venue!.subscribeMarket(btc('trades'));
    venue!.subscribeMarket(btc('quote'));
    await waitFor('prints', () => sink.prints.length > 60, 30_000);
    await waitFor('quotes with status', () => sink.quotes.filter((q) => q.status !== undefined).length > 2, 30_000);
    for (const p of sink.prints) {
      expect(p.instrumentId).toBe('XXBTZUSD');
      expect(p.tradeId).toMatch(/^\d+$/);
      expect(['buy', 'sell']).toContain(p.side);
      expect(cmp(p.quantity, '0')).toBe(1);
    }
    const q = sink.quotes.at(-1)!;
    expect(q.instrumentId).toBe('XXBTZUSD');
    expect(q.status).toEqual({ tradable: true, limitOrders: true, marketOrders: true, venueStatus: 'online' });
    expect(q.bid).toBeDefined();
    expect(q.ask).toBeDefined();
    expect(cmp(q.bid!, q.ask!)).toBe(-1);
    expect(sub(q.last!, q.reference!)).toBe(q.change);

    // The pair's status moves on the instrument channel: the quote is sent again with it.
    const n = sink.quotes.length;
    sim!.setPairStatus('BTC/USD', 'post_only');
    await waitFor('post_only', () => sink.quotes.slice(n).some((x) => x.status?.venueStatus === 'post_only'));
    expect(sink.quotes.slice(n).find((x) => x.status?.venueStatus === 'post_only')!.status).toEqual({ tradable: false, limitOrders: true, marketOrders: false, venueStatus: 'post_only' });
    sim!.setPairStatus('BTC/USD', 'maintenance');
    await waitFor('maintenance', () => sink.quotes.at(-1)?.status?.venueStatus === 'maintenance');
    expect(sink.quotes.at(-1)!.status).toMatchObject({ tradable: false, limitOrders: false, marketOrders: false });
  });

  it('refuses an unknown pair and a depth Kraken does not offer through marketFailed', async () => {
    const sink = await start(15);
    venue!.subscribeMarket({ venue: 'kraken', instrumentId: 'NOPEUSD', stream: 'trades' });
    venue!.subscribeMarket(btc('book', 7));
    expect(sink.marketFailures.map((f) => f.err.code)).toEqual(['EQuery:Unknown asset pair', 'EGeneral:Invalid arguments:depth']);
  });

  it('holds a key taken twice as one stream and stops it when released', { timeout: 60_000 }, async () => {
    const sink = await start(16);
    venue!.subscribeMarket(btc('trades'));
    venue!.subscribeMarket(btc('trades'));
    await waitFor('prints', () => sink.prints.length > 0, 30_000);
    venue!.unsubscribeMarket(btc('trades'));
    await new Promise((r) => setTimeout(r, 300));
    const n = sink.prints.length;
    await new Promise((r) => setTimeout(r, 1000));
    expect(sink.prints.length).toBe(n);
  });
});
