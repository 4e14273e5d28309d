/**
 * Quotation / MoneyValue ↔ Dec, exactly. value = units + nano·1e-9; units and nano share the
 * sign and |nano| < 1e9 (§2.1, §6.4). Anything else is refused rather than guessed at.
 */
import { formatScaled, toScale, DecimalError } from '../../../common/decimal.js';
import type { Dec } from '../../../common/decimal.js';

export class QuotationError extends Error {
  override readonly name = 'QuotationError';
}

/** units as proto-loader gives int64 (`longs: String`), or a number/bigint from our decoder. */
export interface QuotationLike {
  units: string | number | bigint;
  nano: number;
}

export interface Quotation {
  /** int64 as decimal text, as proto-loader encodes it. */
  units: string;
  nano: number;
}

export interface MoneyValue extends Quotation {
  currency: string;
}

const NANO = 1_000_000_000n;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

function unitsBig(u: string | number | bigint): bigint {
  if (typeof u === 'bigint') return u;
  if (typeof u === 'number') {
    if (!Number.isSafeInteger(u)) throw new QuotationError(`units is not a safe integer: ${u}`);
    return BigInt(u);
  }
  if (!/^-?\d+$/.test(u)) throw new QuotationError(`units is not an integer: ${JSON.stringify(u)}`);
  return BigInt(u);
}

/** Checks the venue's rules and returns value·1e9 as one integer. */
export function quotationNanos(q: QuotationLike): bigint {
  const units = unitsBig(q.units);
  const nano = q.nano;
  if (!Number.isInteger(nano)) throw new QuotationError(`nano is not an integer: ${nano}`);
  if (nano <= -1e9 || nano >= 1e9) throw new QuotationError(`|nano| must be below 1e9: ${nano}`);
  if ((units > 0n && nano < 0) || (units < 0n && nano > 0)) {
    throw new QuotationError(`units and nano must share the sign: units ${units}, nano ${nano}`);
  }
  if (units < INT64_MIN || units > INT64_MAX) throw new QuotationError(`units out of int64: ${units}`);
  return units * NANO + BigInt(nano);
}

export function quotationToDec(q: QuotationLike): Dec {
  return formatScaled(quotationNanos(q), 9);
}

/** Ordinary prices: up to 15 integer digits and 9 decimals, split as text, no bigint needed. */
const PLAIN_RE = /^(-?)(\d{1,15})(?:\.(\d{1,9}))?$/;

/** Throws QuotationError when `d` has more than 9 decimals or does not fit int64 units. */
export function decToQuotation(d: Dec): Quotation {
  const m = PLAIN_RE.exec(d);
  if (m) {
    const units = Number(m[2]);
    const nano = m[3] ? Number(m[3].padEnd(9, '0')) : 0;
    // Units and nano share the sign; "-0.5" is units 0, nano -500000000.
    if (m[1] && (units !== 0 || nano !== 0)) return { units: units === 0 ? '0' : `-${units}`, nano: nano === 0 ? 0 : -nano };
    return { units: String(units), nano };
  }
  let n: bigint;
  try {
    n = toScale(d, 9);
  } catch (e) {
    if (e instanceof DecimalError) throw new QuotationError(e.message);
    throw e;
  }
  // bigint division truncates toward zero, so units and nano come out with the same sign.
  const units = n / NANO;
  const nano = Number(n % NANO);
  if (units < INT64_MIN || units > INT64_MAX) throw new QuotationError(`${d} does not fit a Quotation`);
  return { units: units.toString(), nano };
}

export function moneyToDec(m: QuotationLike & { currency: string }): { currency: string; value: Dec } {
  return { currency: m.currency.toLowerCase(), value: quotationToDec(m) };
}

export function decToMoney(d: Dec, currency: string): MoneyValue {
  return { currency: currency.toLowerCase(), ...decToQuotation(d) };
}

/**
 * The hot-path form for our stream decoder: units already a safe integer number. Same rules
 * and same canonical text as quotationToDec, without bigint.
 */
export function quotationNumbersToDec(units: number, nano: number): Dec {
  if (nano <= -1e9 || nano >= 1e9) throw new QuotationError(`|nano| must be below 1e9: ${nano}`);
  if ((units > 0 && nano < 0) || (units < 0 && nano > 0)) {
    throw new QuotationError(`units and nano must share the sign: units ${units}, nano ${nano}`);
  }
  if (nano === 0) return units === 0 ? '0' : String(units);
  const neg = units < 0 || nano < 0;
  let n = nano < 0 ? -nano : nano;
  let digits = 9;
  while (n % 10 === 0) {
    n /= 10;
    digits--;
  }
  const frac = String(n).padStart(digits, '0');
  return `${neg ? '-' : ''}${units < 0 ? -units : units}.${frac}`;
}
