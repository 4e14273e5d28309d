/**
 * GET /metrics on its own node:http server (headless --metrics, the desktop setting, and the
 * gateway reuse it). The metrics tell what a trader runs and how: a loopback address unless
 * the caller says, explicitly, that the endpoint may be public.
 */
import http from 'node:http';
import net from 'node:net';
import type { Logger } from '../core/log.js';
import { silentLogger } from '../core/log.js';

export interface MetricsSource {
  scrape(accept?: string): Promise<{ contentType: string; text: string }>;
}

export interface MetricsServerOptions {
  metrics: MetricsSource;
  host: string;
  /** 0: any free port. */
  port: number;
  /** Required to listen on anything but a loopback address (--metrics-public). */
  allowPublic?: boolean;
  log?: Logger;
}

export interface MetricsServer {
  host: string;
  port: number;
  /** http://host:port/metrics */
  url: string;
  close(): Promise<void>;
}

/** A refused address: not loopback without the explicit public flag, or not an address at all. */
export class MetricsAddressError extends Error {
  override readonly name = 'MetricsAddressError';
}

/** The port taken (or not allowed): said in one line. */
export class MetricsListenError extends Error {
  override readonly name = 'MetricsListenError';
}

/** localhost, 127.0.0.0/8 and ::1 (also as ::ffff:127.x.y.z). */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost') return true;
  if (net.isIPv4(h)) return h.startsWith('127.');
  if (net.isIPv6(h)) return h === '::1' || /^(0{0,4}:){5}0{0,4}:?ffff:127\./.test(h) || /^::ffff:127\./.test(h);
  return false;
}

/** "HOST:PORT" (IPv6 in brackets: "[::1]:9464"), checked: the port 0–65535, the host an address or localhost. */
export function parseMetricsAddress(text: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text.trim());
  if (!m) throw new MetricsAddressError(`--metrics wants HOST:PORT (say 127.0.0.1:9464), not "${text}"`);
  const host = (m[1] ?? m[2])!;
  const port = Number(m[3]);
  if (port > 65_535) throw new MetricsAddressError(`--metrics: ${port} is not a port (0 to 65535)`);
  return { host, port };
}

/** Refuses a non-loopback host unless allowed: the endpoint would tell anyone on the network about the trader's venues. */
export function checkMetricsHost(host: string, allowPublic: boolean): void {
  if (!allowPublic && !isLoopbackHost(host)) {
    throw new MetricsAddressError(
      `the metrics endpoint listens on loopback only (127.0.0.1, ::1 or localhost), not ${host}: add --metrics-public to serve it on another address`,
    );
  }
}

export async function startMetricsServer(opts: MetricsServerOptions): Promise<MetricsServer> {
  checkMetricsHost(opts.host, opts.allowPublic ?? false);
  const log = opts.log ?? silentLogger;
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found: the metrics are at /metrics\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' }).end('GET /metrics\n');
      return;
    }
    opts.metrics.scrape(req.headers.accept).then(
      ({ contentType, text }) => {
        res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' });
        res.end(req.method === 'HEAD' ? undefined : text);
      },
      (err: unknown) => {
        log.error('a metrics scrape failed', err);
        res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end('the metrics could not be collected; see the log\n');
      },
    );
  });
  // Scrapers keep connections alive; closing must not wait for them.
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      const why = err.code === 'EADDRINUSE' ? 'is in use' : err.code === 'EACCES' ? 'is not allowed' : `failed (${err.code ?? err.message})`;
      reject(new MetricsListenError(`the metrics endpoint could not listen on ${opts.host}:${opts.port}: the port ${why}`, { cause: err }));
    };
    server.once('error', onError);
    server.listen(opts.port, opts.host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  server.on('error', (err) => log.error('the metrics server failed', err));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : opts.port;
  const hostInUrl = net.isIPv6(opts.host) ? `[${opts.host}]` : opts.host;
  log.info(`metrics served at http://${hostInUrl}:${port}/metrics`);
  return {
    host: opts.host,
    port,
    url: `http://${hostInUrl}:${port}/metrics`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
