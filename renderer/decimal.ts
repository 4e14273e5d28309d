/**
 * Exact decimal arithmetic for the ticket: step checks, nearest valid values and notional.
 * bigint-scaled, never floats. The renderer may not load electron/decimal.ts at run time,
 * so the little it needs lives here.
 */
import type { Dec } from '../electron/domain.js';

const DECIMAL = /^(\d+)(?:\.(\d+))?$/;

interface Scaled {
  int: bigint;
  scale: number;
}

/** A non-negative plain decimal as typed by a trader ("12", "12.50", ".5" is refused). */
export function isPlainDecimal(text: string): boolean {
  return DECIMAL.test(text);
}

function scaled(text: string): Scaled {
  const m = DECIMAL.exec(text);
  if (!m) throw new RangeError(`not a plain decimal: ${JSON.stringify(text)}`);
  const frac = m[2] ?? '';
  return { int: BigInt(m[1]! + frac), scale: frac.length };
}

function text(int: bigint, scale: number): Dec {
  if (int === 0n) return '0';
  let digits = int.toString();
  if (scale === 0) return digits;
  digits = digits.padStart(scale + 1, '0');
  const whole = digits.slice(0, digits.length - scale);
  const frac = digits.slice(digits.length - scale).replace(/0+$/, '');
  return frac ? `${whole}.${frac}` : whole;
}

function aligned(a: string, b: string): [bigint, bigint, number] {
  const x = scaled(a);
  const y = scaled(b);
  const scale = Math.max(x.scale, y.scale);
  return [x.int * 10n ** BigInt(scale - x.scale), y.int * 10n ** BigInt(scale - y.scale), scale];
}

/** Canonical form: "1.50" → "1.5", "007" → "7". */
export function canonical(a: string): Dec {
  const x = scaled(a);
  return text(x.int, x.scale);
}

export function compare(a: string, b: string): -1 | 0 | 1 {
  const [x, y] = aligned(a, b);
  return x < y ? -1 : x > y ? 1 : 0;
}

export function isPositive(a: string): boolean {
  return scaled(a).int > 0n;
}

export function multiply(...factors: string[]): Dec {
  let int = 1n;
  let scale = 0;
  for (const f of factors) {
    const x = scaled(f);
    int *= x.int;
    scale += x.scale;
  }
  return text(int, scale);
}

export function add(a: string, b: string): Dec {
  const [x, y, scale] = aligned(a, b);
  return text(x + y, scale);
}

/** Absolute difference. */
export function distance(a: string, b: string): Dec {
  const [x, y, scale] = aligned(a, b);
  return text(x > y ? x - y : y - x, scale);
}

export function isMultipleOf(value: string, step: string): boolean {
  const [x, y] = aligned(value, step);
  return y > 0n && x % y === 0n;
}

/**
 * The multiples of `step` on either side of `value`, shown with the step's decimals
 * ("306.5" with step "0.01" → "306.50"). Equal when `value` already is one; `below` may be 0.
 */
export function nearestMultiples(value: string, step: string): { below: Dec; above: Dec } {
  const [x, y, scale] = aligned(value, step);
  if (y <= 0n) throw new RangeError(`step must be positive: ${step}`);
  const below = (x / y) * y;
  const above = below === x ? below : below + y;
  return { below: withPlaces(text(below, scale), places(step)), above: withPlaces(text(above, scale), places(step)) };
}

/** Decimal places of a step ("0.01" → 2, "1" → 0, "0.50" → 1). */
export function places(step: string): number {
  return /\.(\d*[1-9])0*$/.exec(step)?.[1]?.length ?? 0;
}

/** Pads (never rounds) to at least `n` fractional digits, the way a venue prints prices. */
export function withPlaces(value: string, n: number): Dec {
  const [whole, frac = ''] = value.split('.');
  if (n <= frac.length) return value;
  return `${whole}.${frac.padEnd(n, '0')}`;
}

/** Thousands grouped with thin spaces for reading; the digits stay exact. */
export function grouped(value: string): string {
  const [whole, frac] = value.split('.');
  const g = whole!.replace(/\B(?=(\d{3})+(?!\d))/g, '\u2009');
  return frac === undefined ? g : `${g}.${frac}`;
}
