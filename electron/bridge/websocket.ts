/**
 * The headless transport: one HTTP server serves the built renderer and, on the same port,
 * the bridge over a WebSocket. A random token guards both — in the page URL's query (then
 * remembered in a same-site cookie so the page's own assets load) and in the query of the
 * socket's URL; the socket also needs the page's own Origin. Our own page with a wrong token
 * gets the socket only to be told so (close code TOKEN_REFUSED_CLOSE_CODE): a browser can't
 * read an HTTP refusal, and the tab must stop retrying. Each client is a Session; a client
 * that stops reading is dropped rather than buffered for without end.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import type { RawData } from 'ws';
import { TOKEN_REFUSED_CLOSE_CODE } from '../../common/bridge-close.js';
import { MAX_REQUEST_BYTES } from '../contract.js';
import type { Logger } from '../core/log.js';
import { silentLogger } from '../core/log.js';
import { contentSecurityPolicy } from './csp.js';
import { failure } from './errors.js';
import { Session, bridgeDeps } from './session.js';
import type { BridgeDeps } from './session.js';
import { readStaticFile } from './static-files.js';
import { newToken, tokenMatches } from './token.js';
import { encodePush, encodeResponse, parseWireRequest } from './wire.js';

export const BRIDGE_PATH = '/bridge';
/** Far more than a healthy client ever has queued (a batch is kilobytes); a stalled one gets there. */
export const MAX_CLIENT_BUFFER_BYTES = 8 * 1024 * 1024;
/** A request frame: the request cap plus room for the envelope. Larger frames close the socket. */
export const MAX_FRAME_BYTES = MAX_REQUEST_BYTES + 4096;

export interface WebSocketBridgeOptions extends BridgeDeps {
  rendererDir: string;
  /** Default 127.0.0.1: the bridge carries order entry and must not face the network by accident. */
  host?: string;
  /** Default 0: any free port. */
  port?: number;
  /** Default: a fresh one (token.ts); the headless app passes the one kept in its data folder. */
  token?: string;
  maxClientBufferBytes?: number;
  maxFrameBytes?: number;
}

export interface WebSocketBridgeServer {
  /** The page to open, token included. */
  readonly url: string;
  readonly origin: string;
  readonly token: string;
  readonly port: number;
  clientCount(): number;
  close(): Promise<void>;
}

/** The port asked for is in use (often: the app is already running). */
export class PortInUseError extends Error {
  override readonly name = 'PortInUseError';
  readonly code = 'port-in-use';
  constructor(
    readonly port: number,
    readonly host: string,
    cause: unknown,
  ) {
    super(`port ${port} on ${host} is already in use`, { cause });
  }
}

const WILDCARD_HOSTS = new Set(['0.0.0.0', '::', '']);

function hostForUrl(host: string): string {
  if (WILDCARD_HOSTS.has(host)) return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

function rawText(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

function refuseUpgrade(socket: Duplex, status: number, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  socket.destroy();
}

export async function startWebSocketBridge(opts: WebSocketBridgeOptions): Promise<WebSocketBridgeServer> {
  const log: Logger = opts.log ?? silentLogger;
  const token = opts.token ?? newToken();
  const bindHost = opts.host ?? '127.0.0.1';
  const maxBuffer = opts.maxClientBufferBytes ?? MAX_CLIENT_BUFFER_BYTES;
  const server = http.createServer();
  const wss = new WebSocketServer({ noServer: true, maxPayload: opts.maxFrameBytes ?? MAX_FRAME_BYTES, perMessageDeflate: false });
  const clients = new Set<WebSocket>();

  const askedPort = opts.port ?? 0;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: Error) => {
      reject('code' in err && err.code === 'EADDRINUSE' ? new PortInUseError(askedPort, bindHost, err) : err);
    });
    server.listen(askedPort, bindHost, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = `${hostForUrl(bindHost)}:${port}`;
  const origin = `http://${urlHost}`;
  /** Names the page may be reached by; a bound-to-all server can't know them, the token still guards it. */
  const knownHosts = WILDCARD_HOSTS.has(bindHost)
    ? undefined
    : new Set(bindHost === '127.0.0.1' ? [urlHost, `localhost:${port}`] : [urlHost]);
  const cookieName = `switchboard_token_${port}`;
  const csp = contentSecurityPolicy({ connectSrc: [`ws://${urlHost}`] });

  const hostAllowed = (req: http.IncomingMessage): boolean =>
    req.headers.host !== undefined && (knownHosts === undefined || knownHosts.has(req.headers.host));

  const baseHeaders = (): Record<string, string> => ({
    'Content-Security-Policy': csp,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'X-Frame-Options': 'DENY',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cache-Control': 'no-store',
  });

  const deny = (res: http.ServerResponse, status: number, text: string): void => {
    res.writeHead(status, { ...baseHeaders(), 'Content-Type': 'text/plain; charset=utf-8' });
    res.end(`${text}\n`);
  };

  const serveHttp = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', origin);
    const queryOk = tokenMatches(token, url.searchParams.get('token'));
    const authorized = queryOk || tokenMatches(token, cookieValue(req.headers.cookie, cookieName));
    if (!authorized || !hostAllowed(req)) return deny(res, 403, 'Forbidden');
    if (req.method !== 'GET' && req.method !== 'HEAD') return deny(res, 405, 'Method Not Allowed');
    const file = await readStaticFile(opts.rendererDir, url.pathname);
    if (!file) return deny(res, 404, 'Not Found');
    const headers: Record<string, string | string[]> = {
      ...baseHeaders(),
      'Content-Type': file.contentType,
      'Content-Length': String(file.body.length),
    };
    // The page's own scripts and styles are fetched without the query; the cookie lets them in.
    if (queryOk) headers['Set-Cookie'] = `${cookieName}=${token}; HttpOnly; SameSite=Strict; Path=/`;
    res.writeHead(200, headers);
    res.end(req.method === 'HEAD' ? undefined : file.body);
  };

  server.on('request', (req, res) => {
    serveHttp(req, res).catch((err: unknown) => {
      log.error('http request failed', err);
      if (!res.headersSent) deny(res, 500, 'Internal Server Error');
      else res.destroy();
    });
  });

  server.on('upgrade', (req, socket, head) => {
    socket.on('error', () => undefined);
    const url = new URL(req.url ?? '/', origin);
    if (url.pathname !== BRIDGE_PATH) return refuseUpgrade(socket, 404, 'Not Found');
    // Only our own page may open the socket: a foreign page would carry its own Origin.
    if (!hostAllowed(req) || req.headers.origin !== `http://${req.headers.host}`) {
      return refuseUpgrade(socket, 403, 'Forbidden');
    }
    if (!tokenMatches(token, url.searchParams.get('token'))) {
      // No session is made: the socket only carries the refusal, so the tab can say so.
      log.info('refused a bridge socket with a stale or missing token');
      return wss.handleUpgrade(req, socket, head, (ws) => ws.close(TOKEN_REFUSED_CLOSE_CODE, 'token refused'));
    }
    wss.handleUpgrade(req, socket, head, (ws) => onClient(ws));
  });

  const onClient = (ws: WebSocket): void => {
    clients.add(ws);
    const send = (text: string): void => {
      if (ws.readyState !== WebSocket.OPEN) return;
      ws.send(text);
      if (ws.bufferedAmount > maxBuffer) {
        log.warn(`dropping a client that stopped reading (${ws.bufferedAmount} bytes queued)`);
        ws.terminate();
      }
    };
    const session = new Session({
      ...bridgeDeps(opts),
      transport: 'websocket',
      push: (topic, payload) => send(encodePush(topic, payload)),
    });
    ws.on('message', (data, isBinary) => {
      const req = isBinary ? { id: null, error: failure('bad-request', 'binary frames are not accepted') } : parseWireRequest(rawText(data));
      if ('error' in req) return send(encodeResponse(req.id, req.error));
      // handle() never throws; sending or encoding might (a closed socket, a value JSON can't
      // carry): that is this one answer's problem, never the process's.
      session
        .handle(req.method, req.params)
        .then((result) => send(encodeResponse(req.id, result)))
        .catch((err: unknown) => log.error('answering a request failed', err));
    });
    ws.on('error', (err) => log.warn('client socket error', err));
    ws.on('close', () => {
      clients.delete(ws);
      session.close();
    });
  };

  const close = async (): Promise<void> => {
    for (const ws of clients) ws.terminate();
    await new Promise<void>((resolve) => wss.close(() => resolve()));
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  };

  return {
    url: `${origin}/?token=${token}`,
    origin,
    token,
    port,
    clientCount: () => clients.size,
    close,
  };
}
