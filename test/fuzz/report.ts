/**
 * What one hostile-venue run proves, per adapter: the property test in `npm test` and the long
 * run (`npm run fuzz:venues`) both print and assert these.
 */
export interface FuzzReport {
  venue: 'kraken' | 'tinvest';
  /** Frames the hostile venue sent, valid and mutated. */
  frames: number;
  /** Of them, mutated into something the venue's contract does not allow. */
  invalid: number;
  /** What the adapter's connections counted as malformed (must equal `invalid`). */
  malformedCounted: number;
  /** Valid candle frames sent, and how many the adapter delivered (must be equal). */
  validCandles: number;
  deliveredCandles: number;
  /** The series the adapter built equals the one built from the valid frames alone. */
  seriesEqual: boolean;
  /** Errors that escaped the adapter (uncaught exceptions, unhandled rejections): must be 0. */
  crashes: number;
  seconds: number;
}

export interface FuzzOptions {
  /** How many frames the hostile venue sends in all. */
  frames: number;
  seed: number;
  /** Progress lines for the long run; silent when absent. */
  log?: (line: string) => void;
}
