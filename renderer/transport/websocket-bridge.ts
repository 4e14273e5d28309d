/**
 * The bridge over a WebSocket to the headless server: JSON frames `{id, method, params}` out,
 * `{id, result}` and `{topic, payload}` in. Reconnects with jittered backoff — a restarted app
 * on the same port and token is found again; requests made while the socket is down wait for
 * it (up to their timeout). A socket closed with TOKEN_REFUSED_CLOSE_CODE ends it for good:
 * the app was restarted with a new token, and retrying with this one can't help.
 */
import { TOKEN_REFUSED_CLOSE_CODE } from '../../common/bridge-close.js';
import type {
  BridgeFailure,
  MethodName,
  MethodRequest,
  MethodResults,
  Result,
  TopicName,
  TopicPayloads,
} from '../../electron/contract.js';
import type { LinkState, RendererBridge } from './link.js';

export interface SocketHandlers {
  open(): void;
  message(text: string): void;
  close(code: number, reason: string): void;
}

/** What the bridge needs of a socket; the browser's WebSocket is wrapped into it in bridge.ts. */
export interface SocketLike {
  send(text: string): void;
  close(): void;
}

/** Opens a socket; like the browser's, it reports through `handlers` only after it returns. */
export type OpenSocket = (url: string, handlers: SocketHandlers) => SocketLike;

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface WebSocketBridgeOptions {
  url: string;
  openSocket: OpenSocket;
  timers?: Timers;
  random?: () => number;
  /** How long a request may wait for its answer, queued time included. */
  requestTimeoutMs?: number;
  backoff?: { initialMs: number; maxMs: number };
}

interface Pending {
  resolve(result: Result<unknown>): void;
  text: string;
  sent: boolean;
  timer: unknown;
}

type Listener = (payload: never) => void;

const defaultTimers: Timers = {
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof globalThis.setTimeout>),
};

const REFUSED_MESSAGE = "the app refused this tab's access token";

function failure(code: BridgeFailure['code'], message: string): BridgeFailure {
  return { ok: false, code, message };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isResult(v: unknown): v is Result<unknown> {
  return isRecord(v) && typeof v.ok === 'boolean';
}

export class WebSocketBridge implements RendererBridge {
  readonly transport = 'websocket' as const;

  private readonly timers: Timers;
  private readonly random: () => number;
  private readonly requestTimeoutMs: number;
  private readonly backoff: { initialMs: number; maxMs: number };

  private socket: SocketLike | undefined;
  private state: LinkState = 'connecting';
  private attempt = 0;
  private reconnectTimer: unknown;
  private generation = 0;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly topics = new Map<TopicName, Set<Listener>>();
  private readonly linkListeners = new Set<(state: LinkState) => void>();

  constructor(private readonly options: WebSocketBridgeOptions) {
    this.timers = options.timers ?? defaultTimers;
    this.random = options.random ?? Math.random;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
    this.backoff = options.backoff ?? { initialMs: 250, maxMs: 10_000 };
    this.connect();
  }

  link(): LinkState {
    return this.state;
  }

  onLink(listener: (state: LinkState) => void): () => void {
    this.linkListeners.add(listener);
    return () => this.linkListeners.delete(listener);
  }

  invoke<M extends MethodName>(method: M, request: MethodRequest<M>): Promise<Result<MethodResults[M]>> {
    if (this.state === 'closed') return Promise.resolve(failure('unavailable', 'bridge closed'));
    if (this.state === 'refused') return Promise.resolve(failure('unavailable', REFUSED_MESSAGE));
    const id = this.nextId++;
    const text = JSON.stringify({ id, method, params: request });
    return new Promise<Result<MethodResults[M]>>((resolve) => {
      const entry: Pending = {
        // The server validated the request and answers with this method's Result; receive() checks it is a Result.
        resolve: resolve as (result: Result<unknown>) => void,
        text,
        sent: false,
        timer: this.timers.setTimeout(() => {
          this.pending.delete(id);
          resolve(
            entry.sent
              ? failure('unknown-outcome', `${method}: no answer in ${this.requestTimeoutMs} ms`)
              : failure('unavailable', `${method}: bridge not connected`),
          );
        }, this.requestTimeoutMs),
      };
      this.pending.set(id, entry);
      if (this.state === 'open') this.send(entry);
    });
  }

  subscribe<T extends TopicName>(topic: T, listener: (payload: TopicPayloads[T]) => void): () => void {
    let set = this.topics.get(topic);
    if (!set) this.topics.set(topic, (set = new Set()));
    set.add(listener as Listener);
    return () => set.delete(listener as Listener);
  }

  close(): void {
    if (this.state === 'closed' || this.state === 'refused') return;
    this.setState('closed');
    this.timers.clearTimeout(this.reconnectTimer);
    this.generation += 1;
    this.socket?.close();
    this.socket = undefined;
    for (const [id, entry] of this.pending) {
      this.pending.delete(id);
      this.timers.clearTimeout(entry.timer);
      entry.resolve(failure(entry.sent ? 'unknown-outcome' : 'unavailable', 'bridge closed'));
    }
  }

  private connect(): void {
    // Handlers ignore events of a socket we already replaced or closed.
    const generation = ++this.generation;
    const isCurrent = () => generation === this.generation && this.socket !== undefined;
    this.socket = this.options.openSocket(this.options.url, {
      open: () => {
        if (!isCurrent()) return;
        this.attempt = 0;
        this.setState('open');
        for (const entry of this.pending.values()) if (!entry.sent) this.send(entry);
      },
      message: (text) => {
        if (isCurrent()) this.receive(text);
      },
      close: (code) => {
        if (!isCurrent()) return;
        this.socket = undefined;
        if (code === TOKEN_REFUSED_CLOSE_CODE) this.refused();
        else this.dropped();
      },
    });
  }

  /** The server had no session for this socket, so nothing sent on it was carried out. */
  private refused(): void {
    if (this.state === 'closed' || this.state === 'refused') return;
    this.generation += 1;
    this.setState('refused');
    for (const [id, entry] of this.pending) {
      this.pending.delete(id);
      this.timers.clearTimeout(entry.timer);
      entry.resolve(failure('unavailable', REFUSED_MESSAGE));
    }
  }

  private dropped(): void {
    if (this.state === 'closed' || this.state === 'refused') return;
    // Sent requests may or may not have been carried out: say so rather than guess.
    for (const [id, entry] of this.pending) {
      if (!entry.sent) continue;
      this.pending.delete(id);
      this.timers.clearTimeout(entry.timer);
      entry.resolve(failure('unknown-outcome', 'connection lost before the answer'));
    }
    this.setState('reconnecting');
    const ceiling = Math.min(this.backoff.maxMs, this.backoff.initialMs * 2 ** this.attempt);
    this.attempt += 1;
    // Full jitter, with a floor so a flapping server is not hammered.
    const delay = this.backoff.initialMs / 2 + this.random() * (ceiling - this.backoff.initialMs / 2);
    this.reconnectTimer = this.timers.setTimeout(() => {
      if (this.state === 'reconnecting') this.connect();
    }, delay);
  }

  private send(entry: Pending): void {
    entry.sent = true;
    this.socket?.send(entry.text);
  }

  private receive(text: string): void {
    let frame: unknown;
    try {
      frame = JSON.parse(text);
    } catch {
      return; // not ours to crash on; the server logs its own frames
    }
    if (!isRecord(frame)) return;
    if (typeof frame.id === 'number' && isResult(frame.result)) {
      const entry = this.pending.get(frame.id);
      if (!entry) return;
      this.pending.delete(frame.id);
      this.timers.clearTimeout(entry.timer);
      entry.resolve(frame.result);
      return;
    }
    if (typeof frame.topic === 'string' && 'payload' in frame) {
      const set = this.topics.get(frame.topic as TopicName);
      if (!set) return;
      for (const listener of [...set]) (listener as (payload: unknown) => void)(frame.payload);
    }
  }

  private setState(state: LinkState): void {
    if (this.state === state) return;
    this.state = state;
    for (const listener of [...this.linkListeners]) listener(state);
  }
}
