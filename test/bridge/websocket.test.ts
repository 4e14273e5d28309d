import http from 'node:http';
import net from 'node:net';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { WebSocket } from 'ws';
import type { Candle, CandleKey } from '../../common/domain.js';
import type { PushBatch, Result } from '../../electron/contract.js';
import { CONTRACT_VERSION } from '../../electron/contract.js';
import { Hub } from '../../electron/core/hub.js';
import { TOKEN_REFUSED_CLOSE_CODE } from '../../common/bridge-close.js';
import { PortInUseError, startWebSocketBridge } from '../../electron/bridge/websocket.js';
import type { WebSocketBridgeServer } from '../../electron/bridge/websocket.js';
import { MAX_IN_FLIGHT_PER_CLIENT } from '../../electron/bridge/session.js';
import { tokenMatches } from '../../electron/bridge/token.js';
import type { VenueSink } from '../../electron/venues/venue.js';
import { MemoryVenue, T0, candle, memoryVenues } from '../core/memory-venue.js';

const KEY: CandleKey = { venue: 'tinvest', instrumentId: 'id-SBER', interval: '1m' };
const INDEX = '<!doctype html><title>Switchboard</title><script type="module" src="/assets/app.js"></script>';

let rendererDir: string;
let hub: Hub;
let venues: ReturnType<typeof memoryVenues>;
let server: WebSocketBridgeServer;
const clients: WebSocket[] = [];

beforeAll(async () => {
  rendererDir = await mkdtemp(path.join(os.tmpdir(), 'sb-renderer-'));
  await mkdir(path.join(rendererDir, 'assets'));
  await writeFile(path.join(rendererDir, 'index.html'), INDEX);
  await writeFile(path.join(rendererDir, 'assets', 'app.js'), 'console.log(1);');
  await writeFile(path.join(os.tmpdir(), 'sb-outside.txt'), 'outside');
});

afterAll(async () => {
  await rm(rendererDir, { recursive: true, force: true });
});

/** A venue whose history never answers: requests for it stay in flight. */
class StuckHistoryVenue extends MemoryVenue {
  override history(): Promise<Candle[]> {
    return new Promise(() => undefined);
  }
}

async function start(opts: { maxClientBufferBytes?: number; stuckHistory?: boolean } = {}): Promise<void> {
  const { stuckHistory, ...serverOpts } = opts;
  hub = new Hub();
  venues = memoryVenues();
  hub.addVenue(stuckHistory ? (sink: VenueSink) => new StuckHistoryVenue(sink) : venues.factory);
  await hub.connect('tinvest');
  server = await startWebSocketBridge({ hub, rendererDir, diagnosticsMs: 0, version: '1.2.3', ...serverOpts });
}

afterEach(async () => {
  for (const c of clients.splice(0)) c.terminate();
  await server?.close();
  await hub?.close();
});

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function get(pathAndQuery: string, headers: http.OutgoingHttpHeaders = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    http
      .get(`${server.origin}${pathAndQuery}`, { headers }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      })
      .on('error', reject);
  });
}

/** A bridge client as the renderer is: our origin, the token in the socket URL. */
class Client {
  readonly ws: WebSocket;
  socket: net.Socket | undefined;
  private nextId = 1;
  private readonly waiting = new Map<number, (r: Result<unknown>) => void>();
  readonly batches: PushBatch[] = [];
  private batchWaiters: (() => void)[] = [];
  readonly closed: Promise<number>;

  constructor(query = `?token=${server.token}`, origin: string | null = server.origin) {
    this.ws = new WebSocket(`ws://127.0.0.1:${server.port}/bridge${query}`, {
      ...(origin === null ? {} : { origin }),
      // Keeps the client's TCP socket so a test can stop reading from it; ws calls it with options only.
      createConnection: ((o: net.NetConnectOpts) => (this.socket = net.createConnection(o))) as typeof net.createConnection,
    });
    clients.push(this.ws);
    this.closed = new Promise((resolve) => this.ws.on('close', (code) => resolve(code)));
    this.ws.on('error', () => undefined);
    this.ws.on('message', (data) => {
      const msg = JSON.parse(String(data)) as { id?: number; result?: Result<unknown>; topic?: string; payload?: unknown };
      if (msg.topic === 'batch') {
        this.batches.push(msg.payload as PushBatch);
        for (const w of this.batchWaiters.splice(0)) w();
      } else if (typeof msg.id === 'number' && msg.result) {
        this.waiting.get(msg.id)?.(msg.result);
        this.waiting.delete(msg.id);
      }
    });
  }

  opened(): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.ws.readyState === WebSocket.OPEN) return resolve();
      this.ws.once('open', () => resolve());
      this.ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    });
  }

  refusedWith(): Promise<number> {
    return new Promise((resolve, reject) => {
      this.ws.once('open', () => reject(new Error('upgrade accepted')));
      this.ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    });
  }

  invoke(method: string, params: unknown): Promise<Result<unknown>> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      this.ws.send(JSON.stringify({ id, method, params }));
    });
  }

  batchAfter(seq: number): Promise<PushBatch> {
    return new Promise((resolve) => {
      const check = (): void => {
        const b = this.batches.find((x) => x.seq > seq);
        if (b) resolve(b);
        else this.batchWaiters.push(check);
      };
      check();
    });
  }
}

async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 2000 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(cond()).toBe(true);
}

describe('headless server over HTTP', () => {
  it('serves the page with the token, then its assets through the cookie it sets', async () => {
    await start();
    const page = await get(`/?token=${server.token}`);
    expect(page.status).toBe(200);
    expect(page.body).toBe(INDEX);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.headers['referrer-policy']).toBe('no-referrer');
    const cookie = String(page.headers['set-cookie']?.[0]).split(';')[0] ?? '';
    const asset = await get('/assets/app.js', { cookie });
    expect(asset.status).toBe(200);
    expect(asset.headers['content-type']).toContain('javascript');
    expect((await get('/assets/app.js')).status).toBe(403);
  });

  it('serves nothing without the right token', async () => {
    await start();
    expect((await get('/')).status).toBe(403);
    expect((await get('/index.html?token=')).status).toBe(403);
    const wrongSameLength = server.token.replace(/^./, (c) => (c === 'A' ? 'B' : 'A'));
    const wrong = await get(`/?token=${wrongSameLength}`);
    expect(wrong.status).toBe(403);
    expect(wrong.body).not.toContain('Switchboard');
    expect((await get(`/?token=${server.token}x`)).status).toBe(403);
    expect((await get('/', { cookie: `switchboard_token_${server.port}=nope` })).status).toBe(403);
  });

  it('serves nothing outside the renderer build', async () => {
    await start();
    for (const p of ['/../sb-outside.txt', '/%2e%2e/sb-outside.txt', '/assets/..%2f..%2fsb-outside.txt', '/missing.js']) {
      expect((await get(`${p}${p.includes('?') ? '&' : '?'}token=${server.token}`)).status).toBe(404);
    }
  });

  it('gives a different token on every run', async () => {
    await start();
    const first = server.token;
    await server.close();
    server = await startWebSocketBridge({ hub, rendererDir, diagnosticsMs: 0 });
    expect(server.token).not.toBe(first);
    expect(server.token).toMatch(/^[\w-]{43}$/);
  });
});

describe('headless server over WebSocket', () => {
  it('answers requests and pushes sequenced batches of the subscribed candles', async () => {
    await start();
    const c = new Client();
    await c.opened();
    expect(await c.invoke('app.info', {})).toEqual({ ok: true, value: { version: '1.2.3', transport: 'websocket', contract: CONTRACT_VERSION } });
    const sub = await c.invoke('candles.subscribe', KEY);
    expect(sub.ok).toBe(true);
    const v = venues.current();
    for (let i = 1; i <= 50; i++) v.emit(candle(KEY, 60, i));
    const first = await c.batchAfter(0);
    expect(first.seq).toBe(1);
    expect(first.candles.at(-1)).toEqual(candle(KEY, 60, 50));
    v.emit(candle(KEY, 120, 51));
    expect((await c.batchAfter(first.seq)).seq).toBe(first.seq + 1);
  });

  it('answers malformed frames with bad-request and keeps the client', async () => {
    await start();
    const c = new Client();
    await c.opened();
    const answers: unknown[] = [];
    c.ws.on('message', (d) => answers.push(JSON.parse(String(d))));
    c.ws.send('not json');
    c.ws.send(JSON.stringify({ method: 'app.info' }));
    expect(await c.invoke('nope.nothing', {})).toMatchObject({ ok: false, code: 'unknown-method' });
    expect(answers.slice(0, 2)).toEqual([
      { id: null, result: { ok: false, code: 'bad-request', message: 'frame is not JSON' } },
      { id: null, result: { ok: false, code: 'bad-request', message: 'frame has no valid id' } },
    ]);
  });

  it('closes a socket without the right token with the token-refused code, before any session', async () => {
    await start();
    for (const query of ['', '?token=wrong', `?token=${server.token.slice(1)}A`]) {
      const c = new Client(query);
      const answered = vi.fn();
      c.ws.on('message', answered);
      c.ws.once('open', () => c.ws.send(JSON.stringify({ id: 1, method: 'app.info', params: {} })));
      expect(await c.closed).toBe(TOKEN_REFUSED_CLOSE_CODE);
      expect(answered).not.toHaveBeenCalled();
    }
    expect(server.clientCount()).toBe(0);
  });

  it('fails with a typed error naming the port when the port is taken', async () => {
    await start();
    const err: unknown = await startWebSocketBridge({ hub, rendererDir, port: server.port }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PortInUseError);
    expect(err).toMatchObject({ code: 'port-in-use', port: server.port, message: `port ${server.port} on 127.0.0.1 is already in use` });
  });

  it('refuses the upgrade from another origin or none', async () => {
    await start();
    expect(await new Client(undefined, 'http://evil.example').refusedWith()).toBe(403);
    expect(await new Client(undefined, `http://127.0.0.1:${server.port + 1}`).refusedWith()).toBe(403);
    expect(await new Client(undefined, null).refusedWith()).toBe(403);
  });

  it('closes a client that sends an oversized frame, and only that client', async () => {
    await start();
    const big = new Client();
    const fine = new Client();
    await Promise.all([big.opened(), fine.opened()]);
    big.ws.send(JSON.stringify({ id: 1, method: 'app.info', params: { pad: 'x'.repeat(200_000) } }));
    expect(await big.closed).toBe(1009);
    expect(await fine.invoke('venues.list', {})).toMatchObject({ ok: true });
    expect(server.clientCount()).toBe(1);
  });

  it('drops a client that stops reading while the others carry on', async () => {
    await start({ maxClientBufferBytes: 256 * 1024 });
    const stalled = new Client();
    const healthy = new Client();
    await Promise.all([stalled.opened(), healthy.opened()]);
    await healthy.invoke('candles.subscribe', KEY);
    stalled.socket?.pause();
    const v = venues.current();
    let price = 0;
    // The stalled client keeps asking for big answers (~650 kB each) it never reads; a handful
    // fill the socket buffers and the cap. Bounded, so a broken cap can't eat the machine's memory.
    for (let i = 0; i < 200 && server.clientCount() === 2; i++) {
      stalled.ws.send(JSON.stringify({ id: ++price, method: 'candles.history', params: { ...KEY, limit: 5000 } }));
      await new Promise((r) => setTimeout(r, 5));
    }
    expect(server.clientCount()).toBe(1);
    v.emit(candle(KEY, 60, ++price));
    const b = await healthy.batchAfter(0);
    expect(b.candles.at(-1)?.close).toBe(String(price));
    expect(await healthy.invoke('venues.list', {})).toMatchObject({ ok: true });
    stalled.socket?.resume();
    await stalled.closed;
  });

  it("releases a client's subscriptions when its socket closes", async () => {
    await start();
    const a = new Client();
    const b = new Client();
    await Promise.all([a.opened(), b.opened()]);
    await a.invoke('candles.subscribe', KEY);
    await b.invoke('candles.subscribe', KEY);
    expect(hub.refCount(KEY)).toBe(2);
    a.ws.close();
    await until(() => hub.refCount(KEY) === 1);
    b.ws.terminate();
    await until(() => hub.refCount(KEY) === 0);
    expect(venues.current().unsubscribed).toEqual([KEY]);
  });
});

describe('headless transport hardening', () => {
  it('listens on loopback only unless another host is configured', async () => {
    await start();
    expect(server.origin).toBe(`http://127.0.0.1:${server.port}`);
    const outward = Object.values(os.networkInterfaces())
      .flat()
      .find((a) => a !== undefined && a.family === 'IPv4' && !a.internal);
    if (outward) {
      const refused = await new Promise<string>((resolve) => {
        const sock = net.connect(server.port, outward.address);
        sock.on('connect', () => {
          sock.destroy();
          resolve('connected');
        });
        sock.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
      });
      expect(refused).toBe('ECONNREFUSED');
    }
  });

  it('matches only the exact token, whatever the guess', () => {
    const token = 'A'.repeat(43);
    expect(tokenMatches(token, token)).toBe(true);
    for (const guess of ['', 'A'.repeat(42), 'A'.repeat(44), `${'A'.repeat(42)}B`, null, undefined, 'Ä'.repeat(43)]) {
      expect(tokenMatches(token, guess)).toBe(false);
    }
  });

  it('answers a client flooding requests with rate-limited past its in-flight cap, and serves the others', async () => {
    await start({ stuckHistory: true });
    const flooder = new Client();
    const other = new Client();
    await Promise.all([flooder.opened(), other.opened()]);
    const extra = 20;
    const answers: Promise<Result<unknown>>[] = [];
    for (let i = 0; i < MAX_IN_FLIGHT_PER_CLIENT + extra; i++) answers.push(flooder.invoke('candles.history', { ...KEY, limit: 10 }));
    // The ones past the cap are answered at once; the stuck ones never are, so only those are awaited.
    const refused = await Promise.all(answers.slice(MAX_IN_FLIGHT_PER_CLIENT));
    for (const r of refused) expect(r).toMatchObject({ ok: false, code: 'rate-limited' });
    expect(await other.invoke('venues.list', {})).toMatchObject({ ok: true });
    expect(await flooder.invoke('app.info', {})).toMatchObject({ ok: false, code: 'rate-limited' });
  });

  it('drops a subscriber that never reads its pushes, and the others get every batch in sequence', async () => {
    await start({ maxClientBufferBytes: 64 * 1024 });
    const stalled = new Client();
    const healthy = new Client();
    await Promise.all([stalled.opened(), healthy.opened()]);
    await stalled.invoke('candles.subscribe', KEY);
    await healthy.invoke('candles.subscribe', KEY);
    stalled.socket?.pause();
    const v = venues.current();
    let t = 0;
    // Each round pushes one big batch (2000 bars); bounded, so a broken cap can't eat the machine.
    for (let round = 0; round < 300 && server.clientCount() === 2; round++) {
      const seen = healthy.batches.length;
      for (let i = 0; i < 2000; i++) v.emit(candle(KEY, (t += 60), 100 + (i % 7)));
      await healthy.batchAfter(healthy.batches[seen - 1]?.seq ?? 0);
    }
    expect(server.clientCount()).toBe(1);
    v.emit(candle(KEY, (t += 60), 1));
    const last = await healthy.batchAfter(healthy.batches.at(-1)?.seq ?? 0);
    expect(last.candles.at(-1)?.time).toBe(T0 + t);
    expect(healthy.batches.map((b) => b.seq)).toEqual(healthy.batches.map((_b, i) => i + 1));
    stalled.socket?.resume();
    await stalled.closed;
  });
});
