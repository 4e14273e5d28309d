/**
 * Exact decimals for prices and quantities, the one library of both sides (the core, the
 * adapters and the renderer's ticket). A `Dec` is a canonical decimal string ("-12.5",
 * "0.0001", "100"): serialisable across the bridge as it is, compared and stepped with bigint
 * arithmetic, never with floats. Node-free: it lives in common/.
 */
export type Dec = string & { readonly __dec?: never };

const DEC_RE = /^(-)?(\d+)(?:\.(\d+))?$/;

/** A decimal as an integer scaled by 10^scale: value = int / 10^scale. */
export interface Scaled {
  readonly int: bigint;
  readonly scale: number;
}

export class DecimalError extends Error {
  override readonly name = 'DecimalError';
}

/** True when `s` is a plain decimal literal (no exponent, no spaces, no sign but a leading minus). */
export function isDecText(s: string): boolean {
  return DEC_RE.test(s);
}

/** A non-negative plain decimal as a trader types it ("12", "12.50"; ".5", "-1", "1e3" are refused). */
export function isPlainDecimal(s: string): boolean {
  return DEC_RE.test(s) && !s.startsWith('-');
}

export function parseScaled(s: string): Scaled {
  const m = DEC_RE.exec(s);
  if (!m) throw new DecimalError(`not a decimal: ${JSON.stringify(s)}`);
  const frac = m[3] ?? '';
  const int = BigInt((m[2] ?? '0') + frac);
  return { int: m[1] ? -int : int, scale: frac.length };
}

/** Canonical text of int / 10^scale: no trailing fractional zeros, no "-0". */
export function formatScaled(int: bigint, scale: number): Dec {
  if (int === 0n) return '0';
  const neg = int < 0n;
  let digits = (neg ? -int : int).toString();
  if (scale > 0) {
    digits = digits.padStart(scale + 1, '0');
    let whole = digits.slice(0, digits.length - scale);
    const frac = digits.slice(digits.length - scale).replace(/0+$/, '');
    if (whole === '') whole = '0';
    digits = frac ? `${whole}.${frac}` : whole;
  }
  return (neg ? '-' : '') + digits;
}

/** Parses and canonicalises ("1.50" → "1.5", "-0" → "0"). Throws DecimalError on junk. */
export function dec(s: string): Dec {
  const { int, scale } = parseScaled(s);
  return formatScaled(int, scale);
}

/** Value at an exact scale; throws when precision would be lost. */
export function toScale(d: Dec | string, scale: number): bigint {
  const { int, scale: s } = parseScaled(d);
  if (s === scale) return int;
  if (s < scale) return int * 10n ** BigInt(scale - s);
  const div = 10n ** BigInt(s - scale);
  if (int % div !== 0n) throw new DecimalError(`${d} has more than ${scale} decimal places`);
  return int / div;
}

function align(a: Dec, b: Dec): [bigint, bigint, number] {
  const x = parseScaled(a);
  const y = parseScaled(b);
  const scale = Math.max(x.scale, y.scale);
  return [x.int * 10n ** BigInt(scale - x.scale), y.int * 10n ** BigInt(scale - y.scale), scale];
}

export function cmp(a: Dec, b: Dec): -1 | 0 | 1 {
  const [x, y] = align(a, b);
  return x < y ? -1 : x > y ? 1 : 0;
}

export function add(a: Dec, b: Dec): Dec {
  const [x, y, s] = align(a, b);
  return formatScaled(x + y, s);
}

export function sub(a: Dec, b: Dec): Dec {
  const [x, y, s] = align(a, b);
  return formatScaled(x - y, s);
}

/** The exact product of two or more factors (price × quantity × lot size). */
export function mul(a: Dec, b: Dec, ...more: Dec[]): Dec {
  let int = 1n;
  let scale = 0;
  for (const f of [a, b, ...more]) {
    const x = parseScaled(f);
    int *= x.int;
    scale += x.scale;
  }
  return formatScaled(int, scale);
}

export function isZero(a: Dec): boolean {
  return parseScaled(a).int === 0n;
}

export function isPositive(a: Dec): boolean {
  return parseScaled(a).int > 0n;
}

/** True when `value` is a whole multiple of `step` (step > 0). */
export function isMultipleOf(value: Dec, step: Dec): boolean {
  const [x, y] = align(value, step);
  if (y <= 0n) throw new DecimalError(`step must be positive: ${step}`);
  return x % y === 0n;
}

/** The multiples of `step` just below and just above `value` (equal when it is one). */
export function nearestSteps(value: Dec, step: Dec): { down: Dec; up: Dec } {
  const [x, y, s] = align(value, step);
  if (y <= 0n) throw new DecimalError(`step must be positive: ${step}`);
  let q = x / y;
  if (x < 0n && x % y !== 0n) q -= 1n; // floor, not truncation, for negatives
  const down = q * y;
  const up = down === x ? down : down + y;
  return { down: formatScaled(down, s), up: formatScaled(up, s) };
}

/** For charts only: a float view of an exact value. */
export function toNumber(d: Dec): number {
  return Number(d);
}

/** Decimal places of a step ("0.01" → 2, "1" → 0, "0.50" → 1). */
export function places(step: string): number {
  return /\.(\d*[1-9])0*$/.exec(step)?.[1]?.length ?? 0;
}

/** Pads (never rounds) to at least `n` fractional digits, the way a venue prints prices. */
export function withPlaces(value: Dec, n: number): Dec {
  const [whole, frac = ''] = value.split('.');
  if (n <= frac.length) return value;
  return `${whole}.${frac.padEnd(n, '0')}`;
}

/** Thousands grouped with thin spaces for reading; the digits stay exact. */
export function grouped(value: Dec): string {
  const [whole = '', frac] = value.split('.');
  const g = whole.replace(/\B(?=(\d{3})+(?!\d))/g, '\u2009');
  return frac === undefined ? g : `${g}.${frac}`;
}
