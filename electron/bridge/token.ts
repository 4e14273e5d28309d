/** The headless server's access token: random, URL-safe, compared in constant time. */
import { randomBytes, timingSafeEqual } from 'node:crypto';

export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

/** Whether `s` looks like what newToken() makes (32 random bytes, base64url). */
export function isWellFormedToken(s: string): boolean {
  return TOKEN_SHAPE.test(s);
}

export function tokenMatches(expected: string, given: string | null | undefined): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(given, 'utf8');
  // The length is public (43 characters for every token); only the content must not leak.
  if (a.length !== b.length) return false;
  return timingSafeEqual(a, b);
}
