/**
 * Book-to-screen latency of the depth ladder, from a book's arrival in the main process
 * (`receivedAt`: the adapter's wall clock, ms since the epoch; so the bridge hop is included,
 * as in the charts' tick-to-screen, whose candles the hub stamps with wallClock(), and both
 * probes read this window's clock as performance.timeOrigin + now()) to two ends:
 * - written: the ladder wrote it into the page, inside the animation frame that paints it
 *   (the end the charts' tick-to-screen probe uses);
 * - shown: the start of the next frame, when the painted frame has been handed to the screen.
 * Only books that were painted count: coalesced ones never reach the screen.
 */
import type { OrderBook } from '../../common/domain.js';
import type { NextFrame } from './tick-latency.js';
import { Samples, type LatencyStats } from './samples.js';

export interface BookLatencyOptions {
  /** Wall-clock ms (sub-ms where the platform has it). */
  now: () => number;
  nextFrame: NextFrame;
  window?: number;
}

export class BookLatency {
  private pending: number[] = [];
  private waiting = false;
  private readonly shownSamples: Samples;
  private readonly writtenSamples: Samples;

  constructor(private readonly options: BookLatencyOptions) {
    this.shownSamples = new Samples(options.window ?? 4096);
    this.writtenSamples = new Samples(options.window ?? 4096);
  }

  /** The ladder wrote this book into the page in the current frame. */
  painted(book: Pick<OrderBook, 'receivedAt'>): void {
    this.writtenSamples.add(this.options.now() - book.receivedAt);
    this.pending.push(book.receivedAt);
    if (this.waiting) return;
    this.waiting = true;
    this.options.nextFrame(() => this.stamp());
  }

  /** Books shown, ever. */
  taken(): number {
    return this.shownSamples.total;
  }

  /** To the start of the frame after the paint. */
  stats(): LatencyStats {
    return this.shownSamples.stats();
  }

  /** To the write into the page, in the frame that paints it. */
  writtenStats(): LatencyStats {
    return this.writtenSamples.stats();
  }

  reset(): void {
    this.shownSamples.reset();
    this.writtenSamples.reset();
  }

  private stamp(): void {
    this.waiting = false;
    const t = this.options.now();
    for (const at of this.pending) this.shownSamples.add(t - at);
    this.pending = [];
  }
}
