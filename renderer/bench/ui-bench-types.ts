/** The UI bench page's interface to its driver (bench/ui.ts); no DOM here, both sides import it. */
export interface UiBenchOptions {
  instruments: number;
  updatesPerSecond: number;
  batchMs: number;
  seconds: number;
  candles: number;
  /** Book updates per second on the active chart's instrument in the second run (the ladder's). */
  booksPerSecond: number;
  bookDepth: number;
}

/** One streaming run: candles alone, or candles with the ladder's book. */
export interface UiBenchRun {
  latency: { count: number; p50?: number; p99?: number; max?: number };
  fps: number;
  longFrames: number;
  frames: number;
  samples: number;
  /** Book receivedAt → the frame after the ladder painted it; absent in the candle-only run. */
  bookLatency?: { count: number; p50?: number; p99?: number; max?: number };
  /** Book receivedAt → written into the page in the frame that paints it. */
  bookWritten?: { count: number; p50?: number; p99?: number; max?: number };
  /** Ladder paints in the window, and books sent: how much was coalesced. */
  ladderPaints?: number;
}

export interface UiBenchResult {
  latency: { count: number; p50?: number; p99?: number; max?: number };
  fps: number;
  /** Frames that took longer than 1.5 frame intervals, of all frames in the window. */
  longFrames: number;
  frames: number;
  /** Frame rate of the same page with the charts still (the ceiling). */
  idleFps: number;
  /** Exact candles → chart bars → setData → the frame after it drew, ms. */
  loadAndDraw: number;
  /** Of which the conversion and setData calls themselves, before the draw. */
  loadCall: number;
  /** setData of ready-made bars → the frame after it drew, ms: the chart library alone. */
  setDataOnly: number;
  /** Tick-to-screen samples taken in the window (series updates drawn). */
  samples: number;
  /** The same stream with the depth ladder fed `booksPerSecond` books. */
  withBooks: UiBenchRun;
}

/** What the page puts on `window.uiBench` for the driver. */
export interface UiBenchPage {
  ready(): Promise<void>;
  run(options: UiBenchOptions): Promise<UiBenchResult>;
}
