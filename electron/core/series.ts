/**
 * The live candle series of one key: bounded, ascending by open time. A live candle either
 * replaces the forming (last) bar or opens a later one; anything older is stale — a late
 * frame from a venue — and is counted, not applied, so the series never runs backwards.
 */
import type { Candle, CandleKey } from '../domain.js';
import { candleKeyId } from '../domain.js';

/** Enough for a screen of bars plus room to scroll; older bars come from history on demand. */
export const SERIES_CAPACITY = 2000;

export type ApplyOutcome = 'replaced' | 'appended' | 'stale';

export class CandleSeries {
  readonly id: string;
  private readonly bars: Candle[] = [];
  private staleCount = 0;

  constructor(
    readonly key: CandleKey,
    private readonly capacity = SERIES_CAPACITY,
  ) {
    this.id = candleKeyId(key);
  }

  apply(c: Candle): ApplyOutcome {
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
}
