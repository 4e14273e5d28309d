/**
 * Tick-to-screen latency of the charts: from a candle's receipt in the renderer to the end
 * of the frame in which series.update ran for it. Per series, the clock starts at the oldest
 * tick not yet on screen (coalesced ticks count from when the first of them came).
 *
 * Where "the end of the frame" is: the probe keeps an animation-frame loop going while
 * samples come, asking for each next frame from inside the current one, after the chart
 * library asked for its draw. So in every frame it runs after the charts drew: the frame
 * drain applies updates first (it, too, asked early), the charts draw them, then the probe
 * stamps. The first sample after a pause is stamped a frame later, which only overstates.
 *
 * The batch carries no main-side send time, so the bridge hop itself is not included.
 */

/** Runs `fn` at the next animation frame. */
export type NextFrame = (fn: () => void) => void;

export interface LatencyStats {
  /** Samples in the window. */
  count: number;
  p50?: number;
  p99?: number;
  max?: number;
}

export interface LatencySink {
  /** A candle of this series arrived (call before it is queued for a frame). */
  received(seriesKey: string, at: number): void;
  /** series.update ran for this series. */
  updated(seriesKey: string): void;
  /** A chart shows this series live now: its ticks count from here on. */
  follow(seriesKey: string): void;
  /** A chart stopped showing it: ticks waiting for it will never be drawn. */
  forget(seriesKey: string): void;
}

export interface TickLatencyOptions {
  now: () => number;
  nextFrame: NextFrame;
  /** Samples kept for the percentiles. */
  window?: number;
  /** Told each sample as it is taken (the metrics report's histogram). */
  onSample?: (ms: number) => void;
}

export class TickLatency implements LatencySink {
  private readonly waiting = new Map<string, number>();
  /** Series on a chart, by how many charts show each; ticks of others (a watchlist price) are not timed. */
  private readonly followed = new Map<string, number>();
  /** Receipt times of series updated this frame, resolved at the next frame. */
  private painting: number[] = [];
  private looping = false;
  private readonly samples: Float64Array;
  private filled = 0;
  private cursor = 0;
  private total = 0;

  constructor(private readonly options: TickLatencyOptions) {
    this.samples = new Float64Array(options.window ?? 4096);
  }

  received(seriesKey: string, at: number): void {
    if (this.followed.has(seriesKey) && !this.waiting.has(seriesKey)) this.waiting.set(seriesKey, at);
  }

  follow(seriesKey: string): void {
    this.followed.set(seriesKey, (this.followed.get(seriesKey) ?? 0) + 1);
  }

  updated(seriesKey: string): void {
    const at = this.waiting.get(seriesKey);
    if (at === undefined) return; // a bar from history, not a tick
    this.waiting.delete(seriesKey);
    this.painting.push(at);
    if (this.looping) return;
    this.looping = true;
    this.options.nextFrame(() => this.painted());
  }

  forget(seriesKey: string): void {
    const n = (this.followed.get(seriesKey) ?? 0) - 1;
    if (n > 0) {
      this.followed.set(seriesKey, n);
      return;
    }
    this.followed.delete(seriesKey);
    this.waiting.delete(seriesKey);
  }

  /** How many samples were ever taken. */
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

  private painted(): void {
    if (this.painting.length === 0) {
      this.looping = false; // nothing drawn this frame: the stream paused
      return;
    }
    const t = this.options.now();
    for (const at of this.painting) {
      this.samples[this.cursor] = t - at;
      this.options.onSample?.(t - at);
      this.cursor = (this.cursor + 1) % this.samples.length;
      this.filled = Math.min(this.filled + 1, this.samples.length);
      this.total += 1;
    }
    this.painting = [];
    this.options.nextFrame(() => this.painted());
  }
}

/** Frames per second over the last second, from an animation-frame loop that runs while someone looks. */
export class FrameRate {
  private times: number[] = [];

  frame(at: number): void {
    this.times.push(at);
    while (this.times.length > 0 && at - this.times[0]! > 1000) this.times.shift();
  }

  fps(): number {
    if (this.times.length < 2) return 0;
    const span = this.times[this.times.length - 1]! - this.times[0]!;
    return span > 0 ? ((this.times.length - 1) * 1000) / span : 0;
  }
}
