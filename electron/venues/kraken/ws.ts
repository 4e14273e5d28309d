/**
 * One owner per Kraken WS v2 socket: connects, keeps the ping watchdog, reconnects with
 * jittered backoff, and holds subscriptions as data (pending until acked by req_id,
 * replayed after every reconnect). Everyone else sends it commands and gets frames back.
 */
import WebSocket from 'ws';
import type { ConnectionState, VenueErrorInfo } from '../../../common/domain.js';
import type { BackoffOptions } from '../../net/backoff.js';
import { ReconnectLoop } from '../../net/reconnecting.js';
import { SILENT_TAP, wallClock } from '../../net/wire-tap.js';
import type { WireTap } from '../../net/wire-tap.js';
import type { ConnectionReporter } from '../venue.js';
import {
  ACK_TIMEOUT_MS,
  MAX_FRAME_CHARS,
  SUBSCRIBED_SILENCE_MS,
  SUBSCRIBE_RETRY_MS,
  SYSTEM_STATES,
  UNSUBSCRIBED_SILENCE_MS,
  WATCHDOG_TICK_MS,
  WS_CLOSE_POLICY,
} from './constants.js';
import type { WsResponse } from './messages.js';
import { MalformedFrame, isText, nativeOf, readFrame, rfc3339Ms, wholeNumber } from './parse.js';

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
  /** When the pending subscribe went out, or when it failed (wall clock ms). */
  sentAt: number;
  error?: string;
}

/** What a channel frame's owner (feeds, order entry) is handed; everything else the socket checks itself. */
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

/**
 * What the socket needs of a WebSocket: `ws` itself, or the replay's socket that serves a
 * recorded session (recording/replay-kraken.ts).
 */
export interface SocketLike {
  readonly readyState: number;
  on(event: 'open', listener: () => void): unknown;
  on(event: 'message', listener: (data: WebSocket.RawData, isBinary: boolean) => void): unknown;
  on(event: 'close', listener: (code: number, reason: Buffer) => void): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
  once(event: 'close', listener: () => void): unknown;
  removeAllListeners(event: 'message'): unknown;
  send(data: string, cb?: (err?: Error) => void): void;
  terminate(): void;
}

export type SocketFactory = (url: string, options: WebSocket.ClientOptions) => SocketLike;

const openWebSocket: SocketFactory = (url, options) => new WebSocket(url, options);

export interface KrakenSocketOptions {
  url: string;
  /** How the socket is opened; default `new WebSocket` (replay: a recorded session). */
  createSocket?: SocketFactory;
  /** Every frame in and out (net/wire-tap.ts), under `connection` ('public', 'private'). */
  wire?: { tap: WireTap; connection: string };
  /** Roots to trust instead of Node's (trust.ts trustedRoots: Node's plus an extra one). */
  ca?: string[];
  reporter: ConnectionReporter;
  onFrame: (f: ChannelFrame) => void;
  /** After open, before subscriptions are replayed (private: fetch a token). Rejecting closes and retries. */
  onOpen?: () => Promise<void>;
  /** When every subscription is acked (private: reconcile orders); `live` is reported after it. */
  onConfirmed?: () => Promise<void>;
  /** Lost connection; called before reconnecting. */
  onDown?: (reason: string) => void;
  /**
   * A subscription was refused, or not answered within ackTimeoutMs (private: a stale token
   * means reconnect with a fresh one). It is asked for again later; the socket stays healthy.
   */
  onSubscribeError?: (key: string, err: VenueErrorInfo) => void;
  /** Extra params of every subscribe/unsubscribe (the private token). */
  authParams?: () => Record<string, unknown>;
  pingEveryMs?: number;
  /**
   * No frame for this long → the socket is dead; reconnect. Default: 2.5 heartbeats once
   * anything is subscribed (SUBSCRIBED_SILENCE_MS), UNSUBSCRIBED_SILENCE_MS before.
   */
  silenceMs?: number;
  /** A subscribe unanswered this long has failed: reported, retried after SUBSCRIBE_RETRY_MS. */
  ackTimeoutMs?: number;
  backoff?: BackoffOptions;
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
  private readonly loop: ReconnectLoop;
  private ws: SocketLike | undefined;
  /** The attempt the socket in `ws` belongs to (the loop's generation moves on when it is released). */
  private wsGen = 0;
  private readonly tap: WireTap;
  private readonly connection: string;
  private readonly subs = new Map<string, Subscription>();
  private readonly waiting = new Map<number, { resolve: (r: WsResponse) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();
  private nextReqId = 1;
  private lastFrameAt = 0;
  private pingSentAt = new Map<number, number>();
  private watchdog: NodeJS.Timeout | undefined;
  private liveWaiters: { resolve: () => void; reject: (e: Error) => void }[] = [];
  private openedOnce = false;
  private confirming = false;
  private skew = 0;

  constructor(opts: KrakenSocketOptions) {
    this.opts = opts;
    this.now = opts.now ?? Date.now;
    this.tap = opts.wire?.tap ?? SILENT_TAP;
    this.connection = opts.wire?.connection ?? 'ws';
    this.loop = new ReconnectLoop({
      reporter: opts.reporter,
      now: this.now,
      backoff: opts.backoff ?? { baseMs: 250, maxMs: 15_000 },
      // Live means every subscription was answered: that alone proves the connection.
      stableMs: 0,
      manualStart: true,
      open: (gen) => this.connect(gen),
      release: () => {
        const ws = this.ws;
        this.ws = undefined;
        if (ws) {
          // Our side ends the connection: told apart from the venue closing it (replay waits for it).
          if (this.tap.active) this.tapClosing();
          ws.removeAllListeners('message');
          ws.on('error', () => undefined);
          ws.terminate();
        }
      },
      watchdog: { start: () => this.startWatchdog(), stop: () => this.stopWatchdog() },
    });
  }

  private get state(): ConnectionState {
    return this.loop.state;
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

  /** The venue's clock minus ours (ms), from the last pong's time_out; 0 until measured. */
  get clockSkewMs(): number {
    return this.skew;
  }

  /** Starts the connect loop; resolves the first time the socket is live. */
  start(): Promise<void> {
    const p = this.whenLive();
    if (this.loop.stopped) this.loop.start();
    return p;
  }

  /** Resolves when live (now or next time); rejects if closed first. */
  whenLive(): Promise<void> {
    if (this.state === 'live') return Promise.resolve();
    return new Promise((resolve, reject) => this.liveWaiters.push({ resolve, reject }));
  }

  async close(): Promise<void> {
    // Taken before the loop lets go, so close() can wait for it to end.
    const ws = this.ws;
    this.ws = undefined;
    this.loop.stop();
    this.failWaiting('socket closed', true);
    if (ws && ws.readyState !== WebSocket.CLOSED) {
      if (this.tap.active) this.tapClosing();
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
    if (this.ws) this.dropped(this.loop.generation, reason);
  }

  /** State built from this socket is being rebuilt (a book resync): degraded until every subscription is acked again. */
  degrade(reason: string): void {
    if (this.state === 'live') this.setState('degraded', reason);
  }

  /** The rebuild finished (orders reconciled): live again, if nothing is pending. */
  restore(reason: string): void {
    if (this.state === 'degraded' && ![...this.subs.values()].some((s) => s.state === 'pending')) this.setState('live', reason);
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
      const text = toWireJson({ method, params, req_id: reqId });
      if (this.tap.active) this.tapOut(text, method);
      ws.send(text, (err) => {
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
    this.loop.setState(s, reason);
    if (s === 'live') for (const w of this.liveWaiters.splice(0)) w.resolve();
  }

  private connect(gen: number): void {
    this.setState(this.openedOnce ? 'reconnecting' : 'connecting', 'opening socket');
    const ws = (this.opts.createSocket ?? openWebSocket)(this.opts.url, {
      handshakeTimeout: 10_000,
      perMessageDeflate: false,
      ...(this.opts.ca ? { ca: this.opts.ca } : {}),
    });
    this.ws = ws;
    this.wsGen = gen;
    ws.on('open', () => {
      if (this.tap.active) this.tapEvent('open', gen);
      if (!this.loop.isCurrent(gen)) return;
      this.openedOnce = true;
      this.lastFrameAt = this.now();
      this.loop.connected();
      void this.afterOpen(gen);
    });
    ws.on('message', (data: WebSocket.RawData, isBinary: boolean) => {
      if (this.tap.active) this.tapIn(data, isBinary, gen);
      if (!this.loop.isCurrent(gen)) return;
      this.onMessage(data, isBinary);
    });
    ws.on('close', (code: number, reason: Buffer) => {
      if (this.tap.active) this.tapEvent('close', gen, { code, detail: reason.toString() });
      if (!this.loop.isCurrent(gen)) return;
      if (code === WS_CLOSE_POLICY) {
        // Policy violation: the venue asks us not to come back on our own.
        this.loop.stop();
        this.teardown(`closed by venue with 1008 ${reason.toString()}`);
        this.setState('closed', `venue closed with 1008 (policy) ${reason.toString()}`);
        for (const w of this.liveWaiters.splice(0)) w.reject(new Error('venue closed the socket (1008)'));
        return;
      }
      this.dropped(gen, `socket closed (${code}${reason.length ? ` ${reason.toString()}` : ''})`);
    });
    ws.on('error', (err: Error) => {
      if (this.tap.active) this.tapEvent('error', gen, { code: (err as { code?: string }).code ?? 'error', detail: err.message });
      if (!this.loop.isCurrent(gen)) return;
      this.dropped(gen, `socket error: ${err.message}`);
    });
  }

  private async afterOpen(gen: number): Promise<void> {
    try {
      if (this.opts.onOpen) {
        this.setState('authenticating', 'socket open');
        await this.opts.onOpen();
        if (!this.loop.isCurrent(gen)) return;
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
      this.dropped(gen, `setup failed: ${(e as Error).message}`);
    }
  }

  /** The connection of attempt `gen` is lost: everything built on it is failed, and the loop tries again. */
  private dropped(gen: number, reason: string): void {
    if (!this.loop.isCurrent(gen)) return;
    this.loop.release();
    this.teardown(reason);
    this.loop.retry(reason);
    try {
      this.opts.onDown?.(reason);
    } catch (e) {
      this.opts.reporter.error({ kind: 'internal', code: 'on-down', message: `cleanup after a drop failed: ${e instanceof Error ? e.name : 'throw'}`, at: this.now() });
    }
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

  /** Started by the loop once the socket of the current attempt is open. */
  private startWatchdog(): void {
    this.stopWatchdog();
    const ws = this.ws;
    const gen = this.loop.generation;
    if (!ws) return;
    const every = this.opts.pingEveryMs ?? 5_000;
    const fixed = this.opts.silenceMs;
    const tick = Math.max(20, Math.min(every, (fixed ?? SUBSCRIBED_SILENCE_MS) / 5, WATCHDOG_TICK_MS));
    const ackTimeout = this.opts.ackTimeoutMs ?? ACK_TIMEOUT_MS;
    let lastPing = this.now();
    this.watchdog = setInterval(() => {
      if (!this.loop.isCurrent(gen)) return;
      try {
        const now = this.now();
        // Heartbeats flow once anything is confirmed: then a short silence already means a dead socket.
        const silence = fixed ?? (this.anyConfirmed() ? SUBSCRIBED_SILENCE_MS : UNSUBSCRIBED_SILENCE_MS);
        if (now - this.lastFrameAt > silence) {
          this.dropped(gen, `no frame for ${now - this.lastFrameAt} ms`);
          return;
        }
        let changed = false;
        for (const sub of this.subs.values()) {
          if (sub.state === 'pending' && sub.sentAt > 0 && now - sub.sentAt > ackTimeout) {
            // Never answered: fail this one key; the others and the socket carry on.
            this.failSub(sub, { kind: 'unavailable', code: 'no-ack', message: `subscribe ${sub.key}: no answer in ${ackTimeout} ms`, at: now });
            changed = true;
          } else if (sub.state === 'failed' && now - sub.sentAt > SUBSCRIBE_RETRY_MS && this.isOpen) {
            this.sendSubscribe(sub);
            changed = true;
          }
        }
        if (changed) {
          this.reportSubs();
          this.maybeConfirmed();
        }
        if (now - lastPing >= every && ws.readyState === WebSocket.OPEN) {
          lastPing = now;
          const id = this.reqId();
          this.pingSentAt.set(id, now);
          const text = JSON.stringify({ method: 'ping', req_id: id });
          if (this.tap.active) this.tapOut(text, 'ping');
          ws.send(text);
        }
      } catch (e) {
        this.dropped(gen, `watchdog failed: ${e instanceof Error ? e.name : 'throw'}`);
      }
    }, tick);
  }

  private anyConfirmed(): boolean {
    for (const s of this.subs.values()) if (s.state === 'confirmed') return true;
    return false;
  }

  private failSub(sub: Subscription, err: VenueErrorInfo): void {
    sub.state = 'failed';
    sub.error = err.message;
    sub.sentAt = err.at;
    this.opts.reporter.error(err);
    this.opts.onSubscribeError?.(sub.key, err);
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

  private sendRaw(msg: { method: string; [k: string]: unknown }): void {
    const ws = this.ws;
    if (ws && ws.readyState === WebSocket.OPEN) {
      const text = JSON.stringify(msg);
      if (this.tap.active) this.tapOut(text, msg.method);
      ws.send(text);
    }
  }

  // Taps: called only while someone listens (net/wire-tap.ts), so they may allocate.
  private tapOut(text: string, channel: string): void {
    this.tap.emit({ venue: 'kraken', connection: this.connection, channel, dir: 'out', kind: 'frame', at: wallClock(), text, call: this.wsGen });
  }

  private tapIn(data: WebSocket.RawData, isBinary: boolean, gen: number): void {
    const at = wallClock();
    const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
    if (isBinary) this.tap.emit({ venue: 'kraken', connection: this.connection, dir: 'in', kind: 'frame', at, bytes: buf, call: gen });
    else this.tap.emit({ venue: 'kraken', connection: this.connection, dir: 'in', kind: 'frame', at, text: buf.toString(), call: gen });
  }

  private tapClosing(): void {
    this.tap.emit({ venue: 'kraken', connection: this.connection, dir: 'out', kind: 'close', at: wallClock(), call: this.wsGen });
  }

  private tapEvent(kind: 'open' | 'close' | 'error', gen: number, status?: { code: number | string; detail: string }): void {
    this.tap.emit({ venue: 'kraken', connection: this.connection, dir: 'in', kind, at: wallClock(), call: gen, ...(status ? { status } : {}) });
  }

  /**
   * The one place a frame is handled: anything thrown while handling it is caught here, so no
   * frame can end the process. A contract break (MalformedFrame) is counted with the frame and
   * skipped; any other exception is a fault of ours on an unexpected frame: counted the same,
   * and the socket starts over so no half-applied state survives.
   */
  private onMessage(data: WebSocket.RawData, isBinary: boolean): void {
    this.lastFrameAt = this.now();
    this.opts.reporter.message(rawSize(data));
    let text: string | undefined;
    try {
      if (isBinary) throw new MalformedFrame('binary frame');
      text = data.toString();
      if (text.length > MAX_FRAME_CHARS) throw new MalformedFrame(`frame larger than ${MAX_FRAME_CHARS} characters`);
      this.handle(text);
    } catch (e) {
      if (e instanceof MalformedFrame) {
        this.opts.reporter.malformed(e.message, text);
        return;
      }
      this.opts.reporter.malformed(`unexpected ${e instanceof Error ? e.name : 'throw'} while handling a frame`, text);
      this.recycle('a frame could not be handled');
    }
  }

  private handle(text: string): void {
    const f = readFrame(text);
    if (typeof f !== 'object' || f === null || Array.isArray(f)) throw new MalformedFrame('frame is not an object');
    const o = f as Record<string, unknown>;
    const channel = o.channel;
    if (typeof channel === 'string') {
      const native = nativeOf(o);
      if (native !== o && !isText(native, 'channel')) throw new MalformedFrame('channel is not a string');
      if (channel === 'heartbeat') return;
      if (channel === 'status') {
        this.onStatus(o.data);
        return;
      }
      if (o.data === undefined) throw new MalformedFrame('channel frame without data');
      if (o.type !== 'snapshot' && o.type !== 'update') throw new MalformedFrame('channel frame type is neither snapshot nor update');
      this.opts.onFrame(o as ChannelFrame);
      return;
    }
    if (channel !== undefined) throw new MalformedFrame('channel is not a string');
    if (isText(nativeOf(o), 'method')) {
      this.onReply(checkReply(o));
      return;
    }
    throw new MalformedFrame('frame with neither channel nor method');
  }

  /** The venue's system status: anything but online is worth a line in diagnostics. */
  private onStatus(data: unknown): void {
    // Values compared with documented strings: a number read as text cannot pass for one of them.
    if (!Array.isArray(data) || data.length === 0) throw new MalformedFrame('status data is not a non-empty array');
    for (const d of data as unknown[]) {
      if (typeof d !== 'object' || d === null) throw new MalformedFrame('status entry is not an object');
      const system = (d as { system?: unknown }).system;
      if (typeof system !== 'string' || !SYSTEM_STATES.has(system)) throw new MalformedFrame('status system is not a documented value');
    }
    const system = (data[0] as { system: string }).system;
    if (system !== 'online') {
      this.opts.reporter.error({ kind: 'unavailable', code: `system:${system}`, message: `Kraken reports system ${system}`, at: this.now() });
    }
  }

  private onReply(r: WsResponse): void {
    const reqId = r.req_id === undefined ? undefined : Number(r.req_id);
    if (r.method === 'pong') {
      const sent = reqId === undefined ? undefined : this.pingSentAt.get(reqId);
      if (sent !== undefined && reqId !== undefined) {
        this.pingSentAt.delete(reqId);
        const now = this.now();
        this.opts.reporter.pingRtt(now - sent);
        // The venue stamps when it answered: its clock minus ours, at the middle of the round trip.
        if (r.time_out !== undefined) {
          this.skew = Math.round(rfc3339Ms(r.time_out) - (sent + now) / 2);
          this.opts.reporter.clockSkew(this.skew);
        }
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
        // An ack with success missing or not a boolean counts as a refusal (doc §4.3).
        const err = r.error ?? 'subscribe failed';
        if (/already subscribed/i.test(err)) sub.state = 'confirmed';
        else this.failSub(sub, { kind: 'invalid', code: err, message: `subscribe ${sub.key}: refused by Kraken`, at: this.now() });
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
      // A later resubscribe was answered: back to live.
      if (this.state === 'degraded') this.setState('live', 'subscriptions answered');
      return;
    }
    this.confirming = true;
    const gen = this.loop.generation;
    const finish = (): void => {
      if (!this.loop.isCurrent(gen)) return;
      this.confirming = false;
      // A refused key is that key's failure (reported to its owner), not the connection's.
      this.setState('live', 'subscriptions answered');
    };
    if (!this.opts.onConfirmed) {
      finish();
      return;
    }
    this.opts.onConfirmed().then(finish, (e: unknown) => {
      this.dropped(gen, `after subscribing: ${(e as Error).message}`);
    });
  }
}

/** A method reply checked against doc §4.1 before anything reads it. */
function checkReply(o: Record<string, unknown>): WsResponse {
  const native = nativeOf(o);
  if (o.success !== undefined && typeof o.success !== 'boolean') throw new MalformedFrame('reply success is not a boolean');
  if (o.error !== undefined && !isText(native, 'error')) throw new MalformedFrame('reply error is not a string');
  if (o.req_id !== undefined) wholeNumber(o.req_id, 'reply req_id');
  if (o.result !== undefined && (typeof o.result !== 'object' || o.result === null)) throw new MalformedFrame('reply result is not an object');
  for (const k of ['time_in', 'time_out'] as const) {
    if (o[k] === undefined) continue;
    if (!isText(native, k)) throw new MalformedFrame(`reply ${k} is not a string`);
    rfc3339Ms(o[k] as string);
  }
  const w = native.warnings;
  if (w !== undefined && !(Array.isArray(w) && w.every((x) => typeof x === 'string'))) throw new MalformedFrame('reply warnings are not strings');
  return o as unknown as WsResponse;
}

/** A frame's size in bytes as `ws` handed it over (one buffer, fragments, or an ArrayBuffer): no copy. */
function rawSize(data: WebSocket.RawData): number {
  if (Array.isArray(data)) return data.reduce((n, b) => n + b.length, 0);
  return data instanceof ArrayBuffer ? data.byteLength : data.length;
}
