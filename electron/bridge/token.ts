/** The per-run secret of the headless server: random, URL-safe, compared in constant time. */
import { randomBytes, timingSafeEqual } from 'node:crypto';

export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

export function tokenMatches(expected: string, given: string | null | undefined): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(given, 'utf8');
  // The length is public (43 characters for every token); only the content must not leak.
  if (a.length !== b.length) return false;
  return timingSafeEqual(a, b);
}
