/**
 * One owner per Kraken WS v2 socket: connects, keeps the ping watchdog, reconnects with
 * jittered backoff, and holds subscriptions as data (pending until acked by req_id,
 * replayed after every reconnect). Everyone else sends it commands and gets frames back.
 */
import WebSocket from 'ws';
import type { ConnectionState } from '../../domain.js';
import { Backoff } from '../../net/backoff.js';
import type { ConnectionReporter } from '../venue.js';
import { WS_CLOSE_POLICY } from './constants.js';
import type { WsResponse, WsStatusData } from './messages.js';
import { MalformedFrame, readFrame } from './parse.js';

export interface SubscriptionSpec {
  channel: string;
  symbol?: string;
  /** Channel parameters besides channel/symbol/token (depth, interval, snapshot…). */
  params?: Record<string, unknown>;
}

type SubState = 'pending' | 'confirmed' | 'failed';

interface Subscription {
  key: string;
  spec: SubscriptionSpec;
  state: SubState;
  reqId: number;
  /** When the pending subscribe went out (wall clock ms). */
  sentAt: number;
  error?: string;
}

/** A channel frame after the socket took heartbeats, status and replies out. */
export interface ChannelFrame {
  channel: string;
  type?: string;
  data: unknown;
  [k: string]: unknown;
}

/** A request that could not complete: `sent` tells whether it left this process. */
export class SocketRequestError extends Error {
  override readonly name = 'SocketRequestError';
  readonly sent: boolean;
  constructor(message: string, sent: boolean) {
    super(message);
    this.sent = sent;
  }
}

export interface KrakenSocketOptions {
  url: string;
  reporter: ConnectionReporter;
  onFrame: (f: ChannelFrame) => void;
  /** After open, before subscriptions are replayed (private: fetch a token). Rejecting closes and retries. */
  onOpen?: () => Promise<void>;
  /** When every subscription is acked (private: reconcile orders); `live` is reported after it. */
  onConfirmed?: () => Promise<void>;
  /** Lost connection; called before reconnecting. */
  onDown?: (reason: string) => void;
  /** A subscription was refused (private: a stale token means reconnect with a fresh one). */
  onSubscribeError?: (key: string, error: string) => void;
  /** Extra params of every subscribe/unsubscribe (the private token). */
  authParams?: () => Record<string, unknown>;
  pingEveryMs?: number;
  /** No frame for this long → the socket is dead; reconnect. */
  silenceMs?: number;
  /** A subscribe unanswered this long → start over on a fresh socket (an ack was lost). */
  ackTimeoutMs?: number;
  backoff?: Backoff;
  now?: () => number;
}

/** A JSON number written exactly as this decimal text (v2 wants numbers; floats would round). */
export class WireNumber {
  readonly text: string;
  constructor(text: string) {
    if (!/^-?\d+(?:\.\d+)?$/.test(text)) throw new Error(`not a plain decimal: ${text}`);
    this.text = text;
  }
  toJSON(): string {
    return `\u0000${this.text}\u0000`;
  }
}

const WIRE_NUMBER = /"\\u0000(-?[\d.]+)\\u0000"/g;

/** JSON.stringify, with WireNumber values written as bare numbers. */
export function toWireJson(v: unknown): string {
  const s = JSON.stringify(v);
  return s.includes('\\u0000') ? s.replace(WIRE_NUMBER, '$1') : s;
}

export function subscriptionKey(s: SubscriptionSpec): string {
  const p = s.params ?? {};
  return `${s.channel}|${s.symbol ?? ''}|${String(p.depth ?? p.interval ?? '')}`;
}

export class KrakenSocket {
  private readonly opts: KrakenSocketOptions;
  private readonly now: () => number;
  private readonly backoff: Backoff;
  private ws: WebSocket | undefined;
  private generation = 0;
  private state: ConnectionState = 'idle';
  private readonly subs = new Map<string, Subscription>();
  private readonly waiting = new Map<number, { resolve: (r: WsResponse) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();
  private nextReqId = 1;
  private lastFrameAt = 0;
  private pingSentAt = new Map<number, number>();
  private watchdog: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private stopped = true;
  private liveWaiters: { resolve: () => void; reject: (e: Error) => void }[] = [];
  private openedOnce = false;
  private confirming = false;

  constructor(opts: KrakenSocketOptions) {
    this.opts = opts;
    this.now = opts.now ?? Date.now;
    this.backoff = opts.backoff ?? new Backoff({ baseMs: 250, maxMs: 15_000 });
  }

  get connectionState(): ConnectionState {
    return this.state;
  }

  get isOpen(): boolean {
    return this.ws?.readyState === WebSocket.OPEN && this.state !== 'connecting' && this.state !== 'authenticating';
  }

  get isLive(): boolean {
    return this.state === 'live';
  }

  /** Starts the connect loop; resolves the first time the socket is live. */
  start(): Promise<void> {
    const p = this.whenLive();
    if (this.stopped) {
      this.stopped = false;
      this.connect();
    }
    return p;
  }

  /** Resolves when live (now or next time); rejects if closed first. */
  whenLive(): Promise<void> {
    if (this.state === 'live') return Promise.resolve();
    return new Promise((resolve, reject) => this.liveWaiters.push({ resolve, reject }));
  }

  async close(): Promise<void> {
    this.stopped = true;
    this.generation++;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.stopWatchdog();
    this.failWaiting('socket closed', true);
    const ws = this.ws;
    this.ws = undefined;
    if (ws && ws.readyState !== WebSocket.CLOSED) {
      await new Promise<void>((resolve) => {
        ws.once('close', () => resolve());
        ws.terminate();
      });
    }
    this.setState('closed', 'closed by us');
    for (const w of this.liveWaiters.splice(0)) w.reject(new Error('socket closed'));
  }

  /** Adds a subscription (data); sent now if open, else on the next open. Idempotent. */
  subscribe(spec: SubscriptionSpec): string {
    const key = subscriptionKey(spec);
    if (this.subs.has(key)) return key;
    const sub: Subscription = { key, spec, state: 'pending', reqId: 0, sentAt: 0 };
    this.subs.set(key, sub);
    if (this.isOpen) this.sendSubscribe(sub);
    this.reportSubs();
    return key;
  }

  unsubscribe(key: string): void {
    const sub = this.subs.get(key);
    if (!sub) return;
    this.subs.delete(key);
    if (this.isOpen) this.sendRaw({ method: 'unsubscribe', params: this.subParams(sub.spec), req_id: this.reqId() });
    this.reportSubs();
  }

  /** Unsubscribes and subscribes again to get a fresh snapshot (book checksum mismatch). */
  resubscribe(key: string): void {
    const sub = this.subs.get(key);
    if (!sub) return;
    sub.state = 'pending';
    if (this.isOpen) {
      this.sendRaw({ method: 'unsubscribe', params: this.subParams(sub.spec), req_id: this.reqId() });
      this.sendSubscribe(sub);
    }
    this.reportSubs();
  }

  /** Drops the socket now and reconnects (after a protocol error we cannot recover from in place). */
  recycle(reason: string): void {
    const ws = this.ws;
    if (ws) this.dropped(ws, this.generation, reason);
  }

  /**
   * Sends a method call and resolves with the reply carrying its req_id. Rejects with
   * SocketRequestError: `sent: false` when it never left, `sent: true` when the reply was lost.
   */
  request(method: string, params: Record<string, unknown>, timeoutMs = 10_000): Promise<WsResponse> {
    const ws = this.ws;
    if (!ws || !this.isOpen) return Promise.reject(new SocketRequestError(`${method}: socket not open`, false));
    const reqId = this.reqId();
    return new Promise<WsResponse>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(reqId);
        reject(new SocketRequestError(`${method}: no reply in ${timeoutMs} ms`, true));
      }, timeoutMs);
      this.waiting.set(reqId, { resolve, reject, timer });
      ws.send(toWireJson({ method, params, req_id: reqId }), (err) => {
        if (err) {
          const w = this.waiting.get(reqId);
          if (w) {
            clearTimeout(w.timer);
            this.waiting.delete(reqId);
            // ws reports a send error once the socket is closing: the bytes may be gone or not.
            w.reject(new SocketRequestError(`${method}: ${err.message}`, true));
          }
        }
      });
    });
  }

  private reqId(): number {
    // Kraken wants int32 req_ids.
    const id = this.nextReqId;
    this.nextReqId = id >= 0x7ffffff0 ? 1 : id + 1;
    return id;
  }

  private setState(s: ConnectionState, reason: string): void {
    if (this.state === s) return;
    this.state = s;
    this.opts.reporter.state(s, reason);
    if (s === 'live') for (const w of this.liveWaiters.splice(0)) w.resolve();
  }

  private connect(): void {
    if (this.stopped) return;
    const gen = ++this.generation;
    this.setState(this.openedOnce ? 'reconnecting' : 'connecting', 'opening socket');
    const ws = new WebSocket(this.opts.url, { handshakeTimeout: 10_000, perMessageDeflate: false });
    this.ws = ws;
    ws.on('open', () => {
      if (gen !== this.generation) return;
      this.openedOnce = true;
      this.lastFrameAt = this.now();
      this.startWatchdog(ws, gen);
      void this.afterOpen(ws, gen);
    });
    ws.on('message', (data: WebSocket.RawData, isBinary: boolean) => {
      if (gen !== this.generation) return;
      this.onMessage(data, isBinary);
    });
    ws.on('close', (code: number, reason: Buffer) => {
      if (gen !== this.generation) return;
      if (code === WS_CLOSE_POLICY) {
        // Policy violation: the venue asks us not to come back on our own.
        this.stopped = true;
        this.teardown(`closed by venue with 1008 ${reason.toString()}`);
        this.setState('closed', `venue closed with 1008 (policy) ${reason.toString()}`);
        for (const w of this.liveWaiters.splice(0)) w.reject(new Error('venue closed the socket (1008)'));
        return;
      }
      this.dropped(ws, gen, `socket closed (${code}${reason.length ? ` ${reason.toString()}` : ''})`);
    });
    ws.on('error', (err: Error) => {
      if (gen !== this.generation) return;
      this.dropped(ws, gen, `socket error: ${err.message}`);
    });
  }

  private async afterOpen(ws: WebSocket, gen: number): Promise<void> {
    try {
      if (this.opts.onOpen) {
        this.setState('authenticating', 'socket open');
        await this.opts.onOpen();
        if (gen !== this.generation) return;
      }
      this.setState('subscribing', 'replaying subscriptions');
      for (const sub of this.subs.values()) {
        sub.state = 'pending';
        sub.reqId = 0;
      }
      for (const sub of this.subs.values()) this.sendSubscribe(sub);
      this.reportSubs();
      this.maybeConfirmed();
    } catch (e) {
      if (gen !== this.generation) return;
      this.dropped(ws, gen, `setup failed: ${(e as Error).message}`);
    }
  }

  private dropped(ws: WebSocket, gen: number, reason: string): void {
    if (gen !== this.generation || this.stopped) return;
    this.generation++;
    this.teardown(reason);
    ws.removeAllListeners('message');
    ws.on('error', () => undefined);
    ws.terminate();
    this.opts.reporter.reconnect();
    this.setState('reconnecting', reason);
    this.opts.onDown?.(reason);
    const delay = this.backoff.next();
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.connect();
    }, delay);
  }

  private teardown(reason: string): void {
    this.stopWatchdog();
    this.confirming = false;
    this.failWaiting(reason, true);
    for (const sub of this.subs.values()) sub.state = 'pending';
    this.reportSubs();
  }

  private failWaiting(reason: string, sent: boolean): void {
    for (const [id, w] of this.waiting) {
      clearTimeout(w.timer);
      w.reject(new SocketRequestError(reason, sent));
      this.waiting.delete(id);
    }
    this.pingSentAt.clear();
  }

  private startWatchdog(ws: WebSocket, gen: number): void {
    this.stopWatchdog();
    const every = this.opts.pingEveryMs ?? 5_000;
    const silence = this.opts.silenceMs ?? 15_000;
    const tick = Math.max(50, Math.min(every, silence / 3));
    let lastPing = this.now();
    this.watchdog = setInterval(() => {
      if (gen !== this.generation) return;
      const now = this.now();
      if (now - this.lastFrameAt > silence) {
        this.dropped(ws, gen, `no frame for ${now - this.lastFrameAt} ms`);
        return;
      }
      const ackTimeout = this.opts.ackTimeoutMs ?? 10_000;
      for (const sub of this.subs.values()) {
        if (sub.state === 'pending' && sub.sentAt > 0 && now - sub.sentAt > ackTimeout) {
          // Without its ack we cannot know what the venue holds (and a book would wait forever for its snapshot).
          this.dropped(ws, gen, `no ack for ${sub.key} in ${now - sub.sentAt} ms`);
          return;
        }
      }
      if (now - lastPing >= every && ws.readyState === WebSocket.OPEN) {
        lastPing = now;
        const id = this.reqId();
        this.pingSentAt.set(id, now);
        ws.send(JSON.stringify({ method: 'ping', req_id: id }));
      }
    }, tick);
  }

  private stopWatchdog(): void {
    if (this.watchdog) clearInterval(this.watchdog);
    this.watchdog = undefined;
  }

  private subParams(spec: SubscriptionSpec): Record<string, unknown> {
    const p: Record<string, unknown> = { channel: spec.channel, ...spec.params };
    if (spec.symbol !== undefined) p.symbol = [spec.symbol];
    if (this.opts.authParams) Object.assign(p, this.opts.authParams());
    return p;
  }

  private sendSubscribe(sub: Subscription): void {
    sub.reqId = this.reqId();
    sub.state = 'pending';
    sub.sentAt = this.now();
    this.sendRaw({ method: 'subscribe', params: this.subParams(sub.spec), req_id: sub.reqId });
  }

  private sendRaw(msg: object): void {
    const ws = this.ws;
    if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(msg));
  }

  private onMessage(data: WebSocket.RawData, isBinary: boolean): void {
    this.lastFrameAt = this.now();
    this.opts.reporter.message();
    if (isBinary) {
      this.opts.reporter.malformed('binary frame');
      return;
    }
    let f: unknown;
    try {
      f = readFrame(data.toString());
    } catch (e) {
      this.opts.reporter.malformed((e as Error).message);
      return;
    }
    if (typeof f !== 'object' || f === null || Array.isArray(f)) {
      this.opts.reporter.malformed('frame is not an object');
      return;
    }
    const o = f as Record<string, unknown>;
    const channel = o.channel;
    if (typeof channel === 'string') {
      if (channel === 'heartbeat') return;
      if (channel === 'status') {
        this.onStatus(o.data);
        return;
      }
      if (o.data === undefined) {
        this.opts.reporter.malformed(`${channel} frame without data`);
        return;
      }
      try {
        this.opts.onFrame(o as ChannelFrame);
      } catch (e) {
        if (e instanceof MalformedFrame) this.opts.reporter.malformed(`${channel}: ${e.message}`);
        else throw e;
      }
      return;
    }
    if (typeof o.method === 'string') {
      this.onReply(o as unknown as WsResponse);
      return;
    }
    this.opts.reporter.malformed('frame with neither channel nor method');
  }

  /** The venue's system status: anything but online is worth a line in diagnostics. */
  private onStatus(data: unknown): void {
    const d = Array.isArray(data) ? (data[0] as WsStatusData | undefined) : undefined;
    const system = d?.system;
    if (system !== undefined && system !== 'online') {
      this.opts.reporter.error({ kind: 'unavailable', code: `system:${system}`, message: `Kraken reports system ${system}`, at: this.now() });
    }
  }

  private onReply(r: WsResponse): void {
    const reqId = r.req_id === undefined ? undefined : Number(r.req_id);
    if (r.method === 'pong') {
      const sent = reqId === undefined ? undefined : this.pingSentAt.get(reqId);
      if (sent !== undefined && reqId !== undefined) {
        this.pingSentAt.delete(reqId);
        this.opts.reporter.pingRtt(this.now() - sent);
      }
      return;
    }
    if (r.method === 'subscribe') {
      this.onSubscribeAck(r, reqId);
      return;
    }
    if (r.method === 'unsubscribe') return;
    if (reqId === undefined) return;
    const w = this.waiting.get(reqId);
    if (!w) return;
    clearTimeout(w.timer);
    this.waiting.delete(reqId);
    w.resolve(r);
  }

  private onSubscribeAck(r: WsResponse, reqId: number | undefined): void {
    const result = r.result;
    const symbol = result && typeof result.symbol === 'string' ? result.symbol : undefined;
    for (const sub of this.subs.values()) {
      if (sub.reqId !== reqId || sub.state !== 'pending') continue;
      if (symbol !== undefined && sub.spec.symbol !== undefined && sub.spec.symbol !== symbol) continue;
      if (r.success === true) {
        sub.state = 'confirmed';
        delete sub.error;
      } else {
        // "Already subscribed" means the venue has it: that is a confirmation for us.
        const err = r.error ?? 'subscribe failed';
        if (/already subscribed/i.test(err)) sub.state = 'confirmed';
        else {
          sub.state = 'failed';
          sub.error = err;
          this.opts.reporter.error({ kind: 'invalid', code: err, message: `subscribe ${sub.key}: ${err}`, at: this.now() });
          this.opts.onSubscribeError?.(sub.key, err);
        }
      }
      break;
    }
    this.reportSubs();
    this.maybeConfirmed();
  }

  private reportSubs(): void {
    let pending = 0;
    let confirmed = 0;
    for (const s of this.subs.values()) {
      if (s.state === 'pending') pending++;
      else if (s.state === 'confirmed') confirmed++;
    }
    this.opts.reporter.subscriptions(pending, confirmed);
  }

  private maybeConfirmed(): void {
    if (this.state !== 'subscribing' && this.state !== 'live' && this.state !== 'degraded') return;
    const subs = [...this.subs.values()];
    if (subs.some((s) => s.state === 'pending')) return;
    if (this.state !== 'subscribing' || this.confirming) {
      // A later resubscribe confirmed: back to live unless something failed.
      if (this.state === 'degraded' && !subs.some((s) => s.state === 'failed')) this.setState('live', 'subscriptions confirmed');
      return;
    }
    this.confirming = true;
    const gen = this.generation;
    const finish = (): void => {
      if (gen !== this.generation) return;
      this.confirming = false;
      this.backoff.reset();
      const failed = subs.filter((s) => s.state === 'failed');
      if (failed.length > 0) this.setState('degraded', `${failed.length} subscription(s) refused: ${failed[0]!.error ?? ''}`);
      else this.setState('live', 'subscriptions confirmed');
      if (failed.length > 0) for (const w of this.liveWaiters.splice(0)) w.resolve();
    };
    if (!this.opts.onConfirmed) {
      finish();
      return;
    }
    this.opts.onConfirmed().then(finish, (e: unknown) => {
      if (gen !== this.generation) return;
      const ws = this.ws;
      if (ws) this.dropped(ws, gen, `after subscribing: ${(e as Error).message}`);
    });
  }
}
