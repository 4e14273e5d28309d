import { describe, expect, it } from 'vitest';
import type { MarketFailure } from '../../electron/contract.js';
import type { OrderBook, Quote, TradePrint } from '../../common/domain.js';
import { createAppStore } from '../../renderer/store/app-store.js';
import { FrameDrain, MAX_PENDING_PRINTS } from '../../renderer/store/frame-drain.js';
import { bookKeyId, instrumentMarketKey, mergeTapes, TAPE_LIMIT } from '../../renderer/store/market.js';
import { MarketSubscriptions } from '../../renderer/store/market-subscriptions.js';
import { FakeBridge } from './fake-bridge.js';
import { batch, snapshot } from './fixtures.js';

const BOOK_KEY = bookKeyId('kraken', 'XXBTZUSD', 10);
const TAPE_KEY = instrumentMarketKey('kraken', 'XXBTZUSD');

function book(bid: string, over: Partial<OrderBook> = {}): OrderBook {
  return {
    venue: 'kraken',
    instrumentId: 'XXBTZUSD',
    depth: 10,
    bids: [{ price: bid, quantity: '1' }],
    asks: [{ price: '60010.0', quantity: '2' }],
    receivedAt: 1,
    health: { verification: 'checksum', verified: 1, failures: 0, resyncs: 0, consistent: true },
    ...over,
  };
}

function print(id: number, over: Partial<TradePrint> = {}): TradePrint {
  return { venue: 'kraken', instrumentId: 'XXBTZUSD', tradeId: String(id), price: '60000.0', quantity: '0.1', side: 'buy', time: id, ...over };
}

function quote(last: string, over: Partial<Quote> = {}): Quote {
  return { venue: 'kraken', instrumentId: 'XXBTZUSD', bid: '1', ask: '2', last, time: 1, ...over };
}

function failure(stream: MarketFailure['stream'], over: Partial<MarketFailure> = {}): MarketFailure {
  return {
    venue: 'kraken',
    instrumentId: 'XXBTZUSD',
    stream,
    ...(stream === 'book' ? { depth: 10 } : {}),
    error: { kind: 'invalid', code: 'EGeneral:Unknown pair', message: 'no such pair', at: 5 },
    ...over,
  };
}

function setup() {
  const bridge = new FakeBridge();
  const store = createAppStore(bridge);
  const scheduled: (() => void)[] = [];
  const drain = new FrameDrain({ commitFrame: (f) => store.getState().commitFrame(f) }, (fn) => scheduled.push(fn));
  const nextFrame = () => scheduled.shift()?.();
  return { bridge, store, drain, nextFrame, scheduled };
}

describe('market data in the store', () => {
  it('commits the latest book of a burst once, in one frame', () => {
    const { store, drain, nextFrame } = setup();
    let commits = 0;
    store.subscribe((s, prev) => {
      if (s.books !== prev.books) commits += 1;
    });
    for (let i = 0; i < 200; i += 1) drain.batch(batch(i + 1, { books: [book(String(59000 + i))] }));
    expect(commits).toBe(0);
    nextFrame();
    expect(commits).toBe(1);
    expect(store.getState().books[BOOK_KEY]!.bids[0]!.price).toBe('59199');
  });

  it('keeps every print of a frame, newest first, de-duplicated and bounded per instrument', () => {
    const { store, drain, nextFrame } = setup();
    drain.batch(batch(1, { trades: [print(1), print(2)] }));
    drain.batch(batch(2, { trades: [print(2), print(3), print(9, { instrumentId: 'XETHZUSD' })] }));
    nextFrame();
    const s = store.getState();
    expect(s.tapes[TAPE_KEY]!.map((p) => p.tradeId)).toEqual(['3', '2', '1']);
    expect(s.tapes[instrumentMarketKey('kraken', 'XETHZUSD')]!.map((p) => p.tradeId)).toEqual(['9']);

    const many = Array.from({ length: TAPE_LIMIT + 50 }, (_, i) => print(100 + i));
    drain.batch(batch(3, { trades: many }));
    nextFrame();
    const tape = store.getState().tapes[TAPE_KEY]!;
    expect(tape).toHaveLength(TAPE_LIMIT);
    expect(tape[0]!.tradeId).toBe(String(100 + TAPE_LIMIT + 49));
    expect(tape.at(-1)!.tradeId).toBe('150');
  });

  it('bounds prints held between two frames and counts what it dropped', () => {
    const { drain, store, nextFrame } = setup();
    drain.batch(batch(1, { trades: Array.from({ length: MAX_PENDING_PRINTS + 7 }, (_, i) => print(i)) }));
    expect(drain.droppedPrints).toBe(7);
    nextFrame();
    expect(store.getState().tapes[TAPE_KEY]![0]!.tradeId).toBe(String(MAX_PENDING_PRINTS + 6));
  });

  it('mergeTapes keeps the older prints behind the new ones', () => {
    const once = mergeTapes({}, [print(1), print(2)], 3);
    const twice = mergeTapes(once, [print(3), print(4)], 3);
    expect(twice[TAPE_KEY]!.map((p) => p.tradeId)).toEqual(['4', '3', '2']);
    expect(mergeTapes(twice, [])).toBe(twice);
  });

  it('keeps the latest quote per instrument', () => {
    const { store, drain, nextFrame } = setup();
    drain.batch(batch(1, { quotes: [quote('10'), quote('11')] }));
    nextFrame();
    expect(store.getState().quotes[TAPE_KEY]!.last).toBe('11');
  });

  it('shows a failure per key until data of that key arrives', () => {
    const { store, drain, nextFrame } = setup();
    drain.batch(batch(1, { marketFailures: [failure('book'), failure('trades')] }));
    nextFrame();
    const tradesKey = 'kraken|XXBTZUSD|trades';
    expect(Object.keys(store.getState().marketFailures).sort()).toEqual([BOOK_KEY, tradesKey].sort());
    drain.batch(batch(2, { books: [book('1')] }));
    nextFrame();
    expect(Object.keys(store.getState().marketFailures)).toEqual([tradesKey]);
    // A failure after data in the same batch stands.
    drain.batch(batch(3, { books: [book('2')], marketFailures: [failure('book')] }));
    nextFrame();
    expect(store.getState().marketFailures[BOOK_KEY]?.code).toBe('EGeneral:Unknown pair');
  });

  it('a snapshot replaces books and quotes and keeps the tape', () => {
    const { store, drain, nextFrame } = setup();
    drain.batch(batch(1, { books: [book('1')], quotes: [quote('5')], trades: [print(1)] }));
    nextFrame();
    drain.batch(batch(2, { books: [book('2')] })); // older than the snapshot that follows
    drain.snapshot(snapshot(9, { books: [book('3')], quotes: [] }));
    nextFrame();
    const s = store.getState();
    expect(s.books[BOOK_KEY]!.bids[0]!.price).toBe('3');
    expect(s.quotes[TAPE_KEY]).toBeUndefined();
    expect(s.tapes[TAPE_KEY]!.map((p) => p.tradeId)).toEqual(['1']);
  });
});

describe('MarketSubscriptions', () => {
  function counting() {
    const bridge = new FakeBridge();
    let n = 0;
    bridge.answer('market.subscribe', () => ({ ok: true, value: { subscriptionId: `sub-${++n}` } }));
    bridge.answer('market.unsubscribe', () => ({ ok: true, value: null }));
    const failed: string[] = [];
    const released: string[] = [];
    const subs = new MarketSubscriptions(bridge, {
      failed: (k, e) => failed.push(`${k.stream}:${e.code}`),
      released: (k) => released.push(k.stream),
    });
    return { bridge, subs, failed, released };
  }
  const flush = () => new Promise((r) => setTimeout(r, 0));
  const key = { venue: 'kraken' as const, instrumentId: 'XXBTZUSD', stream: 'book' as const, depth: 10 };

  it('subscribes once per key however many views hold it, and lets go after the last', async () => {
    const { bridge, subs, released } = counting();
    const a = subs.retain(key);
    const b = subs.retain(key);
    await flush();
    expect(bridge.count('market.subscribe')).toBe(1);
    expect(bridge.calls[0]!.request).toEqual({ venue: 'kraken', instrumentId: 'XXBTZUSD', stream: 'book', depth: 10 });
    a();
    a(); // a second call of the same release does nothing
    expect(bridge.count('market.unsubscribe')).toBe(0);
    b();
    expect(bridge.calls.at(-1)).toEqual({ method: 'market.unsubscribe', request: { subscriptionId: 'sub-1' } });
    expect(released).toEqual(['book']);
    expect(subs.counts().size).toBe(0);
  });

  it('unsubscribes an answer that arrives after the view let go', async () => {
    const { bridge, subs } = counting();
    subs.retain({ venue: 'kraken', instrumentId: 'XXBTZUSD', stream: 'trades' })();
    await flush();
    expect(bridge.calls.map((c) => c.method)).toEqual(['market.subscribe', 'market.unsubscribe']);
  });

  it('subscribes every held key again after a new far-side session', async () => {
    const { bridge, subs } = counting();
    subs.retain(key);
    subs.retain({ venue: 'kraken', instrumentId: 'XXBTZUSD', stream: 'quote' });
    await flush();
    subs.resubscribe();
    await flush();
    expect(bridge.count('market.subscribe')).toBe(4);
    expect(bridge.count('market.unsubscribe')).toBe(0);
  });

  it('tells a refused subscription as a failure of its key', async () => {
    const bridge = new FakeBridge();
    bridge.answer('market.subscribe', () => ({ ok: false, code: 'invalid', message: 'no book on this venue' }));
    const store = createAppStore(bridge);
    store.getState().retainMarket(key);
    await flush();
    expect(store.getState().marketFailures[BOOK_KEY]).toMatchObject({ kind: 'invalid', message: 'no book on this venue' });
  });
});

describe('letting go of market keys', () => {
  it('drops the book, tape or quote of a key the last view let go, so a later view starts fresh', async () => {
    const { bridge, store, drain, nextFrame } = setup();
    bridge.answer('market.subscribe', () => ({ ok: true, value: { subscriptionId: 's' } }));
    bridge.answer('market.unsubscribe', () => ({ ok: true, value: null }));
    const s = store.getState();
    const releases = [
      s.retainMarket({ venue: 'kraken', instrumentId: 'XXBTZUSD', stream: 'book', depth: 10 }),
      s.retainMarket({ venue: 'kraken', instrumentId: 'XXBTZUSD', stream: 'trades' }),
      s.retainMarket({ venue: 'kraken', instrumentId: 'XXBTZUSD', stream: 'quote' }),
    ];
    await new Promise((r) => setTimeout(r, 0));
    drain.batch(batch(1, { books: [book('1')], trades: [print(1)], quotes: [quote('1')] }));
    nextFrame();
    releases[1]!();
    expect(store.getState().tapes[TAPE_KEY]).toBeUndefined();
    expect(store.getState().books[BOOK_KEY]).toBeDefined();
    releases[0]!();
    releases[2]!();
    expect(store.getState().books[BOOK_KEY]).toBeUndefined();
    expect(store.getState().quotes[TAPE_KEY]).toBeUndefined();
  });
});
