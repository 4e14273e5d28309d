/**
 * Chart history through the candle cache: what a complete cached range holds is read from the
 * database, and only the missing part is asked of the venue — before the oldest bar of the
 * range, or after its newest. The forming bar never comes from the cache: from the live series
 * when the key is subscribed (the chart subscribes first), else from the venue. Every answer
 * of the venue is written into the cache and its span recorded as complete.
 */
import type { Candle } from '../../common/domain.js';
import { INTERVAL_SECONDS } from '../../common/domain.js';
import { DEFAULT_CLOCK_SKEW_MS } from '../../common/candle-sanity.js';
import type { HistoryRequest } from '../venues/venue.js';
import type { CacheKey, CandleCache, CandleRange } from '../store/candle-cache.js';

export interface CachedHistoryInput {
  cache: CandleCache;
  key: CacheKey;
  req: HistoryRequest;
  /** The venue's own history call. */
  fetch(req: HistoryRequest): Promise<Candle[]>;
  /** The subscribed key's live bars (forming last), oldest first; undefined when not subscribed. */
  live: readonly Candle[] | undefined;
  nowMs: number;
}

/**
 * A bar is closed this long after its interval ended by our clock: a venue whose clock runs
 * behind ours may still be updating it.
 */
export const CLOSE_MARGIN_MS = DEFAULT_CLOCK_SKEW_MS;

export async function cachedHistory(input: CachedHistoryInput): Promise<Candle[]> {
  const { cache, key, req } = input;
  const span = INTERVAL_SECONDS[req.interval];
  const limit = req.limit;
  const lo = req.from;
  const hi = req.before;
  const venue = (from: number | undefined, before: number | undefined, n: number) => fetchAndStore(input, from, before, n);

  cache.flush();
  const r = cache.rangeBelow(key, hi ?? Number.MAX_SAFE_INTEGER);
  if (!r || (lo !== undefined && r.to <= lo)) return venue(lo, hi, limit);

  // After the range's newest bar.
  let above: readonly Candle[] = [];
  if (hi === undefined) {
    const live = input.live;
    const nothingClosedMissing = (r.to + span) * 1000 + CLOSE_MARGIN_MS > input.nowMs;
    if (live !== undefined && (live.length === 0 ? nothingClosedMissing : live[0]!.time <= r.to || nothingClosedMissing)) {
      above = live.filter((c) => c.time >= r.to);
    } else {
      above = await venue(r.to, undefined, limit);
      if (above.length >= limit) return above.slice(-limit);
    }
  } else if (r.to < hi) {
    above = await venue(r.to, hi, limit);
    if (above.length >= limit) return above.slice(-limit);
  }

  // The range itself. Up to now, one of the `limit` bars is the forming one even while the
  // stream has yet to bring it: a range one bar short of `limit` is a full answer.
  const last = above[above.length - 1];
  const formingSlot = hi === undefined && (last === undefined || isClosed(last.time, span, input.nowMs)) ? 1 : 0;
  const want = limit - above.length - formingSlot;
  const from = Math.max(r.from, lo ?? -Infinity);
  const mid = want > 0 ? cache.read(key, from, Math.min(r.to, hi ?? Infinity), want) : [];
  // A corrupt row invalidated the range: the venue answers the whole request.
  if (mid === undefined) return venue(lo, hi, limit);

  // Before the range's oldest bar.
  let below: readonly Candle[] = [];
  if (mid.length < want && (lo === undefined || r.from > lo)) below = await venue(lo, r.from, want - mid.length);

  return joined([below, mid, above], limit);
}

/**
 * The latest time before which every bar has surely closed. Bars open on their interval's grid,
 * day bars on the hour (candle-sanity.ts): the last one before t opens at t − grid at most.
 */
function settledUpTo(span: number, nowMs: number): number {
  const grid = span < 3600 ? span : 3600;
  return Math.floor((Math.floor((nowMs - CLOSE_MARGIN_MS) / 1000) - span + grid) / grid) * grid;
}

function isClosed(time: number, span: number, nowMs: number): boolean {
  return (time + span) * 1000 + CLOSE_MARGIN_MS <= nowMs;
}

/** Ascending by time, one bar per time (the later source wins), the newest `limit`. */
function joined(parts: readonly (readonly Candle[])[], limit: number): Candle[] {
  const out: Candle[] = [];
  for (const part of parts) {
    for (const c of part) {
      const last = out[out.length - 1];
      if (last && c.time <= last.time) {
        if (c.time === last.time) out[out.length - 1] = c;
        continue;
      }
      out.push(c);
    }
  }
  return out.length > limit ? out.slice(-limit) : out;
}

/**
 * Asks the venue for [from, before) (the newest n bars of it), stores the closed bars and the
 * span the answer proves complete:
 * - from: the request's `from` when fewer than n bars came, else the oldest bar's time (the
 *   venue cut the answer there); without `from`, the oldest bar's time (a venue may stop
 *   looking back early);
 * - to: the forming bar's time when one came; else `before` when every bar before it has
 *   closed, or up to now the last period surely closed; else just after the newest closed bar.
 */
async function fetchAndStore(input: CachedHistoryInput, from: number | undefined, before: number | undefined, n: number): Promise<Candle[]> {
  const { req, nowMs } = input;
  const span = INTERVAL_SECONDS[req.interval];
  const ask: HistoryRequest = { venue: req.venue, instrumentId: req.instrumentId, interval: req.interval, limit: n };
  if (from !== undefined) ask.from = from;
  if (before !== undefined) ask.before = before;
  const got = await input.fetch(ask);
  const closed: Candle[] = [];
  let forming: number | undefined;
  let prev = -Infinity;
  for (const c of got) {
    // Only an ascending answer inside what was asked can prove a span complete.
    if (c.time <= prev || (from !== undefined && c.time < from) || (before !== undefined && c.time >= before)) return got;
    prev = c.time;
    if (forming !== undefined) continue;
    if (isClosed(c.time, span, nowMs)) closed.push(c);
    else forming = c.time;
  }
  const first = got[0]?.time;
  const rangeFrom = got.length >= n ? first : (from ?? first);
  let rangeTo: number | undefined;
  const afterNewest = closed.length > 0 ? closed[closed.length - 1]!.time + span : undefined;
  if (forming !== undefined) rangeTo = forming;
  else if (before !== undefined) rangeTo = isClosed(before - 1, span, nowMs) ? before : afterNewest;
  // Asked up to now and no forming bar came: a quiet market (or a venue that leaves the forming
  // bar out) proves every period that has surely closed; on the interval's grid, so that the
  // next live bar can extend the range.
  else rangeTo = Math.max(afterNewest ?? -Infinity, settledUpTo(span, nowMs));
  if (rangeFrom !== undefined && rangeTo !== undefined && rangeFrom < rangeTo) {
    const range: CandleRange = { from: rangeFrom, to: rangeTo };
    input.cache.store(input.key, closed, range);
  }
  return got;
}
