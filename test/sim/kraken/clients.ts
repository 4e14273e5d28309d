/**
 * Plain clients for the Kraken sim tests: a REST caller that signs the way Kraken's docs
 * describe (written here, not taken from the sim), and a WebSocket probe that keeps every
 * frame so a test can wait for the one it needs.
 */
import { createHash, createHmac } from 'node:crypto';
import WebSocket from 'ws';

export interface Envelope {
  error: string[];
  result?: Record<string, unknown>;
}

export function sign(secretB64: string, path: string, nonce: string, body: string): string {
  const inner = createHash('sha256').update(nonce + body).digest();
  return createHmac('sha512', Buffer.from(secretB64, 'base64')).update(Buffer.concat([Buffer.from(path), inner])).digest('base64');
}

export async function publicGet(rest: string, method: string, query: Record<string, string | number> = {}): Promise<Envelope> {
  const qs = new URLSearchParams(Object.entries(query).map(([k, v]): [string, string] => [k, String(v)])).toString();
  const r = await fetch(`${rest}/0/public/${method}${qs ? '?' + qs : ''}`);
  return (await r.json()) as Envelope;
}

export interface PostOptions {
  json?: boolean;
  nonce?: string;
  key?: string;
  secret?: string;
  /** Replaces the computed API-Sign. */
  signature?: string;
}

export class PrivateClient {
  private last = BigInt(Date.now()) * 1000n;

  constructor(
    readonly rest: string,
    readonly apiKey: string,
    readonly apiSecret: string,
  ) {}

  nextNonce(): string {
    this.last += 1n;
    return this.last.toString();
  }

  async post(method: string, params: Record<string, string | number | boolean> = {}, o: PostOptions = {}): Promise<Envelope> {
    const path = `/0/private/${method}`;
    const nonce = o.nonce ?? this.nextNonce();
    const body = o.json
      ? JSON.stringify({ nonce, ...params })
      : new URLSearchParams([['nonce', nonce], ...Object.entries(params).map(([k, v]): [string, string] => [k, String(v)])]).toString();
    const r = await fetch(this.rest + path, {
      method: 'POST',
      headers: {
        'API-Key': o.key ?? this.apiKey,
        'API-Sign': o.signature ?? sign(o.secret ?? this.apiSecret, path, nonce, body),
        'Content-Type': o.json ? 'application/json' : 'application/x-www-form-urlencoded',
      },
      body,
    });
    return (await r.json()) as Envelope;
  }

  /** The result, or a thrown error carrying the envelope's errors. */
  async ok<T = Record<string, unknown>>(method: string, params: Record<string, string | number | boolean> = {}): Promise<T> {
    const r = await this.post(method, params);
    if (r.error.length > 0 || !r.result) throw new Error(`${method}: ${r.error.join(', ')}`);
    return r.result as T;
  }

  async token(): Promise<string> {
    return (await this.ok<{ token: string }>('GetWebSocketsToken')).token;
  }
}

export interface Frame {
  raw: string;
  /** Parsed JSON, or undefined for a frame that is not JSON. */
  json: Record<string, unknown> | undefined;
}

export class WsProbe {
  readonly frames: Frame[] = [];
  private waiters: { pred: (f: Frame) => boolean; from: number; resolve: (f: Frame) => void }[] = [];
  closed = false;
  private closeWaiters: (() => void)[] = [];

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (d) => {
      const raw = d.toString();
      let json: Record<string, unknown> | undefined;
      try {
        const v: unknown = JSON.parse(raw);
        json = typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
      } catch {
        json = undefined;
      }
      const f = { raw, json };
      this.frames.push(f);
      const index = this.frames.length - 1;
      this.waiters = this.waiters.filter((w) => {
        if (index >= w.from && w.pred(f)) {
          w.resolve(f);
          return false;
        }
        return true;
      });
    });
    ws.on('close', () => {
      this.closed = true;
      for (const w of this.closeWaiters) w();
    });
  }

  static open(url: string): Promise<WsProbe> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url);
      const p = new WsProbe(ws);
      ws.once('open', () => resolve(p));
      ws.once('error', reject);
    });
  }

  send(msg: unknown): void {
    this.ws.send(JSON.stringify(msg));
  }

  /** The first frame from index `from` on that matches, now or later. */
  waitFor(pred: (f: Frame) => boolean, from = 0, timeoutMs = 15_000): Promise<Frame> {
    for (let i = from; i < this.frames.length; i++) {
      const f = this.frames[i];
      if (f && pred(f)) return Promise.resolve(f);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no matching frame arrived')), timeoutMs);
      this.waiters.push({
        pred,
        from,
        resolve: (f) => {
          clearTimeout(timer);
          resolve(f);
        },
      });
    });
  }

  /** Sends a request and waits for the reply with its req_id. */
  async request(method: string, params: Record<string, unknown>, reqId: number): Promise<Record<string, unknown>> {
    const from = this.frames.length;
    this.send({ method, params, req_id: reqId });
    const f = await this.waitFor((x) => x.json?.['req_id'] === reqId, from);
    return f.json ?? {};
  }

  closedPromise(): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((r) => this.closeWaiters.push(r));
  }

  close(): void {
    this.ws.close();
  }
}

export function channelFrames(p: WsProbe, channel: string, from = 0): Frame[] {
  return p.frames.slice(from).filter((f) => f.json?.['channel'] === channel);
}
