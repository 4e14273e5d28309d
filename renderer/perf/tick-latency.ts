/**
 * Tick-to-screen latency of the charts: from a candle's arrival in the main process (the
 * batch carries it, wallClock() there) to the end of the frame in which series.update ran for
 * it; beside it, from its arrival in this window, so the bridge hop shows apart from the draw.
 * Per series and bar, the clock starts at the oldest update not yet on screen (coalesced
 * updates count from the first of them).
 *
 * Only candles that are drawn are timed. A candle the chart never draws (a bar older than the
 * one on screen, as a late bar brings) must not leave its clock running for the series' next
 * update, seconds later in a quiet market, to stop. So clocks are kept per bar, and drawing a
 * bar drops those of the bars before it, which can no longer be drawn. (The 12 s p99 of an
 * idle minute was not the probe: the frame drain held the live bar back behind a 720-bar
 * subscription snapshot; see FrameDrain.flush.)
 *
 * Where "the end of the frame" is: the probe keeps an animation-frame loop going while
 * samples come, asking for each next frame from inside the current one, after the chart
 * library asked for its draw. So in every frame it runs after the charts drew: the frame
 * drain applies updates first (it, too, asked early), the charts draw them, then the probe
 * stamps. The first sample after a pause is stamped a frame later, which only overstates.
 *
 * Both clocks are wall clocks (performance.timeOrigin + now()), which agree between processes
 * of one machine; a page on another machine than the app has its own, and a sample that would
 * be negative counts as 0.
 */
import { Samples, type LatencyStats } from './samples.js';

export type { LatencyStats } from './samples.js';

/** Runs `fn` at the next animation frame. */
export type NextFrame = (fn: () => void) => void;

export interface LatencySink {
  /**
   * A candle of this series arrived (call before it is queued for a frame): `bar` is its open
   * time, `mainAt` when it reached the main process and `at` when it reached this window.
   */
  received(seriesKey: string, bar: number, mainAt: number, at: number): void;
  /** series.update ran for this bar of this series. */
  updated(seriesKey: string, bar: number): void;
  /** A chart shows this series live now: its ticks count from here on. */
  follow(seriesKey: string): void;
  /** A chart stopped showing it: ticks waiting for it will never be drawn. */
  forget(seriesKey: string): void;
}

export interface TickLatencyOptions {
  /** Wall-clock ms, the clock of the batch's stamps (performance.timeOrigin + now()). */
  now: () => number;
  nextFrame: NextFrame;
  /** Samples kept for the percentiles. */
  window?: number;
  /** Told each main → drawn sample as it is taken (the metrics report's histogram). */
  onSample?: (ms: number) => void;
}

/** The oldest update of one bar not drawn yet. */
interface Waiting {
  bar: number;
  mainAt: number;
  at: number;
}

export class TickLatency implements LatencySink {
  /** Per series, oldest bar first: a bar closing and the next starting can both wait. */
  private readonly waiting = new Map<string, Waiting[]>();
  /** Series on a chart, by how many charts show each; ticks of others (a watchlist price) are not timed. */
  private readonly followed = new Map<string, number>();
  /** Series updated this frame, resolved at the next frame. */
  private painting: Waiting[] = [];
  private looping = false;
  private readonly fromMain: Samples;
  private readonly fromHere: Samples;

  constructor(private readonly options: TickLatencyOptions) {
    this.fromMain = new Samples(options.window ?? 4096);
    this.fromHere = new Samples(options.window ?? 4096);
  }

  received(seriesKey: string, bar: number, mainAt: number, at: number): void {
    if (!this.followed.has(seriesKey)) return;
    let bars = this.waiting.get(seriesKey);
    if (bars === undefined) this.waiting.set(seriesKey, (bars = []));
    for (const w of bars) if (w.bar === bar) return; // coalesced: the first update's clock runs
    bars.push({ bar, mainAt, at });
    if (bars.length > 1) bars.sort((a, b) => a.bar - b.bar);
  }

  follow(seriesKey: string): void {
    this.followed.set(seriesKey, (this.followed.get(seriesKey) ?? 0) + 1);
  }

  updated(seriesKey: string, bar: number): void {
    const bars = this.waiting.get(seriesKey);
    if (bars === undefined) return; // a bar from history, not a tick
    let drawn: Waiting | undefined;
    let done = 0;
    while (done < bars.length && bars[done]!.bar <= bar) {
      if (bars[done]!.bar === bar) drawn = bars[done];
      done += 1;
    }
    // This bar is drawn; older ones never will be: update() takes no bar before the last.
    if (done === bars.length) this.waiting.delete(seriesKey);
    else bars.splice(0, done);
    if (drawn === undefined) return;
    this.painting.push(drawn);
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
    return this.fromMain.total;
  }

  /** From the candle's arrival in the main process to drawn: the headline. */
  stats(): LatencyStats {
    return this.fromMain.stats();
  }

  /** From the candle's arrival in this window to drawn: the part after the bridge hop. */
  windowStats(): LatencyStats {
    return this.fromHere.stats();
  }

  reset(): void {
    this.fromMain.reset();
    this.fromHere.reset();
  }

  private painted(): void {
    if (this.painting.length === 0) {
      this.looping = false; // nothing drawn this frame: the stream paused
      return;
    }
    const t = this.options.now();
    for (const w of this.painting) {
      const ms = Math.max(0, t - w.mainAt);
      this.fromMain.add(ms);
      this.fromHere.add(t - w.at);
      this.options.onSample?.(ms);
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
