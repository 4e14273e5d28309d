/**
 * Trusting an extra root CA on Kraken's connections (a config file's `rootCaFile`, or the demo
 * venue's own certificate): Node's roots plus that PEM, for the WebSockets and for REST. Node's
 * global fetch takes no CA, so REST then goes through node:https with the same roots; without
 * an extra CA nothing here runs and REST stays on fetch.
 */
import { request } from 'node:https';
import { rootCertificates } from 'node:tls';

/** What REST calls the venue with: the global fetch, or one that trusts an extra root. */
export type RestFetch = (url: string, init: RequestInit) => Promise<Response>;

/** Node's roots and the extra one: `ca` replaces the defaults, so they go together. */
export function trustedRoots(extraPem: string): string[] {
  return [...rootCertificates, extraPem];
}

function headerRecord(init: RequestInit): Record<string, string> {
  const out: Record<string, string> = {};
  new Headers(init.headers).forEach((v, k) => {
    out[k] = v;
  });
  return out;
}

/** A fetch for REST that trusts `extraPem` besides Node's roots; honours the init's signal. */
export function fetchTrusting(extraPem: string): RestFetch {
  const ca = trustedRoots(extraPem);
  return (url, init) =>
    new Promise<Response>((resolve, reject) => {
      const signal = init.signal ?? undefined;
      if (signal?.aborted) return reject(signal.reason);
      const body = typeof init.body === 'string' ? init.body : undefined;
      const req = request(url, { method: init.method ?? 'GET', headers: headerRecord(init), ca }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          signal?.removeEventListener('abort', onAbort);
          const headers = new Headers();
          for (const [k, v] of Object.entries(res.headers)) {
            if (typeof v === 'string') headers.set(k, v);
            else if (Array.isArray(v)) for (const one of v) headers.append(k, one);
          }
          resolve(new Response(Buffer.concat(chunks), { status: res.statusCode ?? 0, headers }));
        });
      });
      const onAbort = (): void => {
        req.destroy(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      req.on('error', (err) => {
        signal?.removeEventListener('abort', onAbort);
        reject(err);
      });
      req.end(body);
    });
}
