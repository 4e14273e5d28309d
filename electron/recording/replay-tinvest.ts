/**
 * Replays a T-Invest recording through the real adapter (createTInvestVenue) with the gRPC
 * channel replaced by one that serves the file (openChannel): no network is opened.
 *
 * Unary calls: the n-th call of a method gets the n-th recorded call of it, its headers, answer
 * bytes (through the adapter's own deserializer) and status at their recorded offsets. Streams
 * (market data per shard, order state): each call of the adapter gets the next recorded call of
 * that connection, whose frames are served in recorded order; a recorded request is a gate,
 * matched by its payload field (subscribe candles, books…), not by bytes, and market-data pings
 * never gate (the adapter's own timing). A call our side ended (cancel, end) waits for the
 * adapter to end it; one the venue ended is ended with the recorded status and trailers.
 */
import { EventEmitter } from 'node:events';
import { Metadata, status as grpcStatus } from '@grpc/grpc-js';
import type { Client, StatusObject } from '@grpc/grpc-js';
import { createTInvestVenue } from '../venues/tinvest/adapter.js';
import type { TInvestVenueOptions } from '../venues/tinvest/adapter.js';
import type { GrpcChannel } from '../venues/tinvest/channel.js';
import { APP_CONNECTION } from './command-tap.js';
import { EventLog } from './event-log.js';
import type { Recording, RecordedEvent } from './format.js';
import { ReplayClock, sleep, waitUntil } from './replay-clock.js';
import { driveCommands } from './replay-driver.js';
import type { ReplayReport } from './replay-driver.js';

/** MarketDataRequest.ping (proto/marketdata.proto): the stream's keep-alive, never a gate. */
const MARKETDATA_PING_FIELD = 7;

export interface TInvestReplayOptions {
  speed?: number;
  /** The adapter options the session ran with that shape its timing (ping delay, trading timeouts). */
  adapter?: Pick<TInvestVenueOptions, 'pingDelayMs' | 'trading' | 'reconnect' | 'fillRetry' | 'maxSubscriptionsPerStream' | 'closeGraceMs' | 'accountId'>;
  stallMs?: number;
  sink?: EventLog;
}

type Serialize = (v: unknown) => Buffer;
type Deserialize = (b: Buffer) => unknown;
type Callback = (err: Error | null, value?: unknown) => void;

function metadataOf(text: string | undefined): Metadata {
  const md = new Metadata();
  if (!text) return md;
  try {
    const o: unknown = JSON.parse(text);
    if (typeof o === 'object' && o !== null) for (const [k, v] of Object.entries(o)) if (typeof v === 'string') md.set(k, v);
  } catch {
    // Unreadable trailers: the call ends without them.
  }
  return md;
}

function statusOf(ev: RecordedEvent): StatusObject {
  const code = typeof ev.status?.code === 'number' ? ev.status.code : grpcStatus.UNKNOWN;
  return { code, details: ev.status?.detail ?? '', metadata: metadataOf(ev.text) };
}

function serviceError(st: StatusObject): Error {
  return Object.assign(new Error(`${st.code} ${grpcStatus[st.code] ?? ''}: ${st.details}`), { code: st.code, details: st.details, metadata: st.metadata });
}

/** The payload field of a serialized request (its first tag): what a gate matches. */
function fieldOf(bytes: Uint8Array | undefined): number {
  if (!bytes || bytes.length === 0) return 0;
  let tag = 0;
  let shift = 0;
  for (let i = 0; i < bytes.length && i < 5; i++) {
    const b = bytes[i]!;
    tag |= (b & 0x7f) << shift;
    if ((b & 0x80) === 0) break;
    shift += 7;
  }
  return tag >>> 3;
}

/** One recorded call played to the adapter: a unary call, a server stream or a bidi stream. */
class ReplayCall extends EventEmitter {
  private readonly sent: number[] = [];
  private cancelled = false;
  private halfClosed = false;
  private done = false;
  /** Recording time of the next event not yet played (Infinity when done). */
  cursorT: number;
  lag = 0;

  constructor(
    private readonly events: readonly RecordedEvent[],
    private readonly clock: ReplayClock,
    private readonly divergences: string[],
    private readonly name: string,
    private readonly stallMs: number,
    private readonly serialize: Serialize,
    private readonly deserialize: Deserialize,
    private readonly callback?: Callback,
  ) {
    super();
    this.cursorT = events[0]?.t ?? Infinity;
    this.lag = Math.max(0, clock.recNow() - this.cursorT);
    setImmediate(() => void this.play());
  }

  /** A request the adapter sends (the unary request and a server stream's are sent at creation). */
  send(req: unknown): void {
    this.sent.push(fieldOf(this.serialize(req)));
  }

  write(req: unknown): boolean {
    this.send(req);
    return true;
  }

  end(): void {
    this.halfClosed = true;
  }

  cancel(): void {
    if (this.cancelled || this.done) return;
    this.cancelled = true;
    const st: StatusObject = { code: grpcStatus.CANCELLED, details: 'Cancelled on client', metadata: new Metadata() };
    setImmediate(() => this.finish(st));
  }

  getPeer(): string {
    return 'replay';
  }

  private finish(st: StatusObject, value?: unknown): void {
    if (this.done) return;
    this.done = true;
    this.cursorT = Infinity;
    if (this.callback) {
      if (st.code === grpcStatus.OK) this.callback(null, value);
      else this.callback(serviceError(st));
    } else if (st.code !== grpcStatus.OK) this.emit('error', serviceError(st));
    this.emit('status', st);
  }

  private async play(): Promise<void> {
    let value: unknown;
    for (let i = 0; i < this.events.length; i++) {
      const ev = this.events[i]!;
      this.cursorT = ev.t;
      if (this.cancelled || this.done) return;
      if (ev.dir === 'out') {
        if (ev.kind === 'close') {
          if (!(await waitUntil(() => this.cancelled || this.halfClosed || this.done, this.stallMs))) this.divergences.push(`${this.name}: the adapter kept a call the recording ended`);
          continue;
        }
        if (ev.kind !== 'frame') continue;
        const field = fieldOf(ev.bytes);
        if (this.name.startsWith('marketdata') && field === MARKETDATA_PING_FIELD) continue;
        const matched = await waitUntil(() => {
          const k = this.sent.indexOf(field);
          if (k >= 0) this.sent.splice(k, 1);
          return k >= 0 || this.cancelled;
        }, this.stallMs);
        if (!matched) this.divergences.push(`${this.name}: the adapter never sent a request of field ${field}`);
        this.lag = Math.max(this.lag, this.clock.recNow() - ev.t);
        continue;
      }
      await this.clock.until(ev.t + this.lag);
      if (this.cancelled || this.done) return;
      if (ev.kind === 'open') this.emit('metadata', metadataOf(ev.text));
      else if (ev.kind === 'frame') {
        value = this.deliver(ev);
        for (let next = this.events[i + 1]; next?.joined && next.dir === 'in' && next.kind === 'frame'; next = this.events[i + 1]) {
          i++;
          value = this.deliver(next);
        }
      } else if (ev.kind === 'close') {
        this.finish(statusOf(ev), value);
        return;
      }
    }
    // The recording ended with the call open: it stays open until the adapter ends it.
    this.cursorT = Infinity;
  }

  private deliver(ev: RecordedEvent): unknown {
    let msg: unknown;
    try {
      msg = this.deserialize(Buffer.from(ev.bytes ?? new Uint8Array()));
    } catch {
      // grpc-js fails the call then; the recorded close that follows says how.
      return undefined;
    }
    if (!this.callback) this.emit('data', msg);
    return msg;
  }
}

/** Recorded calls by connection, each call's events in order, calls in the order they opened. */
function callsOf(events: readonly RecordedEvent[]): Map<string, RecordedEvent[][]> {
  const byKey = new Map<string, RecordedEvent[]>();
  for (const e of events) {
    if (e.connection === APP_CONNECTION) continue;
    const k = `${e.connection}|${e.call ?? 0}`;
    let a = byKey.get(k);
    if (!a) byKey.set(k, (a = []));
    a.push(e);
  }
  const out = new Map<string, RecordedEvent[][]>();
  for (const calls of byKey.values()) {
    const first = calls[0]!;
    // Unary calls are matched per method; streams per connection.
    const key = first.connection === 'unary' ? `unary|${first.channel ?? ''}` : first.connection;
    let list = out.get(key);
    if (!list) out.set(key, (list = []));
    list.push(calls);
  }
  return out;
}

function methodOf(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

export async function replayTInvest(rec: Recording, opts: TInvestReplayOptions = {}): Promise<ReplayReport> {
  const clock = new ReplayClock(rec.header.started, opts.speed ?? 1);
  const stallMs = opts.stallMs ?? 15_000;
  const divergences: string[] = [];
  const sink = opts.sink ?? new EventLog();
  const recorded = callsOf(rec.events);
  const calls: ReplayCall[] = [];
  /** Market-data shards in the order the adapter opens them: the n-th stream call is 'marketdata#n'. */
  const take = (key: string): RecordedEvent[] => recorded.get(key)?.shift() ?? [];
  const start = (key: string, name: string, serialize: Serialize, deserialize: Deserialize, callback?: Callback): ReplayCall => {
    const events = take(key);
    if (events.length === 0) divergences.push(`${name}: a call the recording does not hold`);
    const c = new ReplayCall(events, clock, divergences, name, stallMs, serialize, deserialize, callback);
    calls.push(c);
    return c;
  };
  let mdStreams = 0;
  // The three call shapes of grpc-js, served from the recording.
  const client = {
    makeUnaryRequest: (path: string, serialize: Serialize, deserialize: Deserialize, req: unknown, ...rest: unknown[]) => {
      const callback = rest.find((r): r is Callback => typeof r === 'function');
      const m = methodOf(path);
      const c = start(`unary|${m}`, `unary ${m}`, serialize, deserialize, callback);
      c.send(req);
      return c;
    },
    makeServerStreamRequest: (_path: string, serialize: Serialize, deserialize: Deserialize, req: unknown) => {
      const c = start('order-state', 'order-state', serialize, deserialize);
      c.send(req);
      return c;
    },
    makeBidiStreamRequest: (_path: string, serialize: Serialize, deserialize: Deserialize) => {
      // Shards are opened in index order; each opens its calls in turn, so the next recorded
      // call of any shard is the one whose first event comes first.
      const keys = [...recorded.keys()].filter((k) => k.startsWith('marketdata#') && (recorded.get(k)?.length ?? 0) > 0);
      keys.sort((a, b) => (recorded.get(a)![0]![0]!.t ?? 0) - (recorded.get(b)![0]![0]!.t ?? 0));
      const key = keys[0] ?? `marketdata#${mdStreams}`;
      mdStreams++;
      return start(key, key, serialize, deserialize);
    },
  };
  const channel: GrpcChannel = {
    client: client as unknown as Pick<Client, 'makeUnaryRequest' | 'makeServerStreamRequest' | 'makeBidiStreamRequest'>,
    metadata: () => new Metadata(),
    close: () => undefined,
  };
  const venue = createTInvestVenue({
    endpoint: '127.0.0.1:1',
    token: 'replay',
    tls: false,
    mode: rec.header.mode === 'live' || rec.header.mode === 'sandbox' ? rec.header.mode : 'demo',
    sink,
    now: clock.now,
    ...(opts.adapter ?? {}),
    openChannel: () => channel,
  });
  const report = await driveCommands({
    venue,
    commands: rec.events.filter((e) => e.connection === APP_CONNECTION),
    clock,
    sink,
    divergences,
    stallMs,
    lag: () => calls.reduce((m, c) => (c.cursorT === Infinity ? m : Math.max(m, c.lag)), 0),
    // Behind: a call still playing what came before `t`, or a stream call the recording opened before `t` not opened yet.
    behind: (t) => calls.some((c) => c.cursorT < t) || [...recorded].some(([k, list]) => (k === 'order-state' || k.startsWith('marketdata')) && (list[0]?.[0]?.t ?? Infinity) < t),
    lastT: rec.events.at(-1)?.t ?? 0,
  });
  await sleep(0);
  return report;
}
