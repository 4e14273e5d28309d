/**
 * The candle cache: closed bars per key in the `candles` table, and in `candle_ranges` the
 * spans of time the venue was asked for and answered in full (the checkpoints). A chart may
 * read a complete range without asking the venue; anything outside one is the venue's to say.
 *
 * - Bars are stored with their decimal text as the venue sent it and validated again when read
 *   (common/candle-sanity.ts): a corrupt row is dropped, counted, and its range invalidated,
 *   so the venue is asked again rather than a wrong bar drawn.
 * - Closed live bars are written through in batches (one transaction per LIVE_BATCH_BARS bars
 *   or per LIVE_BATCH_MS), so the hot path only pushes to an array; a bar extends a range only
 *   when it opens exactly where the range ends.
 * - The size is bounded (maxRows): once the rows exceed it by a slack, the oldest bars of all
 *   keys are evicted in one statement and the ranges trimmed to what is left.
 *
 * Nothing here throws to the caller (a full disk or a damaged file must not stop a chart):
 * failures are counted and logged, a failed read reads as "not cached" and the venue is asked.
 */
import type { Candle, CandleKey, VenueMode } from '../../common/domain.js';
import { INTERVAL_SECONDS } from '../../common/domain.js';
import { candleProblem } from '../../common/candle-sanity.js';
import type { Logger } from '../core/log.js';
import { silentLogger } from '../core/log.js';
import type Database from 'better-sqlite3';
import type { SqliteDb } from './db.js';

type Stmt = Database.Statement<unknown[]>;

/** A candle key of one venue mode: a demo venue's bars are never the live venue's. */
export interface CacheKey extends CandleKey {
  mode: VenueMode;
}

/** UTC seconds; `to` exclusive. */
export interface CandleRange {
  from: number;
  to: number;
}

export const DEFAULT_MAX_ROWS = 2_000_000;
export const LIVE_BATCH_BARS = 256;
export const LIVE_BATCH_MS = 1_000;

export interface CandleCacheOptions {
  /** Rows kept at most (all keys together), give or take one eviction batch. */
  maxRows?: number;
  liveBatchBars?: number;
  liveBatchMs?: number;
  /** Our clock, ms: the "not in the future" check of rows read back. */
  now?: () => number;
  log?: Logger;
}

export interface CandleCacheStats {
  /** Rows in the table now. */
  rows: number;
  corruptRows: number;
  evictedRows: number;
  liveBarsWritten: number;
  /** Database operations that failed (reads and writes). */
  errors: number;
}

type RangeRow = [from: number, to: number];
type CandleRow = [time: unknown, open: unknown, high: unknown, low: unknown, close: unknown, volume: unknown];

function keyArgs(k: CacheKey): [string, string, string, string] {
  return [k.venue, k.mode, k.instrumentId, k.interval];
}

function keyText(k: CacheKey): string {
  return `${k.venue}|${k.mode}|${k.instrumentId}|${k.interval}`;
}

const KEY_WHERE = 'series = ?';

export class CandleCache {
  private readonly maxRows: number;
  /** Rows over maxRows tolerated before an eviction runs; evictions go this far below maxRows. */
  private readonly slack: number;
  private readonly liveBatchBars: number;
  private readonly liveBatchMs: number;
  private readonly now: () => number;
  private readonly log: Logger;
  private rows: number;
  private corrupt = 0;
  private evicted = 0;
  private liveWritten = 0;
  private failures = 0;
  private pending: { key: CacheKey; bar: Candle }[] = [];
  private timer: NodeJS.Timeout | undefined;
  /** keyText → candle_series id, as read or added (ids are never reused: series are never deleted). */
  private readonly seriesIds = new Map<string, number>();
  private closed = false;

  private readonly q: {
    rangeBelow: Stmt;
    touching: Stmt;
    deleteRange: Stmt;
    insertRange: Stmt;
    findSeries: Stmt;
    addSeries: Stmt;
    extendRange: Stmt;
    invalidate: Stmt;
    read: Stmt;
    insert: Stmt;
    update: Stmt;
    deleteBar: Stmt;
    count: Stmt;
    nthOldest: Stmt;
    evictBars: Stmt;
    dropRanges: Stmt;
    trimRanges: Stmt;
  };

  constructor(
    private readonly db: SqliteDb,
    opts: CandleCacheOptions = {},
  ) {
    this.maxRows = Math.max(1, opts.maxRows ?? DEFAULT_MAX_ROWS);
    this.slack = Math.max(1, Math.floor(this.maxRows / 32));
    this.liveBatchBars = Math.max(1, opts.liveBatchBars ?? LIVE_BATCH_BARS);
    this.liveBatchMs = opts.liveBatchMs ?? LIVE_BATCH_MS;
    this.now = opts.now ?? Date.now;
    this.log = opts.log ?? silentLogger;
    this.q = {
      rangeBelow: db.prepare(`SELECT from_time, to_time FROM candle_ranges WHERE ${KEY_WHERE} AND from_time < ? ORDER BY from_time DESC LIMIT 1`).raw(),
      touching: db.prepare(`SELECT from_time, to_time FROM candle_ranges WHERE ${KEY_WHERE} AND from_time <= ? AND to_time >= ?`).raw(),
      deleteRange: db.prepare(`DELETE FROM candle_ranges WHERE ${KEY_WHERE} AND from_time = ?`),
      insertRange: db.prepare('INSERT INTO candle_ranges (series, from_time, to_time) VALUES (?, ?, ?)'),
      findSeries: db.prepare('SELECT id FROM candle_series WHERE venue = ? AND mode = ? AND instrument_id = ? AND interval = ?').pluck(),
      addSeries: db.prepare('INSERT INTO candle_series (venue, mode, instrument_id, interval) VALUES (?, ?, ?, ?)'),
      extendRange: db.prepare(`SELECT from_time FROM candle_ranges WHERE ${KEY_WHERE} AND to_time = ?`).raw(),
      invalidate: db.prepare(`DELETE FROM candle_ranges WHERE ${KEY_WHERE} AND from_time <= ? AND to_time > ?`),
      read: db.prepare(`SELECT time, open, high, low, close, volume FROM candles WHERE ${KEY_WHERE} AND time >= ? AND time < ? ORDER BY time DESC LIMIT ?`).raw(),
      insert: db.prepare('INSERT OR IGNORE INTO candles (series, time, open, high, low, close, volume) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      update: db.prepare(`UPDATE candles SET open = ?, high = ?, low = ?, close = ?, volume = ? WHERE ${KEY_WHERE} AND time = ?`),
      deleteBar: db.prepare(`DELETE FROM candles WHERE ${KEY_WHERE} AND time = ?`),
      count: db.prepare('SELECT count(*) FROM candles').pluck(),
      nthOldest: db.prepare('SELECT time FROM candles ORDER BY time LIMIT 1 OFFSET ?').pluck(),
      evictBars: db.prepare('DELETE FROM candles WHERE time <= ?'),
      dropRanges: db.prepare('DELETE FROM candle_ranges WHERE to_time <= ?'),
      trimRanges: db.prepare('UPDATE candle_ranges SET from_time = ? WHERE from_time < ? AND to_time > ?'),
    };
    this.rows = this.q.count.get() as number;
  }

  /** The complete range of `key` that starts latest before `top` (UTC s), if any. */
  rangeBelow(key: CacheKey, top: number): CandleRange | undefined {
    try {
      const sid = this.seriesOf(key, false);
      const r = sid === undefined ? undefined : (this.q.rangeBelow.get(sid, top) as RangeRow | undefined);
      return r && { from: r[0], to: r[1] };
    } catch (err) {
      this.failed('range lookup', err);
      return undefined;
    }
  }

  /**
   * The most recent `limit` bars of `key` opening in [from, to), oldest first; undefined when
   * a row failed validation (dropped, counted, its range invalidated: ask the venue).
   */
  read(key: CacheKey, from: number, to: number, limit: number): Candle[] | undefined {
    let rows: CandleRow[];
    try {
      const sid = this.seriesOf(key, false);
      if (sid === undefined) return [];
      rows = this.q.read.all(sid, Number.isFinite(from) ? from : -1, Number.isFinite(to) ? to : Number.MAX_SAFE_INTEGER, limit) as CandleRow[];
    } catch (err) {
      this.failed('read', err);
      return undefined;
    }
    const out: Candle[] = new Array<Candle>(rows.length);
    const check = { nowMs: this.now() };
    let bad: unknown[] | undefined;
    for (let i = 0; i < rows.length; i++) {
      const r = rows[rows.length - 1 - i]!;
      const c = toCandle(key, r);
      if (c === undefined || candleProblem(c, check) !== undefined) (bad ??= []).push(r[0]);
      else out[i] = c;
    }
    if (bad === undefined) return out;
    this.dropCorrupt(key, bad);
    return undefined;
  }

  /**
   * Stores closed bars of `key` and, with `range`, records that span as complete (merged with
   * the ranges it touches). One transaction; never throws.
   */
  store(key: CacheKey, bars: readonly Candle[], range?: CandleRange): void {
    if (this.closed) return;
    try {
      this.rows += this.db.transaction(() => {
        let added = 0;
        for (const c of bars) added += this.upsert(key, c);
        if (range && range.from < range.to) this.recordRange(key, range);
        return added;
      })();
    } catch (err) {
      this.failed('store', err);
    }
    this.enforceBound();
  }

  /** A closed live bar of `key`: queued, written with the next batch. Hot path: no I/O here. */
  writeLive(key: CacheKey, bar: Candle): void {
    if (this.closed) return;
    this.pending.push({ key, bar });
    if (this.pending.length >= this.liveBatchBars) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), this.liveBatchMs).unref();
  }

  /** Writes the queued live bars in one transaction (before a read, so it sees them). */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    try {
      this.rows += this.db.transaction(() => {
        let added = 0;
        for (const { key, bar } of batch) {
          added += this.upsert(key, bar);
          // Contiguous: the bar opens where a complete range ends, so the range now includes it.
          const ext = this.q.extendRange.get(this.seriesOf(key, true), bar.time) as [number] | undefined;
          if (ext) this.recordRange(key, { from: ext[0], to: bar.time + INTERVAL_SECONDS[bar.interval] });
        }
        return added;
      })();
      this.liveWritten += batch.length;
    } catch (err) {
      this.failed('live bars', err);
    }
    this.enforceBound();
  }

  stats(): CandleCacheStats {
    return { rows: this.rows, corruptRows: this.corrupt, evictedRows: this.evicted, liveBarsWritten: this.liveWritten, errors: this.failures };
  }

  /** Writes what is queued and stops; the database stays open (its owner closes it). */
  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
  }

  /**
   * The key's row id in candle_series (rows and ranges carry it instead of four texts: a third
   * of the bytes per bar); with `create`, added when new.
   */
  private seriesOf(key: CacheKey, create: true): number;
  private seriesOf(key: CacheKey, create: boolean): number | undefined;
  private seriesOf(key: CacheKey, create: boolean): number | undefined {
    const text = keyText(key);
    let id = this.seriesIds.get(text);
    if (id !== undefined) return id;
    id = this.q.findSeries.get(...keyArgs(key)) as number | undefined;
    if (id === undefined) {
      if (!create) return undefined;
      id = Number(this.q.addSeries.run(...keyArgs(key)).lastInsertRowid);
    }
    this.seriesIds.set(text, id);
    return id;
  }

  /** Inserts or replaces one bar; 1 when the row is new (the size bound counts rows exactly). */
  private upsert(key: CacheKey, c: Candle): number {
    const sid = this.seriesOf(key, true);
    if (this.q.insert.run(sid, c.time, c.open, c.high, c.low, c.close, c.volume).changes === 1) return 1;
    this.q.update.run(c.open, c.high, c.low, c.close, c.volume, sid, c.time);
    return 0;
  }

  /** Replaces every range of `key` that overlaps or touches `r` by their union. */
  private recordRange(key: CacheKey, r: CandleRange): void {
    const sid = this.seriesOf(key, true);
    let { from, to } = r;
    for (const [f, t] of this.q.touching.all(sid, r.to, r.from) as RangeRow[]) {
      from = Math.min(from, f);
      to = Math.max(to, t);
      this.q.deleteRange.run(sid, f);
    }
    this.q.insertRange.run(sid, from, to);
  }

  private dropCorrupt(key: CacheKey, times: readonly unknown[]): void {
    this.corrupt += times.length;
    this.log.warn(`${key.venue}/${key.mode} ${key.instrumentId} ${key.interval}: ${times.length} corrupt cached bar(s) dropped; ${this.corrupt} so far`);
    try {
      this.db.transaction(() => {
        const sid = this.seriesOf(key, true);
        for (const t of times) {
          this.q.deleteBar.run(sid, t);
          // A time that is no number still sits inside some range: drop every range of the key then.
          if (typeof t === 'number') this.q.invalidate.run(sid, t, t);
          else this.q.invalidate.run(sid, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER);
        }
      })();
    } catch (err) {
      this.failed('dropping corrupt bars', err);
    }
  }

  /**
   * Once the rows exceed maxRows by the slack: evicts the oldest bars down
   * to maxRows − slack in one statement; ranges lose what was evicted (the rest stays complete).
   */
  private enforceBound(): void {
    if (this.rows <= this.maxRows + this.slack || this.closed) return;
    try {
      this.db.transaction(() => {
        const excess = this.rows - (this.maxRows - this.slack);
        const cut = this.q.nthOldest.get(excess - 1) as number;
        const gone = this.q.evictBars.run(cut).changes;
        this.q.dropRanges.run(cut + 1);
        this.q.trimRanges.run(cut + 1, cut + 1, cut + 1);
        this.rows -= gone;
        this.evicted += gone;
      })();
    } catch (err) {
      this.failed('eviction', err);
    }
  }

  /** Logged on the 1st, 2nd, 4th… failure: a full disk must not flood the log. */
  private failed(what: string, err: unknown): void {
    // A rolled-back transaction may have added a series: look ids up again.
    this.seriesIds.clear();
    const n = ++this.failures;
    if ((n & (n - 1)) === 0) this.log.warn(`candle cache: ${what} failed (${n} database errors so far)`, err);
  }
}

function toCandle(key: CacheKey, r: CandleRow): Candle | undefined {
  const [time, open, high, low, close, volume] = r;
  if (typeof time !== 'number' || typeof open !== 'string' || typeof high !== 'string' || typeof low !== 'string' || typeof close !== 'string' || typeof volume !== 'string') {
    return undefined;
  }
  return { venue: key.venue, instrumentId: key.instrumentId, interval: key.interval, time, open, high, low, close, volume };
}
