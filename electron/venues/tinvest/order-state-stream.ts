/**
 * The one owner of OrderStateStream (§2.4, §5): every change of every order of the watched
 * accounts. The accounts are fixed when a stream opens, so watching another one reopens it.
 * It keeps itself alive like the market-data owner: ping_delay_millis asks the venue for a
 * ping while idle, three silent intervals count as dead, any end brings a jittered reconnect.
 * After every subscribe it reconciles (GetOrders + GetOrderState) before it reports live,
 * since whatever happened while it was down never arrives on the new stream.
 */
import { status as Status } from '@grpc/grpc-js';
import type { ClientReadableStream, StatusObject } from '@grpc/grpc-js';
import type { ConnectionState } from '../../../common/domain.js';
import { Backoff } from '../../net/backoff.js';
import type { BackoffOptions } from '../../net/backoff.js';
import { ReconnectLoop, retryAfterError } from '../../net/reconnecting.js';
import { SilenceWatchdog } from '../../net/silence-watchdog.js';
import { VenueError } from '../venue.js';
import type { ConnectionReporter } from '../venue.js';
import type { GrpcChannel } from './channel.js';
import { ORDER_STREAM_PING_RANGE_MS, RESULT_SUBSCRIPTION_STATUS_OK, SERVICES, WATCHDOG_INTERVALS } from './constants.js';
import { mapGrpcError, toVenueError } from './errors.js';
import type { OrderStateStreamRequest, OrderStateStreamResponse, StreamOrderStateMsg } from './order-messages.js';
import { method } from './proto.js';
import { tappedCall } from './wire-codec.js';

export interface OrderStateStreamOptions {
  channel: GrpcChannel;
  reporter: ConnectionReporter;
  now: () => number;
  /** Asked of the venue as ping_delay_millis; the watchdog allows three of them. */
  pingDelayMs: number;
  backoff?: BackoffOptions;
  /** Pacing of reconcile retries while the stream stays up. */
  reconcileRetry?: BackoffOptions;
  /** One order's change; false when the message was malformed (counted there): the stream resyncs. */
  onOrder(m: StreamOrderStateMsg): boolean;
  /** Brings the held orders of these accounts to the venue's state; rejects to be tried again. */
  reconcile(accounts: readonly string[]): Promise<void>;
}

type Call = ClientReadableStream<OrderStateStreamResponse>;

/** A stream live this long before it ends resets the reconnect backoff. */
const STABLE_MS = 10_000;

function clampPing(ms: number): number {
  return Math.min(ORDER_STREAM_PING_RANGE_MS.max, Math.max(ORDER_STREAM_PING_RANGE_MS.min, Math.round(ms)));
}

export class OrderStateStream {
  private readonly opts: OrderStateStreamOptions;
  private readonly m = method<OrderStateStreamRequest, OrderStateStreamResponse>(SERVICES.ordersStream, 'OrderStateStream');
  private readonly accounts = new Set<string>();
  /** Bytes decoded since the last message was handled: grpc-js hands us the buffer only here. */
  private received = 0;
  private readonly decode = (buf: Buffer): OrderStateStreamResponse => {
    this.received += buf.length;
    return this.m.deserialize(buf);
  };
  private call: Call | undefined;
  private readonly loop: ReconnectLoop;
  private readonly watchdog: SilenceWatchdog;
  private reconcileTimer: NodeJS.Timeout | undefined;
  /** Armed at open: the subscription answer must come, pings alone do not make a stream. */
  private subscribeTimer: NodeJS.Timeout | undefined;
  private closed = false;
  /** Resolved each time the stream reaches live; for callers that need reconciled state. */
  private liveWaiters: (() => void)[] = [];

  constructor(opts: OrderStateStreamOptions) {
    this.opts = opts;
    this.watchdog = new SilenceWatchdog({
      intervalMs: clampPing(opts.pingDelayMs),
      deadAfterIntervals: WATCHDOG_INTERVALS,
      now: opts.now,
      onLate: (ms) => this.loop.setState('degraded', `no message for ${ms} ms`),
      onDead: (ms) => this.abandon(new VenueError('unavailable', 'stall', `order stream silent for ${ms} ms`)),
    });
    this.loop = new ReconnectLoop({
      reporter: opts.reporter,
      now: opts.now,
      ...(opts.backoff ? { backoff: opts.backoff } : {}),
      stableMs: STABLE_MS,
      unref: true,
      watchdog: this.watchdog,
      ready: () => !this.closed && !this.call && this.accounts.size > 0,
      open: (gen) => this.open(gen),
      release: () => this.letGo(),
    });
  }

  get state(): ConnectionState {
    return this.loop.state;
  }

  get watched(): readonly string[] {
    return [...this.accounts];
  }

  /** Adds an account to the stream; idempotent. A new account reopens the stream. */
  watch(accountId: string): void {
    if (this.closed || !accountId || this.accounts.has(accountId)) return;
    this.accounts.add(accountId);
    if (this.call) this.restart(`watching account ${accountId}`);
    else if (!this.loop.waiting) this.loop.schedule(0);
  }

  /** Resolves the next time the stream is live (at once when it is). */
  live(): Promise<void> {
    if (this.loop.state === 'live') return Promise.resolve();
    return new Promise((resolve) => this.liveWaiters.push(resolve));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.loop.stop();
    this.loop.setState('closed', 'closed');
    for (const w of this.liveWaiters.splice(0)) w();
  }

  private open(gen: number): void {
    this.loop.setState('connecting', 'opening OrderStateStream');
    const req: OrderStateStreamRequest = { accounts: [...this.accounts], pingDelayMillis: clampPing(this.opts.pingDelayMs) };
    const ch = this.opts.channel;
    const tapped = ch.wire ? tappedCall(ch.wire, 'order-state', this.m.name, this.m.serialize, this.decode) : undefined;
    const call = ch.client.makeServerStreamRequest(
      this.m.path,
      tapped ? tapped.serialize : this.m.serialize,
      tapped ? tapped.deserialize : this.decode,
      req,
      ch.metadata(),
      {},
    ) as Call;
    tapped?.observe(call);
    this.call = call;
    // Nothing thrown while handling one message may reach grpc-js: caught here, counted, reconnected.
    call.on('data', (msg: OrderStateStreamResponse) => {
      if (!this.loop.isCurrent(gen)) return;
      try {
        this.onMessage(msg, gen);
      } catch (e) {
        this.fault(e, msg);
      }
    });
    // 'error' needs a listener; the outcome is read from 'status', which always comes.
    call.on('error', () => undefined);
    call.on('status', (st: StatusObject) => {
      tapped?.ended(st);
      if (!this.loop.isCurrent(gen)) return;
      try {
        const err =
          st.code === Status.OK
            ? new VenueError('unavailable', 'stream-ended', 'order stream completed by the venue')
            : mapGrpcError({ code: st.code, details: st.details, metadata: st.metadata });
        this.abandon(err);
      } catch (e) {
        this.fault(e, undefined);
      }
    });
    this.loop.setState('authenticating', 'waiting for the subscription answer');
    this.loop.connected();
    const waitMs = WATCHDOG_INTERVALS * clampPing(this.opts.pingDelayMs);
    this.subscribeTimer = setTimeout(() => {
      this.subscribeTimer = undefined;
      if (this.loop.isCurrent(gen)) this.abandon(new VenueError('unavailable', 'subscribe-timeout', `no subscription answer in ${waitMs} ms`));
    }, waitMs);
    this.subscribeTimer.unref();
  }

  private onMessage(msg: OrderStateStreamResponse, gen: number): void {
    this.watchdog.frames++;
    const bytes = this.received;
    this.received = 0;
    this.opts.reporter.message(bytes);
    if (this.loop.state === 'degraded' && !this.reconcileTimer && this.loop.liveSince !== undefined) this.loop.setState('live', 'messages again');
    switch (msg.payload) {
      case 'orderState':
        if (msg.orderState && !this.opts.onOrder(msg.orderState)) {
          // Order state depends on every message: what it said is lost, so ask the venue.
          this.loop.setState('degraded', 'malformed order message; reconciling');
          this.reconcile(gen);
        }
        break;
      case 'subscription': {
        if (this.subscribeTimer) clearTimeout(this.subscribeTimer);
        this.subscribeTimer = undefined;
        const sub = msg.subscription;
        if (sub && sub.status === RESULT_SUBSCRIPTION_STATUS_OK) {
          this.loop.setState('subscribing', `subscribed (${sub.streamId}); reconciling orders`);
          this.reconcile(gen);
        } else {
          const e = sub?.error;
          this.abandon(new VenueError('rejected', e?.code || 'subscription', e?.message || `subscription status ${sub?.status ?? '?'}`, { trackingId: sub?.trackingId }));
        }
        break;
      }
      default:
        break;
    }
  }

  /** Reconciles for the current call; retried while the call lives, live only once it succeeds. */
  private reconcile(gen: number, retry = new Backoff({ baseMs: 250, maxMs: 5_000, ...(this.opts.reconcileRetry ?? {}) })): void {
    if (this.reconcileTimer) clearTimeout(this.reconcileTimer);
    this.reconcileTimer = undefined;
    this.opts.reconcile([...this.accounts]).then(
      () => {
        if (!this.loop.isCurrent(gen)) return;
        this.loop.setState('live', `${this.accounts.size} account(s), orders reconciled`);
        for (const w of this.liveWaiters.splice(0)) w();
      },
      (e: unknown) => {
        if (!this.loop.isCurrent(gen)) return;
        const err = toVenueError(e);
        this.opts.reporter.error(err.info(this.opts.now()));
        this.loop.setState('degraded', `reconcile failed: ${err.code} ${err.message}`);
        this.reconcileTimer = setTimeout(() => {
          this.reconcileTimer = undefined;
          if (this.loop.isCurrent(gen)) this.reconcile(gen, retry);
        }, Math.max(retry.next(), err.retryAfterMs ?? 0));
        this.reconcileTimer.unref();
      },
    );
  }

  /** Handling one message threw: counted with the message, and the stream starts over. Never throws. */
  private fault(e: unknown, msg: OrderStateStreamResponse | undefined): void {
    try {
      const text = e instanceof Error ? `${e.name}: ${e.message}`.slice(0, 200) : 'non-error thrown';
      let frame: string | undefined;
      try {
        frame = msg === undefined ? undefined : JSON.stringify(msg);
      } catch {
        frame = undefined;
      }
      this.opts.reporter.malformed(`handling a message failed: ${text}`, frame);
      this.abandon(new VenueError('internal', 'handler-fault', text));
    } catch {
      // The reporter itself failed: nothing left to tell, and nothing may escape.
    }
  }

  /** Drops the current call and schedules the next one after a backoff. */
  private abandon(err: VenueError): void {
    this.loop.release();
    if (this.closed) return;
    this.opts.reporter.error(err.info(this.opts.now()));
    this.loop.retry(`${err.code}: ${err.message}`, retryAfterError(err));
  }

  /** Reopens at once with the new account set; the reconcile after it covers the gap. */
  private restart(reason: string): void {
    this.loop.release();
    this.loop.setState('reconnecting', reason);
    this.loop.schedule(0);
  }

  /** The loop let go of the current call: it and its timers end here. */
  private letGo(): void {
    const call = this.call;
    this.call = undefined;
    if (this.reconcileTimer) clearTimeout(this.reconcileTimer);
    this.reconcileTimer = undefined;
    if (this.subscribeTimer) clearTimeout(this.subscribeTimer);
    this.subscribeTimer = undefined;
    call?.cancel();
  }
}
