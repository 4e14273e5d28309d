/**
 * Book-to-screen latency of the depth ladder: from a book's arrival in the main process
 * (`receivedAt`, wall clock) to the start of the frame after the ladder painted it, when the
 * painted frame has been handed to the screen. Only books that were painted count: coalesced
 * ones never reach the screen. Wall clock on both ends, so the bridge hop is included.
 */
import type { OrderBook } from '../../common/domain.js';
import type { LatencyStats, NextFrame } from './tick-latency.js';

export interface BookLatencyOptions {
  /** Wall-clock ms (sub-ms where the platform has it). */
  now: () => number;
  nextFrame: NextFrame;
  window?: number;
}

export class BookLatency {
  private pending: number[] = [];
  private waiting = false;
  private readonly samples: Float64Array;
  private filled = 0;
  private cursor = 0;
  private total = 0;

  constructor(private readonly options: BookLatencyOptions) {
    this.samples = new Float64Array(options.window ?? 4096);
  }

  /** The ladder wrote this book into the page in the current frame. */
  painted(book: Pick<OrderBook, 'receivedAt'>): void {
    this.pending.push(book.receivedAt);
    if (this.waiting) return;
    this.waiting = true;
    this.options.nextFrame(() => this.stamp());
  }

  taken(): number {
    return this.total;
  }

  stats(): LatencyStats {
    if (this.filled === 0) return { count: 0 };
    const sorted = Array.from(this.samples.subarray(0, this.filled)).sort((a, b) => a - b);
    const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
    return { count: sorted.length, p50: at(0.5), p99: at(0.99), max: sorted[sorted.length - 1]! };
  }

  reset(): void {
    this.filled = 0;
    this.cursor = 0;
  }

  private stamp(): void {
    this.waiting = false;
    const t = this.options.now();
    for (const at of this.pending) {
      this.samples[this.cursor] = Math.max(0, t - at);
      this.cursor = (this.cursor + 1) % this.samples.length;
      this.filled = Math.min(this.filled + 1, this.samples.length);
      this.total += 1;
    }
    this.pending = [];
  }
}
