/**
 * A plain grpc-js client for the local T-Invest venue, built on the same proto/ files but
 * none of the simulator's logic: tests see only what crosses the wire.
 */
import { Client, Metadata, credentials } from '@grpc/grpc-js';
import type { ChannelCredentials, ClientDuplexStream, ClientReadableStream, ServiceError, StatusObject } from '@grpc/grpc-js';
import { contractServices, loadContract } from '../../../sim/tinvest/proto.js';

const services = contractServices(loadContract());

function method(svc: string, name: string) {
  const m = services.get(svc)?.[name];
  if (!m) throw new Error(`no method ${svc}/${name}`);
  return m;
}

// ---- wire shapes as the loader decodes them ----
export interface Q {
  units: string;
  nano: number;
}
export interface TS {
  seconds: string;
  nanos: number;
}
export interface CandleMsg {
  figi: string;
  interval: number;
  open: Q;
  high: Q;
  low: Q;
  close: Q;
  volume: string;
  time: TS;
  last_trade_ts: TS;
  instrument_uid: string;
  ticker: string;
  class_code: string;
}
export interface CandleSubMsg {
  figi: string;
  interval: number;
  subscription_status: number;
  instrument_uid: string;
  waiting_close: boolean;
  stream_id: string;
  subscription_id: string;
  subscription_action: number;
  ticker: string;
  class_code: string;
}
export interface MarketDataResponseMsg {
  payload?: string;
  subscribe_candles_response?: { tracking_id: string; candles_subscriptions: CandleSubMsg[] };
  subscribe_trades_response?: { tracking_id: string; trade_subscriptions: { figi: string; subscription_status: number }[] };
  candle?: CandleMsg;
  trade?: { figi: string; price: Q; quantity: string; direction: number };
  ping?: { time: TS; stream_id: string; ping_request_time?: TS | null };
}
export interface HistoricCandleMsg {
  open: Q;
  high: Q;
  low: Q;
  close: Q;
  volume: string;
  time: TS;
  is_complete: boolean;
}

/** Quotation → integer scaled by 10^scale, exactly (fails loudly if precision would be lost). */
export function scaledOf(q: Q, scale: number): bigint {
  const nanoPart = BigInt(q.nano);
  const div = 10n ** BigInt(9 - scale);
  if (nanoPart % div !== 0n) throw new Error(`nano ${q.nano} finer than scale ${scale}`);
  return BigInt(q.units) * 10n ** BigInt(scale) + nanoPart / div;
}

/** `null` = no authorization header at all. */
export function authMetadata(token: string | null): Metadata {
  const md = new Metadata();
  if (token !== null) md.set('authorization', `Bearer ${token}`);
  return md;
}

export interface UnaryOk<T> {
  value: T;
  headers: Metadata;
}

export class RawClient {
  private readonly client: Client;

  constructor(
    endpoint: string,
    private readonly token: string | null,
    creds: ChannelCredentials = credentials.createInsecure(),
  ) {
    this.client = new Client(endpoint, creds);
  }

  /** Resolves with the reply and its headers; rejects with the ServiceError (trailers in `.metadata`). */
  unary<T>(svc: string, name: string, req: object, token: string | null = this.token, deadlineMs?: number): Promise<UnaryOk<T>> {
    const m = method(svc, name);
    const options = deadlineMs === undefined ? {} : { deadline: Date.now() + deadlineMs };
    return new Promise((resolve, reject) => {
      let headers = new Metadata();
      const call = this.client.makeUnaryRequest(m.path, m.requestSerialize, m.responseDeserialize, req, authMetadata(token), options, (err, v) => {
        if (err) reject(err);
        else resolve({ value: v as T, headers });
      });
      call.on('metadata', (md: Metadata) => (headers = md));
    });
  }

  bidi<Res>(svc: string, name: string, token: string | null = this.token): RawStream<Res> {
    const m = method(svc, name);
    const call = this.client.makeBidiStreamRequest(m.path, m.requestSerialize, m.responseDeserialize, authMetadata(token));
    return new RawStream<Res>(call);
  }

  serverStream<Res>(svc: string, name: string, req: object, token: string | null = this.token): RawStream<Res> {
    const m = method(svc, name);
    const call = this.client.makeServerStreamRequest(m.path, m.requestSerialize, m.responseDeserialize, req, authMetadata(token));
    return new RawStream<Res>(call);
  }

  close(): void {
    this.client.close();
  }
}

/** A stream read as a queue: `next()` waits for the next message, `status` for the end. */
export class RawStream<T> {
  private readonly queue: T[] = [];
  private waiter: (() => void) | undefined;
  private ended = false;
  readonly status: Promise<StatusObject>;
  /** Resolves with the error the call ended with (grpc-js also emits it), or undefined on OK. */
  readonly error: Promise<ServiceError | undefined>;

  constructor(private readonly call: ClientDuplexStream<unknown, unknown> | ClientReadableStream<unknown>) {
    let onError: (e: ServiceError) => void = () => {};
    this.error = new Promise((resolve) => {
      onError = resolve;
      call.on('end', () => resolve(undefined));
    });
    call.on('error', (e: ServiceError) => onError(e));
    this.status = new Promise((resolve) => call.on('status', (s: StatusObject) => resolve(s)));
    call.on('data', (d: unknown) => {
      this.queue.push(d as T);
      this.wake();
    });
    void this.status.then(() => {
      this.ended = true;
      this.wake();
    });
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
  }

  /** The next message; rejects when the stream ends first. */
  async next(): Promise<T> {
    for (;;) {
      const m = this.queue.shift();
      if (m !== undefined) return m;
      if (this.ended) throw new Error('stream ended');
      await new Promise<void>((r) => (this.waiter = r));
    }
  }

  /** Reads until `pred` holds; returns the match and everything read before it. */
  async until(pred: (m: T) => boolean): Promise<{ match: T; before: T[] }> {
    const before: T[] = [];
    for (;;) {
      const m = await this.next();
      if (pred(m)) return { match: m, before };
      before.push(m);
    }
  }

  write(msg: object): void {
    (this.call as ClientDuplexStream<unknown, unknown>).write(msg);
  }

  /** Half-close: no more requests from the client. */
  end(): void {
    (this.call as ClientDuplexStream<unknown, unknown>).end();
  }

  cancel(): void {
    this.call.cancel();
  }
}
