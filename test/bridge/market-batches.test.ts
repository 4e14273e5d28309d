/**
 * Books, tapes and quotes across the bridge: per-client subscriptions over one hub reference
 * per key, released when the client goes; each batch carries the latest book and quote per key
 * and every print in order, up to a cap whose overflow is counted on the venue's diagnostics;
 * a snapshot carries the latest book and quote of the client's keys.
 */
import { describe, expect, it } from 'vitest';
import type { MarketKey, Quote } from '../../common/domain.js';
import { marketKeyId } from '../../common/domain.js';
import type { MarketFailure, PushBatch, Snapshot, TopicName } from '../../electron/contract.js';
import { Batcher, MAX_PRINTS_PER_BATCH } from '../../electron/bridge/batcher.js';
import { Session } from '../../electron/bridge/session.js';
import { Hub, VENUE_CONNECTION } from '../../electron/core/hub.js';
import { book, memoryVenues, print } from '../core/memory-venue.js';

const BOOK: MarketKey = { venue: 'tinvest', instrumentId: 'id-SBER', stream: 'book', depth: 10 };
const TAPE: MarketKey = { venue: 'tinvest', instrumentId: 'id-SBER', stream: 'trades' };
const QUOTE: MarketKey = { venue: 'tinvest', instrumentId: 'id-SBER', stream: 'quote' };

function quote(last: string): Quote {
  return { venue: 'tinvest', instrumentId: 'id-SBER', last, time: 5 };
}

async function rig(): Promise<{ hub: Hub; venues: ReturnType<typeof memoryVenues> }> {
  const hub = new Hub();
  const venues = memoryVenues();
  hub.addVenue(venues.factory);
  await hub.connect('tinvest');
  return { hub, venues };
}

function client(hub: Hub, batchMs = 60_000): { session: Session; batches: PushBatch[] } {
  const batches: PushBatch[] = [];
  const push = (topic: TopicName, payload: unknown): void => {
    if (topic === 'batch') batches.push(payload as PushBatch);
  };
  return { session: new Session({ hub, transport: 'websocket', push, diagnosticsMs: 0, batchMs }), batches };
}

async function subscribe(s: Session, key: MarketKey): Promise<string> {
  const r = await s.handle('market.subscribe', key);
  if (!r.ok) throw new Error(r.message);
  return (r.value as { subscriptionId: string }).subscriptionId;
}

describe('market data across the bridge', () => {
  it('holds one venue flow for two clients of one key, until both let go; a closed client lets go of everything', async () => {
    const { hub, venues } = await rig();
    const a = client(hub);
    const b = client(hub);
    const idA = await subscribe(a.session, BOOK);
    await subscribe(a.session, TAPE);
    await subscribe(b.session, BOOK);
    const v = venues.current();
    expect(v.marketSubscribed.map(marketKeyId)).toEqual([BOOK, TAPE].map(marketKeyId));
    expect(hub.marketRefCount(BOOK)).toBe(2);
    expect((await a.session.handle('market.unsubscribe', { subscriptionId: idA })).ok).toBe(true);
    expect(v.marketActive.has(marketKeyId(BOOK))).toBe(true);
    b.session.close();
    expect(v.marketActive.has(marketKeyId(BOOK))).toBe(false);
    a.session.close();
    expect(v.marketActive.size).toBe(0);
    expect(hub.marketRefCount(TAPE)).toBe(0);
    // Another client's subscription id is not this one's to drop.
    const c = client(hub);
    const idC = await subscribe(c.session, QUOTE);
    const d = client(hub);
    expect(await d.session.handle('market.unsubscribe', { subscriptionId: idC })).toMatchObject({ ok: false, code: 'not-found' });
    expect(hub.marketRefCount(QUOTE)).toBe(1);
    c.session.close();
    d.session.close();
  });

  it('sends each client only its own keys: the latest book and quote per key per batch, and every new print in order', async () => {
    const { hub, venues } = await rig();
    const a = client(hub);
    const b = client(hub);
    await subscribe(a.session, BOOK);
    await subscribe(a.session, TAPE);
    await subscribe(a.session, QUOTE);
    await subscribe(b.session, { ...BOOK, instrumentId: 'id-GAZP' });
    const v = venues.current();
    const books = [1, 2, 3].map((n) => book('id-SBER', [[String(100 + n), '1']], [[String(200 + n), '1']]));
    for (const bk of books) v.emitBook(bk);
    v.emitQuote(quote('100'));
    v.emitTrades([print('id-SBER', 't1'), print('id-SBER', 't2')]);
    v.emitQuote(quote('101'));
    v.emitTrades([print('id-SBER', 't2'), print('id-SBER', 't3')]);
    a.session.snapshot(); // sends what is pending now
    const sent = a.batches.at(-1);
    expect(a.batches).toHaveLength(1);
    expect(sent?.books).toEqual([books[2]]);
    expect(sent?.quotes).toEqual([quote('101')]);
    expect(sent?.trades?.map((t) => t.tradeId)).toEqual(['t1', 't2', 't3']);
    // The other client holds GAZP's book only: nothing of SBER reached it.
    b.session.snapshot();
    expect(b.batches).toEqual([]);
    a.session.close();
    b.session.close();
  });

  it('carries the latest book and quote of the client\'s keys in a snapshot, and gives a late subscriber the book at once', async () => {
    const { hub, venues } = await rig();
    const a = client(hub);
    await subscribe(a.session, BOOK);
    await subscribe(a.session, QUOTE);
    const v = venues.current();
    const latest = book('id-SBER', [['100', '5']], [['100.5', '2']]);
    v.emitBook(book('id-SBER', [['99', '5']], [['100.5', '2']]));
    v.emitBook(latest);
    v.emitQuote(quote('100.25'));
    const r = await a.session.handle('session.snapshot', {});
    const snap = (r.ok ? r.value : undefined) as Snapshot;
    expect(snap.books).toEqual([latest]);
    expect(snap.quotes).toEqual([quote('100.25')]);
    // A second ladder on the same book gets it in its next batch without waiting for a change.
    const late = client(hub);
    await subscribe(late.session, BOOK);
    late.session.snapshot();
    expect(late.batches[0]?.books).toEqual([latest]);
    // A client without these keys sees none of them.
    const none = client(hub);
    const r2 = await none.session.handle('session.snapshot', {});
    expect((r2.ok ? (r2.value as Snapshot) : undefined)?.books).toEqual([]);
    for (const c of [a, late, none]) c.session.close();
  });

  it('drops the oldest prints over the cap of one batch, and counts them on the venue\'s diagnostics', async () => {
    const { hub, venues } = await rig();
    const a = client(hub);
    await subscribe(a.session, TAPE);
    const flood = Array.from({ length: MAX_PRINTS_PER_BATCH + 30 }, (_, i) => print('id-SBER', `t${i}`));
    venues.current().emitTrades(flood);
    a.session.snapshot();
    const sent = a.batches[0]?.trades ?? [];
    expect(sent).toHaveLength(MAX_PRINTS_PER_BATCH);
    expect(sent[0]?.tradeId).toBe('t30');
    expect(sent.at(-1)?.tradeId).toBe(`t${MAX_PRINTS_PER_BATCH + 29}`);
    expect(a.session.droppedPrints).toBe(30);
    const diag = hub.diagnostics.snapshot().find((d) => d.venue === 'tinvest' && d.connection === VENUE_CONNECTION);
    expect(diag?.malformed).toBe(1);
    expect(diag?.malformedSamples[0]?.detail).toMatch(/^30 print\(s\) of the tape not sent to a websocket client/);
    a.session.close();
  });

  it('sends a key\'s failure, and drops it from the batch when the key\'s next event shows it recovered', async () => {
    const { hub, venues } = await rig();
    const a = client(hub);
    await subscribe(a.session, BOOK);
    await subscribe(a.session, QUOTE);
    const v = venues.current();
    const err = { kind: 'unavailable' as const, code: 'E', message: 'busy', at: 3 };
    v.refuseMarket(BOOK, err);
    v.refuseMarket(QUOTE, err);
    a.session.snapshot();
    expect(a.batches[0]?.marketFailures?.map((f) => f.stream)).toEqual(['book', 'quote']);
    v.refuseMarket(BOOK, err);
    v.emitBook(book('id-SBER', [['100', '1']], [['101', '1']]));
    a.session.snapshot();
    expect(a.batches[1]?.marketFailures).toBeUndefined();
    expect(a.batches[1]?.books).toHaveLength(1);
    // A client subscribing to a key that is failing learns it at once.
    v.refuseMarket(QUOTE, err);
    const late = client(hub);
    await subscribe(late.session, QUOTE);
    late.session.snapshot();
    expect(late.batches[0]?.marketFailures).toEqual([{ venue: 'tinvest', instrumentId: 'id-SBER', stream: 'quote', error: err }] satisfies MarketFailure[]);
    a.session.close();
    late.session.close();
  });
});

describe('Batcher: market data', () => {
  it('coalesces books and quotes per key within a window, keeps every print in order, and sends one batch per window', async () => {
    const sent: PushBatch[] = [];
    const batcher = new Batcher({ send: (b) => sent.push(b), intervalMs: 20 });
    const k1 = marketKeyId(BOOK);
    const k2 = marketKeyId({ ...BOOK, depth: 25 });
    batcher.book(book('id-SBER', [['1', '1']], [['2', '1']]), k1);
    batcher.book(book('id-SBER', [['1', '1']], [['2', '1']], { depth: 25 }), k2);
    batcher.book(book('id-SBER', [['1.5', '1']], [['2', '1']]), k1);
    batcher.trades([print('id-SBER', 'a'), print('id-SBER', 'b')]);
    batcher.trades([print('id-SBER', 'c')]);
    batcher.quote(quote('1'), marketKeyId(QUOTE));
    batcher.quote(quote('2'), marketKeyId(QUOTE));
    for (let i = 0; i < 400 && sent.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
    expect(sent).toHaveLength(1);
    expect(sent[0]?.books?.map((b) => [b.depth, b.bids[0]?.price])).toEqual([
      [10, '1.5'],
      [25, '1'],
    ]);
    expect(sent[0]?.trades?.map((t) => t.tradeId)).toEqual(['a', 'b', 'c']);
    expect(sent[0]?.quotes).toEqual([quote('2')]);
    // Nothing new, nothing sent.
    expect(batcher.flush()).toBeUndefined();
    batcher.close();
  });

  it('reports the prints a window dropped per venue once, after the batch', () => {
    const reports: [string, number][][] = [];
    const batcher = new Batcher({ send: () => undefined, intervalMs: 60_000, onDroppedPrints: (m) => reports.push([...m]) });
    batcher.trades(Array.from({ length: MAX_PRINTS_PER_BATCH }, (_, i) => print('id-SBER', `s${i}`, '1', { venue: 'kraken' })));
    batcher.trades(Array.from({ length: 5 }, (_, i) => print('id-SBER', `x${i}`)));
    batcher.trades(Array.from({ length: 3 }, (_, i) => print('id-SBER', `y${i}`)));
    expect(reports).toEqual([]);
    batcher.flush();
    expect(reports).toEqual([[['kraken', 8]]]);
    expect(batcher.droppedPrints).toBe(8);
    batcher.trades([print('id-SBER', 'z')]);
    batcher.flush();
    expect(reports).toHaveLength(1);
    batcher.close();
  });
});
