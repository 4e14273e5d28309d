/**
 * Text of the Kraken wire: JSON whose numbers keep their exact decimal text (v2 sends
 * `0.10000000`, which JSON.stringify would shorten), fixed-precision decimals, and the
 * time formats Kraken uses (RFC3339 with µs or ns, RFC1123 for Time).
 */
import { formatFixed } from '../market.js';

/** A JSON number written exactly as this text. */
export class Num {
  constructor(readonly text: string) {}
}

export type Wire = string | number | boolean | null | undefined | Num | readonly Wire[] | { readonly [k: string]: Wire };

/** JSON text of a wire value; `undefined` members are left out like JSON.stringify does. */
export function wireJson(v: Wire): string {
  if (v === null) return 'null';
  if (v instanceof Num) return v.text;
  if (Array.isArray(v)) return '[' + v.map((x: Wire) => (x === undefined ? 'null' : wireJson(x))).join(',') + ']';
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return JSON.stringify(v);
    case 'number':
      return Number.isFinite(v) ? String(v) : 'null';
    case 'object': {
      const parts: string[] = [];
      for (const [k, x] of Object.entries(v as { readonly [k: string]: Wire })) {
        if (x !== undefined) parts.push(JSON.stringify(k) + ':' + wireJson(x));
      }
      return '{' + parts.join(',') + '}';
    }
    default:
      return 'null';
  }
}

/** A scaled integer as a JSON number with exactly `scale` decimals. */
export function num(int: bigint, scale: number): Num {
  return new Num(formatFixed(int, scale));
}

/** Moves a scaled integer from one scale to another, rounding half away from zero when it shrinks. */
export function rescale(int: bigint, from: number, to: number): bigint {
  if (to >= from) return int * 10n ** BigInt(to - from);
  const div = 10n ** BigInt(from - to);
  const q = int / div;
  const r = int % div;
  const half = div / 2n;
  if (r >= half) return q + 1n;
  if (-r >= half) return q - 1n;
  return q;
}

/** Like rescale, but rounds up (toward +∞): for amounts held or charged so they never fall short. */
export function rescaleUp(int: bigint, from: number, to: number): bigint {
  if (to >= from) return int * 10n ** BigInt(to - from);
  const div = 10n ** BigInt(from - to);
  const q = int / div;
  return int % div > 0n ? q + 1n : q;
}

/**
 * Decimal text of a JSON number as a client sent it. Number→string gives the shortest
 * text that round-trips, which is the client's text for any price or size with ≤15
 * significant digits; exponent forms (1e-7) are spelled out.
 */
export function numberText(n: number): string {
  const s = String(n);
  const m = /^(-?)(\d+)(?:\.(\d+))?e([+-]\d+)$/.exec(s);
  if (!m) return s;
  const sign = m[1] ?? '';
  const digits = (m[2] ?? '') + (m[3] ?? '');
  const point = (m[2] ?? '').length + Number(m[4]);
  if (point <= 0) return `${sign}0.${'0'.repeat(-point)}${digits}`;
  if (point >= digits.length) return sign + digits + '0'.repeat(point - digits.length);
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}

/** RFC3339 UTC with `frac` fractional digits (6 for most v2 fields, 9 for interval_begin, 0 for REST). */
export function rfc3339(ms: number, frac = 6): string {
  const iso = new Date(ms).toISOString(); // 2023-09-22T10:33:05.709Z
  if (frac === 0) return iso.slice(0, 19) + 'Z';
  return iso.slice(0, 20) + (iso.slice(20, 23) + '0'.repeat(frac)).slice(0, frac) + 'Z';
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Kraken's Time.rfc1123: "Thu, 06 Jul 23 18:50:48 +0000" (two-digit year). */
export function rfc1123(ms: number): string {
  const d = new Date(ms);
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${DAYS[d.getUTCDay()]}, ${p(d.getUTCDate())} ${MONTHS[d.getUTCMonth()]} ${p(d.getUTCFullYear() % 100)} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}

/** Unix seconds with µs as a JSON number (opentm, closetm). */
export function unixSeconds(ms: number): Num {
  return new Num(formatFixed(BigInt(Math.round(ms * 1000)), 6));
}
