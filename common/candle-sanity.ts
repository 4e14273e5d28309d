/**
 * What a candle must be before anything is built from it, whichever venue sent it: plain
 * decimal texts, positive prices within a sane range, low ≤ open, close ≤ high, volume ≥ 0,
 * an open time aligned to its interval and no further ahead than the venue clock's tolerance.
 * Adapters check every candle here (and count a failure as a malformed frame); the core checks
 * again before a candle can become a series' last bar, so no rejected value ever freezes a chart.
 *
 * Runs on the hot path of every candle: one loop per text, comparisons on doubles where they
 * are exact, no bigint.
 */
import type { Candle } from './domain.js';
import { INTERVAL_SECONDS } from './domain.js';

/** How far ahead of our clock a venue's candle may open: skew plus one interval (see `candleProblem`). */
export const DEFAULT_CLOCK_SKEW_MS = 5_000;
/** No venue we speak has candles before this (2000-01-01 UTC); earlier is a broken timestamp. */
export const EARLIEST_CANDLE_TIME = 946_684_800;

export interface CandleCheckOptions {
  /** Our clock, ms since epoch. */
  nowMs: number;
  /** How far the venue's clock may run ahead of ours; default DEFAULT_CLOCK_SKEW_MS. */
  skewMs?: number;
}

/**
 * Why `c` cannot be a candle, or undefined when it can. The text is short and quotes no
 * venue bytes, so it can be counted and shown as it is.
 */
export function candleProblem(c: Candle, opts: CandleCheckOptions): string | undefined {
  const t = c.time;
  if (!Number.isSafeInteger(t)) return 'open time is not a whole second';
  if (t < EARLIEST_CANDLE_TIME) return 'open time before 2000';
  const span = INTERVAL_SECONDS[c.interval];
  if (span === undefined) return 'unknown interval';
  // Day candles open at the session's hour on some venues (not midnight UTC): hours for them.
  if (t % (span < 3600 ? span : 3600) !== 0) return `open time not aligned to ${c.interval}`;
  const skew = opts.skewMs ?? DEFAULT_CLOCK_SKEW_MS;
  if (t * 1000 > opts.nowMs + skew + span * 1000) return 'open time in the future';
  const o = plainValue(c.open);
  if (!(o > 0 && wholeDigits <= MAX_PRICE_DIGITS)) return priceProblem('open', o);
  const oExact = exact;
  const h = plainValue(c.high);
  if (!(h > 0 && wholeDigits <= MAX_PRICE_DIGITS)) return priceProblem('high', h);
  const hExact = exact;
  const l = plainValue(c.low);
  if (!(l > 0 && wholeDigits <= MAX_PRICE_DIGITS)) return priceProblem('low', l);
  const lExact = exact;
  const cl = plainValue(c.close);
  if (!(cl > 0 && wholeDigits <= MAX_PRICE_DIGITS)) return priceProblem('close', cl);
  const clExact = exact;
  const v = plainValue(c.volume);
  if (v !== v) return 'volume is not a plain non-negative decimal';
  if (wholeDigits > MAX_VOLUME_DIGITS) return 'volume is absurdly large';
  // low ≤ open ≤ high implies high ≥ low: the third comparison only runs when open is out.
  if (below(c.open, o, oExact, c.low, l, lExact) || below(c.high, h, hExact, c.open, o, oExact)) {
    return below(c.high, h, hExact, c.low, l, lExact) ? 'high below low' : 'open outside [low, high]';
  }
  if (below(c.close, cl, clExact, c.low, l, lExact) || below(c.high, h, hExact, c.close, cl, clExact)) return 'close outside [low, high]';
  return undefined;
}

/** Prices below 10^12 in the quote currency (whole digits, leading zeros aside): int64-max and 1e308 are not prices. */
const MAX_PRICE_DIGITS = 12;
/** Volumes below 10^18 units: nothing trades more in one bar. */
const MAX_VOLUME_DIGITS = 18;
/** Kraken uses up to 10, T-Invest nano 9 decimals; 18 is room to spare, not an unbounded text. */
const MAX_FRACTION_DIGITS = 18;
/** Exact powers of ten (parsed, so correctly rounded: every one up to 10^22 is a double). */
const POW10 = Array.from({ length: MAX_FRACTION_DIGITS + 1 }, (_, k) => Number(`1e${k}`));

/*
 * The hot path reads each text once, in one loop, into a double: its digits as an integer m
 * and m / 10^k for k fraction digits. While m stays a safe integer that is one correctly
 * rounded division of exact values, and rounding is monotonic, so unequal doubles order their
 * texts exactly; equal ones, or texts with more digits than a double holds, are compared digit
 * by digit (cmpPlain). candleProblem is synchronous, so one flag serves every call.
 */
let exact = true;
/** Whole digits of the text plainValue read last, leading zeros aside: the size ceilings count these. */
let wholeDigits = 0;

/** The value of a plain non-negative decimal text (leading/trailing zeros allowed), else NaN. */
function plainValue(s: string): number {
  if (typeof s !== 'string') return NaN;
  const n = s.length;
  let m = 0;
  let i = 0;
  wholeDigits = 0;
  while (i < n) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) break;
    m = m * 10 + d;
    if (m !== 0) wholeDigits++;
    i++;
  }
  if (i === 0) return NaN;
  let k = 0;
  if (i < n) {
    if (s.charCodeAt(i) !== 46) return NaN;
    k = n - i - 1;
    if (k === 0 || k > MAX_FRACTION_DIGITS) return NaN;
    for (i++; i < n; i++) {
      const d = s.charCodeAt(i) - 48;
      if (d < 0 || d > 9) return NaN;
      m = m * 10 + d;
    }
  }
  exact = m <= Number.MAX_SAFE_INTEGER;
  return k === 0 ? m : m / POW10[k]!;
}

/** Why a price failed plainValue or its range (the whole part just read is too large, or it is zero). */
function priceProblem(name: string, x: number): string {
  if (x !== x) return `${name} is not a plain non-negative decimal`;
  return wholeDigits > MAX_PRICE_DIGITS ? `${name} is absurdly large` : `${name} is zero`;
}

/** a < b for two texts read by plainValue (values x, y; exact flags as it left them). */
function below(a: string, x: number, ax: boolean, b: string, y: number, bx: boolean): boolean {
  if (x !== y && ax && bx) return x < y;
  return cmpPlain(a, b) < 0;
}

/**
 * Compares two non-negative plain decimal texts (leading or trailing zeros allowed) by value;
 * callers have checked that both are such texts.
 */
export function cmpPlain(a: string, b: string): -1 | 0 | 1 {
  let ai = 0;
  let bi = 0;
  const ad = a.indexOf('.');
  const bd = b.indexOf('.');
  const aw = ad < 0 ? a.length : ad;
  const bw = bd < 0 ? b.length : bd;
  while (ai < aw - 1 && a.charCodeAt(ai) === 48) ai++;
  while (bi < bw - 1 && b.charCodeAt(bi) === 48) bi++;
  if (aw - ai !== bw - bi) return aw - ai > bw - bi ? 1 : -1;
  for (; ai < aw; ai++, bi++) {
    const d = a.charCodeAt(ai) - b.charCodeAt(bi);
    if (d !== 0) return d > 0 ? 1 : -1;
  }
  // Fractions digit by digit, a missing digit counting as 0.
  const an = a.length;
  const bn = b.length;
  let i = aw + 1;
  let j = bw + 1;
  while (i < an || j < bn) {
    const x = i < an ? a.charCodeAt(i) : 48;
    const y = j < bn ? b.charCodeAt(j) : 48;
    if (x !== y) return x > y ? 1 : -1;
    i++;
    j++;
  }
  return 0;
}
