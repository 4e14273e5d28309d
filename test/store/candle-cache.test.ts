import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Candle, CandleKey } from '../../common/domain.js';
import { openDatabase, type SqliteDb } from '../../electron/store/db.js';
import { CandleCache, type CacheKey } from '../../electron/store/candle-cache.js';
import { cachedHistory, CLOSE_MARGIN_MS } from '../../electron/core/cached-history.js';
import type { HistoryRequest } from '../../electron/venues/venue.js';

/** An hour-aligned second in 2023. */
const T0 = 1_699_999_200;
const SERIES: CandleKey = { venue: 'tinvest', instrumentId: 'id-SBER', interval: '1m' };
const KEY: CacheKey = { ...SERIES, mode: 'demo' };
/** "Now": 10 000 minutes after T0, 10 s into the forming bar. */
const NOW_MS = (T0 + 10_000 * 60 + 10) * 1000;

function bar(time: number, close = 100 + ((time / 60) % 50)): Candle {
  const c = close.toFixed(2);
  return { venue: KEY.venue, instrumentId: KEY.instrumentId, interval: KEY.interval, time, open: c, high: c, low: c, close: c, volume: '7' };
}

/** Bars at every minute of [from, to). */
function bars(from: number, to: number): Candle[] {
  const out: Candle[] = [];
  for (let t = from; t < to; t += 60) out.push(bar(t));
  return out;
}

/** A venue double: every minute since T0 has a bar, the forming one included; counts calls. */
function countingVenue(nowMs = NOW_MS): { calls: HistoryRequest[]; fetch(req: HistoryRequest): Promise<Candle[]> } {
  const calls: HistoryRequest[] = [];
  const forming = Math.floor(nowMs / 60_000) * 60;
  return {
    calls,
    fetch: async (req) => {
      calls.push(req);
      const all = bars(Math.max(T0, req.from ?? T0), Math.min(forming + 60, req.before ?? Infinity));
      return all.slice(-req.limit);
    },
  };
}

describe('CandleCache', () => {
  let dir: string;
  let file: string;
  let db: SqliteDb;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'candle-cache-'));
    file = path.join(dir, 'switchboard.db');
    db = openDatabase({ file });
  });
  afterEach(async () => {
    if (db.open) db.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('records a complete range and merges it with the ranges it overlaps or touches', () => {
    const cache = new CandleCache(db, { now: () => NOW_MS });
    cache.store(KEY, bars(T0, T0 + 600), { from: T0, to: T0 + 600 });
    cache.store(KEY, bars(T0 + 1200, T0 + 1800), { from: T0 + 1200, to: T0 + 1800 });
    expect(cache.rangeBelow(KEY, T0 + 3000)).toEqual({ from: T0 + 1200, to: T0 + 1800 });
    expect(cache.rangeBelow(KEY, T0 + 1200)).toEqual({ from: T0, to: T0 + 600 });
    // Touches the first, overlaps the second: one range.
    cache.store(KEY, bars(T0 + 600, T0 + 1300), { from: T0 + 600, to: T0 + 1300 });
    expect(db.prepare('SELECT from_time, to_time FROM candle_ranges').raw().all()).toEqual([[T0, T0 + 1800]]);
    expect(cache.read(KEY, T0, T0 + 1800, 1000)?.map((c) => c.time)).toEqual(bars(T0, T0 + 1800).map((c) => c.time));
  });

  it('reads the newest bars of a span, oldest first, with the decimal text as stored', () => {
    const cache = new CandleCache(db, { now: () => NOW_MS });
    const odd = { ...bar(T0 + 60), open: '100.10', high: '100.1000', low: '099.9', close: '100.05', volume: '0.000000001' };
    cache.store(KEY, [bar(T0), odd, bar(T0 + 120)], { from: T0, to: T0 + 180 });
    expect(cache.read(KEY, T0, T0 + 180, 2)).toEqual([odd, bar(T0 + 120)]);
    expect(cache.read(KEY, T0, T0 + 120, 10)).toEqual([bar(T0), odd]);
  });

  it('keeps the modes of one venue apart: a demo bar is never read for the live venue', () => {
    const cache = new CandleCache(db, { now: () => NOW_MS });
    cache.store(KEY, bars(T0, T0 + 600), { from: T0, to: T0 + 600 });
    const live: CacheKey = { ...KEY, mode: 'live' };
    expect(cache.rangeBelow(live, T0 + 600)).toBeUndefined();
    expect(cache.read(live, T0, T0 + 600, 100)).toEqual([]);
  });

  it('extends a range with a closed live bar only when the bar opens where the range ends', () => {
    const cache = new CandleCache(db, { now: () => NOW_MS, liveBatchBars: 1 });
    cache.store(KEY, bars(T0, T0 + 600), { from: T0, to: T0 + 600 });
    cache.writeLive(KEY, bar(T0 + 600));
    expect(cache.rangeBelow(KEY, T0 + 10_000)).toEqual({ from: T0, to: T0 + 660 });
    // A bar after a gap (a missed minute) is kept but proves nothing about the minute between.
    cache.writeLive(KEY, bar(T0 + 780));
    expect(cache.rangeBelow(KEY, T0 + 10_000)).toEqual({ from: T0, to: T0 + 660 });
    expect(cache.stats()).toMatchObject({ rows: 12, liveBarsWritten: 2 });
  });

  it('writes live bars in batches: nothing on the hot path, one transaction per batch or per interval', async () => {
    const cache = new CandleCache(db, { now: () => NOW_MS, liveBatchBars: 4, liveBatchMs: 50 });
    cache.store(KEY, bars(T0, T0 + 60), { from: T0, to: T0 + 60 });
    const other = new Database(file, { readonly: true });
    try {
      const rows = () => other.prepare('SELECT count(*) FROM candles').pluck().get() as number;
      for (let i = 1; i <= 3; i++) cache.writeLive(KEY, bar(T0 + i * 60));
      expect(rows()).toBe(1);
      cache.writeLive(KEY, bar(T0 + 240));
      expect(rows()).toBe(5);
      cache.writeLive(KEY, bar(T0 + 300));
      expect(rows()).toBe(5);
      // The interval's timer writes the rest; bounded wait, no assertion on when.
      for (let i = 0; i < 200 && rows() < 6; i++) await new Promise((r) => setTimeout(r, 25));
      expect(rows()).toBe(6);
      expect(cache.rangeBelow(KEY, T0 + 10_000)).toEqual({ from: T0, to: T0 + 360 });
    } finally {
      other.close();
    }
  });

  it('evicts the oldest bars of all keys first once over its bound, and trims the ranges to what is left', () => {
    const cache = new CandleCache(db, { now: () => NOW_MS, maxRows: 100 });
    const other: CacheKey = { ...KEY, instrumentId: 'id-GAZP' };
    cache.store(KEY, bars(T0, T0 + 60 * 60), { from: T0, to: T0 + 60 * 60 });
    // 60 rows, under the bound: nothing goes.
    expect(cache.stats()).toMatchObject({ rows: 60, evictedRows: 0 });
    const gazp = bars(T0 + 30 * 60, T0 + 90 * 60).map((c) => ({ ...c, instrumentId: other.instrumentId }));
    cache.store(other, gazp, { from: T0 + 30 * 60, to: T0 + 90 * 60 });
    // 120 rows > 100 + slack 3: down to 97, the oldest (SBER's first 23 minutes) first.
    const { rows, evictedRows } = cache.stats();
    expect(rows).toBe(97);
    expect(evictedRows).toBe(23);
    expect(db.prepare('SELECT count(*) FROM candles').pluck().get()).toBe(97);
    expect(cache.rangeBelow(KEY, T0 + 10_000)).toEqual({ from: T0 + 23 * 60 - 59, to: T0 + 60 * 60 });
    expect(cache.read(KEY, T0, T0 + 3600, 1000)?.[0]?.time).toBe(T0 + 23 * 60);
    expect(cache.rangeBelow(other, T0 + 10_000)).toEqual({ from: T0 + 30 * 60, to: T0 + 90 * 60 });
  });

  it('drops a corrupt row, counts it and invalidates its range so the venue is asked again', async () => {
    const cache = new CandleCache(db, { now: () => NOW_MS });
    cache.store(KEY, bars(T0, T0 + 600), { from: T0, to: T0 + 600 });
    cache.store(KEY, bars(T0 + 1200, T0 + 1800), { from: T0 + 1200, to: T0 + 1800 });
    // high below low, as a damaged file or another writer could leave it.
    db.prepare('UPDATE candles SET high = ? WHERE time = ?').run('1.5', T0 + 300);
    expect(cache.read(KEY, T0, T0 + 600, 100)).toBeUndefined();
    expect(cache.stats().corruptRows).toBe(1);
    expect(cache.rangeBelow(KEY, T0 + 1200)).toBeUndefined();
    expect(db.prepare('SELECT count(*) FROM candles WHERE time = ?').pluck().get(T0 + 300)).toBe(0);
    // The other range is untouched.
    expect(cache.read(KEY, T0 + 1200, T0 + 1800, 100)).toHaveLength(10);

    // Through the history path: the venue answers, and its answer is cached again.
    const venue = countingVenue();
    db.prepare('UPDATE candles SET volume = ? WHERE time = ?').run('-3', T0 + 1260);
    const got = await cachedHistory({ cache, key: KEY, req: { ...SERIES, before: T0 + 1800, limit: 10 }, fetch: venue.fetch, live: undefined, nowMs: NOW_MS });
    expect(got.map((c) => c.time)).toEqual(bars(T0 + 1200, T0 + 1800).map((c) => c.time));
    expect(venue.calls).toHaveLength(1);
    expect(cache.stats().corruptRows).toBe(2);
  });

  it('keeps bars and ranges across a reopen of the same file', () => {
    const first = new CandleCache(db, { now: () => NOW_MS });
    first.store(KEY, bars(T0, T0 + 600), { from: T0, to: T0 + 600 });
    first.writeLive(KEY, bar(T0 + 600));
    first.close();
    db.close();
    db = openDatabase({ file });
    const again = new CandleCache(db, { now: () => NOW_MS });
    expect(again.stats().rows).toBe(11);
    expect(again.rangeBelow(KEY, T0 + 10_000)).toEqual({ from: T0, to: T0 + 660 });
    expect(again.read(KEY, T0, T0 + 660, 100)).toEqual(bars(T0, T0 + 660));
  });
});

describe('cachedHistory', () => {
  let db: SqliteDb;
  let cache: CandleCache;
  beforeEach(() => {
    db = openDatabase({ file: ':memory:' });
    cache = new CandleCache(db, { now: () => NOW_MS });
  });
  afterEach(() => db.close());

  const forming = Math.floor(NOW_MS / 60_000) * 60;

  it('serves a reopened chart from the cache: no venue call, the forming bar from the live series', async () => {
    const venue = countingVenue();
    const first = await cachedHistory({ cache, key: KEY, req: { ...SERIES, limit: 500 }, fetch: venue.fetch, live: [], nowMs: NOW_MS });
    expect(first).toHaveLength(500);
    expect(first.at(-1)?.time).toBe(forming);
    expect(venue.calls).toHaveLength(1);
    // The forming bar is not cached: the range ends where it opens.
    expect(cache.rangeBelow(KEY, Number.MAX_SAFE_INTEGER)).toEqual({ from: forming - 499 * 60, to: forming });

    const liveBar = bar(forming, 123.45);
    const again = await cachedHistory({ cache, key: KEY, req: { ...SERIES, limit: 500 }, fetch: venue.fetch, live: [liveBar], nowMs: NOW_MS + 5_000 });
    expect(venue.calls).toHaveLength(1);
    expect(again).toEqual([...first.slice(0, -1), liveBar]);
    // Subscribed, no live bar yet: the forming bar comes with the stream, still no call.
    const quiet = await cachedHistory({ cache, key: KEY, req: { ...SERIES, limit: 500 }, fetch: venue.fetch, live: [], nowMs: NOW_MS + 5_000 });
    expect(venue.calls).toHaveLength(1);
    expect(quiet).toEqual(first.slice(-500, -1));
  });

  it('asks the venue only for what closed after the newest cached bar', async () => {
    const venue = countingVenue();
    await cachedHistory({ cache, key: KEY, req: { ...SERIES, limit: 500 }, fetch: venue.fetch, live: [], nowMs: NOW_MS });
    // Ten minutes later, the chart reopened: the ten closed minutes and the forming one are new.
    const later = NOW_MS + 10 * 60_000;
    const venueLater = countingVenue(later);
    const got = await cachedHistory({ cache, key: KEY, req: { ...SERIES, limit: 500 }, fetch: venueLater.fetch, live: [], nowMs: later });
    expect(venueLater.calls).toEqual([{ ...SERIES, from: forming, limit: 500 }]);
    expect(got.map((c) => c.time)).toEqual(bars(forming + 11 * 60 - 500 * 60, forming + 11 * 60).map((c) => c.time));
    expect(cache.rangeBelow(KEY, Number.MAX_SAFE_INTEGER)).toEqual({ from: forming - 499 * 60, to: forming + 600 });
  });

  it('asks the venue only for what lies before the oldest cached bar when scrolling back', async () => {
    const venue = countingVenue();
    const page1 = await cachedHistory({ cache, key: KEY, req: { ...SERIES, limit: 500 }, fetch: venue.fetch, live: [], nowMs: NOW_MS });
    const oldest = page1[0]!.time;
    // 300 of the 500 asked are cached (the closed bars before `before`), 200 come from the venue.
    const before = oldest + 300 * 60;
    const page2 = await cachedHistory({ cache, key: KEY, req: { ...SERIES, before, limit: 500 }, fetch: venue.fetch, live: [], nowMs: NOW_MS });
    expect(venue.calls.slice(1)).toEqual([{ ...SERIES, before: oldest, limit: 200 }]);
    expect(page2.map((c) => c.time)).toEqual(bars(before - 500 * 60, before).map((c) => c.time));
    expect(cache.rangeBelow(KEY, Number.MAX_SAFE_INTEGER)).toEqual({ from: oldest - 200 * 60, to: forming });
    // Scrolling back again over the same span: all cached.
    await cachedHistory({ cache, key: KEY, req: { ...SERIES, before, limit: 500 }, fetch: venue.fetch, live: [], nowMs: NOW_MS });
    expect(venue.calls).toHaveLength(2);
  });

  it('records a gap the venue answered with fewer bars as complete only between what was asked', async () => {
    const venue = countingVenue();
    // T0 is where the venue's history begins: fewer bars than asked, all of [T0 + 0, before).
    const got = await cachedHistory({ cache, key: KEY, req: { ...SERIES, from: T0, before: T0 + 600, limit: 500 }, fetch: venue.fetch, live: undefined, nowMs: NOW_MS });
    expect(got).toHaveLength(10);
    expect(cache.rangeBelow(KEY, T0 + 600)).toEqual({ from: T0, to: T0 + 600 });
    await cachedHistory({ cache, key: KEY, req: { ...SERIES, from: T0, before: T0 + 600, limit: 500 }, fetch: venue.fetch, live: undefined, nowMs: NOW_MS });
    expect(venue.calls).toHaveLength(1);
  });

  it('records a quiet market as complete up to the last period surely closed, so a reopen asks nothing', async () => {
    // No trades for the last 30 minutes: the venue's newest bar is 30 minutes old, no forming bar.
    const calls: HistoryRequest[] = [];
    const quiet = async (req: HistoryRequest): Promise<Candle[]> => {
      calls.push(req);
      return bars(Math.max(T0, req.from ?? T0), Math.min(forming - 30 * 60, req.before ?? Infinity)).slice(-req.limit);
    };
    const got = await cachedHistory({ cache, key: KEY, req: { ...SERIES, limit: 100 }, fetch: quiet, live: [], nowMs: NOW_MS });
    expect(got.at(-1)?.time).toBe(forming - 31 * 60);
    // Every minute before the forming one has surely closed (NOW is 10 s into it, past the margin).
    expect(cache.rangeBelow(KEY, Number.MAX_SAFE_INTEGER)).toEqual({ from: got[0]!.time, to: forming });
    await cachedHistory({ cache, key: KEY, req: { ...SERIES, limit: 100 }, fetch: quiet, live: [], nowMs: NOW_MS + 1_000 });
    expect(calls).toHaveLength(1);
  });

  it('does not cache a bar that may still be forming at the venue', async () => {
    // Within the close margin after the minute turned: the previous bar may still change.
    const nowMs = forming * 1000 + CLOSE_MARGIN_MS / 2;
    const venue = countingVenue(nowMs);
    await cachedHistory({ cache, key: KEY, req: { ...SERIES, limit: 5 }, fetch: venue.fetch, live: undefined, nowMs });
    expect(cache.rangeBelow(KEY, Number.MAX_SAFE_INTEGER)).toEqual({ from: forming - 240, to: forming - 60 });
  });
});
