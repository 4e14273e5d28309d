/**
 * Kraken REST request signing (doc §1.2): the signature covers the exact body bytes sent,
 * so callers sign the string they will put on the wire and never re-encode afterwards.
 */
import { createHash, createHmac } from 'node:crypto';

/** API-Sign = base64(HMAC-SHA512(base64decode(secret), path ++ SHA256(nonce ++ body))). */
export function signRequest(path: string, nonce: string, body: string, secretB64: string): string {
  const inner = createHash('sha256').update(nonce + body, 'utf8').digest();
  return createHmac('sha512', Buffer.from(secretB64, 'base64'))
    .update(Buffer.concat([Buffer.from(path, 'utf8'), inner]))
    .digest('base64');
}

/** Form-encodes parameters in the given order; `nonce` is expected first, as ccxt and we send it. */
export function formEncode(params: Readonly<Record<string, string>>): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(params)) parts.push(`${encodeURIComponent(k)}=${encodeURIComponent(v)}`);
  return parts.join('&');
}
