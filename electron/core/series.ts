/**
 * The live candle series of one key: bounded, ascending by open time. A live candle either
 * replaces the forming (last) bar or opens a later one; anything older is stale — a late
 * frame from a venue — and is counted, not applied, so the series never runs backwards.
 *
 * Before a candle can become the last bar it must pass the one candle sanity rule
 * (candle-sanity.ts) against our clock: adapters check first, this is defence in depth. A
 * candle dated in the future would otherwise become the last time and make every real candle
 * after it "stale" — the chart would freeze for good.
 */
import type { Candle, CandleKey } from '../../common/domain.js';
import { candleKeyId } from '../../common/domain.js';
import { candleProblem } from '../../common/candle-sanity.js';
import type { CandleCheckOptions } from '../../common/candle-sanity.js';

/** Enough for a screen of bars plus room to scroll; older bars come from history on demand. */
export const SERIES_CAPACITY = 2000;

export type ApplyOutcome = 'replaced' | 'appended' | 'stale' | 'rejected';

export interface SeriesOptions {
  capacity?: number;
  /** Our clock (ms since epoch) for the "not in the future" check. */
  now?: () => number;
  /** How far ahead of our clock a venue's candle may open; candle-sanity's default otherwise. */
  skewMs?: number;
}

export class CandleSeries {
  readonly id: string;
  private readonly bars: Candle[] = [];
  private staleCount = 0;
  private rejectedCount = 0;
  private lastProblem: string | undefined;
  private readonly capacity: number;
  private readonly now: () => number;
  /** Reused for every check (its clock set each time): apply() runs for every candle. */
  private readonly check: CandleCheckOptions;

  constructor(
    readonly key: CandleKey,
    opts: SeriesOptions = {},
  ) {
    this.id = candleKeyId(key);
    this.capacity = opts.capacity ?? SERIES_CAPACITY;
    this.now = opts.now ?? Date.now;
    this.check = opts.skewMs === undefined ? { nowMs: 0 } : { nowMs: 0, skewMs: opts.skewMs };
  }

  apply(c: Candle): ApplyOutcome {
    this.check.nowMs = this.now();
    const problem = candleProblem(c, this.check);
    if (problem !== undefined) {
      this.rejectedCount += 1;
      this.lastProblem = problem;
      return 'rejected';
    }
    const last = this.bars[this.bars.length - 1];
    if (last && c.time === last.time) {
      this.bars[this.bars.length - 1] = c;
      return 'replaced';
    }
    if (last && c.time < last.time) {
      this.staleCount += 1;
      return 'stale';
    }
    this.bars.push(c);
    // Trim in chunks so a full series does not shift on every new bar.
    if (this.bars.length > this.capacity + Math.ceil(this.capacity / 8)) {
      this.bars.splice(0, this.bars.length - this.capacity);
    }
    return 'appended';
  }

  /** The forming bar, if any. */
  last(): Candle | undefined {
    return this.bars[this.bars.length - 1];
  }

  /** Up to `capacity` most recent bars, oldest first. */
  toArray(): Candle[] {
    const from = Math.max(0, this.bars.length - this.capacity);
    return this.bars.slice(from);
  }

  get length(): number {
    return Math.min(this.bars.length, this.capacity);
  }

  /** Candles older than the forming bar that arrived late and were ignored. */
  get stale(): number {
    return this.staleCount;
  }

  /** Candles that failed the sanity rule and were never applied. */
  get rejected(): number {
    return this.rejectedCount;
  }

  /** Why the last rejected candle was refused (our words, no venue bytes). */
  get lastRejection(): string | undefined {
    return this.lastProblem;
  }
}
