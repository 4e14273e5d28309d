/**
 * What a candle must be before anything is built from it, whichever venue sent it: plain
 * decimal texts, positive prices within a sane range, low ≤ open, close ≤ high, volume ≥ 0,
 * an open time aligned to its interval and no further ahead than the venue clock's tolerance.
 * Adapters check every candle here (and count a failure as a malformed frame); the core checks
 * again before a candle can become a series' last bar, so no rejected value ever freezes a chart.
 *
 * Runs on the hot path of every candle: comparisons work on the decimal texts, no bigint.
 */
import type { Candle } from './domain.js';
import { INTERVAL_SECONDS } from './domain.js';

/** How far ahead of our clock a venue's candle may open: skew plus one interval (see `candleProblem`). */
export const DEFAULT_CLOCK_SKEW_MS = 5_000;
/** No venue we speak has candles before this (2000-01-01 UTC); earlier is a broken timestamp. */
export const EARLIEST_CANDLE_TIME = 946_684_800;
/** Prices below 10^12 in the quote currency: int64-max and 1e308 are not prices. */
const MAX_PRICE_INT_DIGITS = 12;
/** Volumes below 10^18 units: nothing trades more in one bar. */
const MAX_VOLUME_INT_DIGITS = 18;
/** Kraken uses up to 10, T-Invest nano 9 decimals; 18 is room to spare, not an unbounded text. */
const MAX_FRACTION_DIGITS = 18;

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
  const bad =
    scanPrice(c.open, OPEN, 'open') ??
    scanPrice(c.high, HIGH, 'high') ??
    scanPrice(c.low, LOW, 'low') ??
    scanPrice(c.close, CLOSE, 'close') ??
    volumeProblem(c.volume);
  if (bad !== undefined) return bad;
  // low ≤ open ≤ high implies high ≥ low: the third comparison only runs when open is out.
  if (cmpScanned(c.open, OPEN, c.low, LOW) < 0 || cmpScanned(c.open, OPEN, c.high, HIGH) > 0) {
    return cmpScanned(c.high, HIGH, c.low, LOW) < 0 ? 'high below low' : 'open outside [low, high]';
  }
  if (cmpScanned(c.close, CLOSE, c.low, LOW) < 0 || cmpScanned(c.close, CLOSE, c.high, HIGH) > 0) return 'close outside [low, high]';
  return undefined;
}

/*
 * The hot path scans each price once (plain-decimal check, size, zero, and where its digits
 * start) and compares with what the scan found, instead of scanning again per comparison.
 * Scratch slots per price; candleProblem is synchronous, so one set serves every call.
 */
const OPEN = 0;
const HIGH = 1;
const LOW = 2;
const CLOSE = 3;
/** Index of the '.' (or the length): the end of the whole digits. */
const dotAt = [0, 0, 0, 0];
/** Index of the first whole digit that counts (leading zeros skipped, at least one kept). */
const sigAt = [0, 0, 0, 0];

function scanPrice(s: string, slot: number, name: string): string | undefined {
  if (typeof s !== 'string') return `${name} is not a plain non-negative decimal`;
  const n = s.length;
  let i = 0;
  let first = -1;
  while (i < n) {
    const ch = s.charCodeAt(i);
    if (ch < 48 || ch > 57) break;
    if (first < 0 && ch !== 48) first = i;
    i++;
  }
  if (i === 0) return `${name} is not a plain non-negative decimal`;
  const whole = i;
  let fracNonZero = false;
  if (i < n) {
    if (s.charCodeAt(i) !== 46) return `${name} is not a plain non-negative decimal`;
    i++;
    const frac = i;
    while (i < n) {
      const ch = s.charCodeAt(i);
      if (ch < 48 || ch > 57) return `${name} is not a plain non-negative decimal`;
      if (ch !== 48) fracNonZero = true;
      i++;
    }
    if (i === frac || i - frac > MAX_FRACTION_DIGITS) return `${name} is not a plain non-negative decimal`;
  }
  const sig = first < 0 ? whole - 1 : first;
  if (whole - sig > MAX_PRICE_INT_DIGITS) return `${name} is absurdly large`;
  if (first < 0 && !fracNonZero) return `${name} is zero`;
  dotAt[slot] = whole;
  sigAt[slot] = sig;
  return undefined;
}

/** cmpPlain for two prices scanned by scanPrice. */
function cmpScanned(a: string, sa: number, b: string, sb: number): -1 | 0 | 1 {
  const aw = dotAt[sa]!;
  const bw = dotAt[sb]!;
  let ai = sigAt[sa]!;
  let bi = sigAt[sb]!;
  if (aw - ai !== bw - bi) return aw - ai > bw - bi ? 1 : -1;
  for (; ai < aw; ai++, bi++) {
    const d = a.charCodeAt(ai) - b.charCodeAt(bi);
    if (d !== 0) return d > 0 ? 1 : -1;
  }
  return cmpFractions(a, aw, b, bw);
}

/** Fractions digit by digit from just after the dots, a missing digit counting as 0. */
function cmpFractions(a: string, aw: number, b: string, bw: number): -1 | 0 | 1 {
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

/** Whole digits of a non-negative plain decimal text, or -1 when it is not one (sign, exponent, junk). */
function intDigits(s: unknown): number {
  if (typeof s !== 'string') return -1;
  const n = s.length;
  let i = 0;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) break;
    i++;
  }
  if (i === 0) return -1;
  if (i === n) return i;
  if (s.charCodeAt(i) !== 46) return -1;
  const whole = i;
  i++;
  const frac = i;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return -1;
    i++;
  }
  if (i === frac || i - frac > MAX_FRACTION_DIGITS) return -1;
  return whole;
}

function volumeProblem(s: string): string | undefined {
  const d = intDigits(s);
  if (d < 0) return 'volume is not a plain non-negative decimal';
  if (significantInt(s, d) > MAX_VOLUME_INT_DIGITS) return 'volume is absurdly large';
  return undefined;
}

/** Whole digits without leading zeros ("007.5" → 1). */
function significantInt(s: string, whole: number): number {
  let i = 0;
  while (i < whole - 1 && s.charCodeAt(i) === 48) i++;
  return whole - i;
}

/**
 * Compares two non-negative plain decimal texts (leading or trailing zeros allowed) by value.
 * Callers have checked both with intDigits.
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
  return cmpFractions(a, aw, b, bw);
}
