/**
 * A webhook receiver on loopback for the alerts tests: real node:http, every request kept with
 * its headers and body, its signature checked with the endpoint's key, and its answer decided
 * by the test (a status, or no answer at all).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  headers: http.IncomingHttpHeaders;
  body: string;
  /** The Switchboard-Signature header matched HMAC-SHA256(key, "<t>.<body>"). */
  signed: boolean;
}

/** What to do with the nth request (1-based): a status (with headers), or 'silent': never answer. */
export type Answer = { status: number; headers?: Record<string, string> } | 'silent';

export interface Receiver {
  url: string;
  received: Received[];
  /** Resolves once `n` requests have arrived. */
  waitFor(n: number): Promise<void>;
  close(): Promise<void>;
}

export function verifySignature(key: string, header: string | undefined, body: string): boolean {
  const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header ?? '');
  if (!m) return false;
  const want = createHmac('sha256', key).update(`${m[1]}.${body}`).digest();
  return timingSafeEqual(want, Buffer.from(m[2] ?? '', 'hex'));
}

export async function startReceiver(key: string, answer: (n: number, r: Received) => Answer): Promise<Receiver> {
  const received: Received[] = [];
  const waiters: { n: number; resolve: () => void }[] = [];
  const silent = new Set<http.ServerResponse>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const sig = req.headers['switchboard-signature'];
      const r: Received = { headers: req.headers, body, signed: verifySignature(key, Array.isArray(sig) ? sig[0] : sig, body) };
      received.push(r);
      for (const w of waiters.filter((x) => received.length >= x.n)) w.resolve();
      const a = answer(received.length, r);
      if (a === 'silent') {
        // Accepted and read, never answered: the sender's per-attempt timeout must end it.
        silent.add(res);
        return;
      }
      res.writeHead(a.status, a.headers ?? {});
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    waitFor: (n) =>
      received.length >= n
        ? Promise.resolve()
        : new Promise((resolve) => {
            waiters.push({ n, resolve });
          }),
    close: async () => {
      for (const res of silent) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
