/**
 * The one owner of the bidi MarketDataStream (§2.3, §4.3, §5). Everyone else hands it
 * candle keys and data subscriptions (order books, trades, trading status, last prices); it
 * keeps them as data (pending / confirmed / failed), spreads them over as many
 * streams as the 300-per-stream limit needs, and keeps each stream alive:
 *   - a client PingRequest every ping interval, RTT from the echoed ping_request_time;
 *   - silence for three intervals counts as dead (streams can stall without an error);
 *   - any end (GOAWAY, RST_STREAM, 80005, stall…) → jittered backoff, a new stream, every
 *     subscription sent again, and each key's candle gap filled from GetCandles (candle-gaps.ts).
 * Streams left without subscriptions are half-closed (the venue kills idle ones with 80004).
 */
import { status as Status } from '@grpc/grpc-js';
import type { ClientDuplexStream, StatusObject } from '@grpc/grpc-js';
import { candleProblem } from '../../../common/candle-sanity.js';
import type { Candle, CandleKey, ConnectionState } from '../../../common/domain.js';
import { candleKeyId, candleOpen } from '../../../common/domain.js';
import type { BackoffOptions } from '../../net/backoff.js';
import { ReconnectLoop, retryAfterError } from '../../net/reconnecting.js';
import { SilenceWatchdog } from '../../net/silence-watchdog.js';
import { VenueError } from '../venue.js';
import type { ConnectionReporter, VenueSink } from '../venue.js';
import { CandleFlow } from './candle-gaps.js';
import type { GrpcChannel } from './channel.js';
import {
  MAX_SUBSCRIPTIONS_PER_STREAM,
  PING_DELAY_RANGE_MS,
  SERVICES,
  SUBSCRIPTION_ACTION,
  SUBSCRIPTION_INTERVAL,
  SUBSCRIPTION_STATUS,
  TRADE_SOURCE_ALL,
  WATCHDOG_INTERVALS,
} from './constants.js';
import { mapGrpcError } from './errors.js';
import { decodeMarketDataResponse } from './marketdata-decoder.js';
import type {
  MarketDataMessage,
  WireCandle,
  WireDataStream,
  WireLastPrice,
  WireOrderBook,
  WirePing,
  WireTrade,
  WireTradingStatus,
} from './marketdata-decoder.js';
import type { MarketDataRequest } from './marketdata-messages.js';
import { method } from './proto.js';
import { tappedCall } from './wire-codec.js';

export interface MarketDataStreamOptions {
  channel: GrpcChannel;
  sink: VenueSink;
  /** Candles of `key` with open time in [fromSec, toSec), ascending (GetCandles). */
  fetchCandles(key: CandleKey, fromSec: number, toSec: number): Promise<Candle[]>;
  /** figi of an instrument uid, when known: a second way to match statuses and candles. */
  figiOf?(uid: string): string | undefined;
  now: () => number;
  /** Watchdog interval: a PingRequest each interval, dead after three silent ones. */
  pingDelayMs: number;
  backoff?: BackoffOptions;
  /** Retry pacing of gap fills. */
  fillRetry?: BackoffOptions;
  /** Per-stream subscription cap (venue: 300). */
  maxPerStream?: number;
  /** How long close() waits for the venue to complete a half-closed stream. */
  closeGraceMs?: number;
}

type SubStatus = 'pending' | 'confirmed' | 'failed';

/** A data message of one subscription, as the stream hands it on. */
export type DataMessage = WireOrderBook | WireTrade | WireLastPrice | WireTradingStatus;

/** Whoever holds a data subscription (order book, trades, info, last price). */
export interface DataConsumer {
  /** One message of the subscription, with its main-process arrival time (ms). */
  onMessage(m: DataMessage, receivedAt: number): void;
  /** The stream carrying it broke; it is being subscribed again on a new one. */
  lost(): void;
  /** The venue refused it, or its answer is overdue. A later message means it recovered. */
  failed(err: VenueError): void;
}

export interface DataSubscription {
  kind: WireDataStream;
  uid: string;
  /** Order books only: 1, 10, 20, 30, 40 or 50. */
  depth?: number;
  consumer: DataConsumer;
}

type SubKind = 'candles' | WireDataStream;

/** Index slots: candles by SubscriptionInterval (1–13), books by 100 + depth, the others fixed. */
const SLOT_BASE: Readonly<Record<WireDataStream, number>> = { book: 100, trades: 200, info: 201, last: 202 };

function slotOf(kind: WireDataStream, depth: number): number {
  return kind === 'book' ? SLOT_BASE.book + depth : SLOT_BASE[kind];
}

interface Sub {
  readonly kind: SubKind;
  /** For messages: the candle key id, or "book SBER-uid depth 10". */
  readonly label: string;
  /** The candle key (candle subscriptions only). */
  readonly key: CandleKey | undefined;
  readonly id: string;
  readonly uid: string;
  /** Index slot (see SLOT_BASE). */
  readonly slot: number;
  /** Candle SubscriptionInterval or book depth, as written in requests. */
  readonly param: number;
  figi: string | undefined;
  status: SubStatus;
  /** Written on the current stream and not yet answered. */
  sent: boolean;
  /** When it was last written (ms), to ask again if the answer got lost. */
  sentAt: number;
  /** The venue refused it (a status other than SUCCESS): not asked again on this stream. */
  refused: boolean;
  /** Its answer is overdue: reported as failed once, still asked again; no longer "pending". */
  overdue: boolean;
  readonly flow: CandleFlow | undefined;
  readonly consumer: DataConsumer | undefined;
  shard: Shard;
}

const STATUS_TEXT: Readonly<Record<number, string>> = {
  2: 'instrument not found',
  3: 'subscription action is invalid',
  4: 'order book depth is invalid',
  5: 'interval is invalid',
  6: 'subscription limit of the stream exceeded',
  7: 'internal error',
  8: 'too many subscribe requests',
  9: 'subscription not found',
  10: 'source is invalid',
};

/** A subscription status as the decoder gives it, candles and data alike. */
interface StatusLine {
  figi: string;
  slot: number;
  status: number;
  instrumentUid: string;
  action: number;
}

/** Index: instrument id → subscriptions by SubscriptionInterval number. */
type Index = Map<string, (Sub | undefined)[]>;

function indexPut(ix: Index, id: string, interval: number, sub: Sub): void {
  let row = ix.get(id);
  if (!row) ix.set(id, (row = []));
  row[interval] = sub;
}

function indexDrop(ix: Index, id: string, interval: number, sub: Sub): void {
  const row = ix.get(id);
  if (row && row[interval] === sub) row[interval] = undefined;
}

type StreamCall = ClientDuplexStream<MarketDataRequest, MarketDataMessage>;

/** A stream live this long before it ends resets the reconnect backoff. */
const STABLE_MS = 10_000;
/** A ping time further than this from our clock is not a clock, it is a broken message. */
const MAX_PING_SKEW_MS = 86_400_000;

/** A decoded message as JSON for the malformed sample (bigint-free by construction). */
function sample(m: MarketDataMessage | undefined): string | undefined {
  if (m === undefined) return undefined;
  if (m.kind === 'malformed') return `base64:${m.prefix}`;
  try {
    return JSON.stringify(m);
  } catch {
    return undefined;
  }
}

/** A consumer threw while taking a candle: carries the candle, so it can be counted as the sample. */
class CandleFault extends Error {
  override readonly name = 'CandleFault';
  constructor(
    readonly candle: Candle,
    readonly inner: unknown,
  ) {
    super(inner instanceof Error ? inner.message : 'non-error thrown');
  }
}

function faultText(e: unknown): string {
  const cause = e instanceof CandleFault ? e.inner : e;
  const text = cause instanceof Error ? `${cause.name}: ${cause.message}` : 'non-error thrown';
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

/** One bidi stream and the subscriptions it carries. */
class Shard {
  readonly subs = new Map<string, Sub>();
  private readonly byUid: Index = new Map();
  private readonly byFigi: Index = new Map();
  private call: StreamCall | undefined;
  private readonly loop: ReconnectLoop;
  private readonly watchdog: SilenceWatchdog;
  private flushQueued = false;
  private readonly toUnsubscribe: Sub[] = [];
  private retrySubscribeTimer: NodeJS.Timeout | undefined;
  private fillsRunning = 0;
  private lastPingSentAt = 0;
  private lateShown = false;
  /** Keys whose last gap fill failed: their series may miss candles. */
  private readonly troubled = new Set<Sub>();
  /** Lowered when the venue answers LIMIT_IS_EXCEEDED below our own cap. */
  capacity: number;
  /** candleProblem's options; nowMs is a clock reading no later than now (see onCandle). */
  private readonly sanity = { nowMs: 0 };
  /** Every instrument this stream was ever asked about: data for any other is hostile. */
  private readonly known = new Set<string>();
  /** Bytes decoded since the last message was handled: grpc-js hands us the buffer only here. */
  private received = 0;
  /** The deserializer handed to grpc-js: made once per shard, not per call or message. */
  private readonly decode = (buf: Buffer): MarketDataMessage => {
    this.received += buf.length;
    return decodeMarketDataResponse(buf);
  };

  constructor(
    private readonly owner: MarketDataStream,
    readonly reporter: ConnectionReporter,
    capacity: number,
    /** The wire tap's connection name: 'marketdata#N', N the shard's index. */
    private readonly wireName: string,
  ) {
    this.capacity = capacity;
    this.watchdog = new SilenceWatchdog({
      intervalMs: owner.opts.pingDelayMs,
      deadAfterIntervals: WATCHDOG_INTERVALS,
      now: owner.opts.now,
      onInterval: () => {
        this.sendPing();
        this.resendUnanswered();
      },
      onLate: (ms) => {
        this.lateShown = true;
        this.loop.setState('degraded', `no message for ${ms} ms`);
      },
      onDead: (ms) => this.abandon(new VenueError('unavailable', 'stall', `stream silent for ${ms} ms`)),
    });
    this.loop = new ReconnectLoop({
      reporter,
      now: owner.opts.now,
      ...(owner.opts.backoff ? { backoff: owner.opts.backoff } : {}),
      stableMs: STABLE_MS,
      watchdog: this.watchdog,
      ready: () => !this.owner.closed && !this.call && this.subs.size > 0,
      open: (gen) => this.open(gen),
      release: () => {
        const call = this.call;
        this.call = undefined;
        call?.cancel();
      },
    });
  }

  get state(): ConnectionState {
    return this.loop.state;
  }

  get isOpen(): boolean {
    return this.call !== undefined;
  }

  add(sub: Sub): void {
    this.subs.set(sub.id, sub);
    this.known.add(sub.uid);
    if (sub.figi) this.known.add(sub.figi);
    indexPut(this.byUid, sub.uid, sub.slot, sub);
    if (sub.figi) indexPut(this.byFigi, sub.figi, sub.slot, sub);
    sub.status = 'pending';
    sub.sent = false;
    sub.overdue = false;
    if (this.call) this.queueFlush();
    else if (!this.loop.waiting) this.loop.schedule(0);
    this.report();
  }

  remove(sub: Sub, unsubscribe: boolean): void {
    if (this.subs.get(sub.id) !== sub) return;
    this.subs.delete(sub.id);
    this.troubled.delete(sub);
    indexDrop(this.byUid, sub.uid, sub.slot, sub);
    if (sub.figi) indexDrop(this.byFigi, sub.figi, sub.slot, sub);
    if (this.subs.size === 0) {
      // Nothing left to carry: half-close rather than wait for the venue's 80004.
      this.endCall('no subscriptions');
      this.report();
      return;
    }
    if (unsubscribe && this.call && sub.status !== 'failed') {
      this.toUnsubscribe.push(sub);
      this.queueFlush();
    }
    this.report();
  }

  /** The hot path: one decoded MarketDataResponse of the current call. */
  onMessage(m: MarketDataMessage): void {
    this.watchdog.frames++;
    // A sum, not the last size: grpc-js may decode a message before it delivers the previous one.
    const bytes = this.received;
    this.received = 0;
    this.reporter.message(bytes);
    switch (m.kind) {
      case 'candle':
        this.onCandle(m);
        break;
      case 'ping':
        this.onPing(m);
        break;
      case 'subscribe-candles':
        this.onStatuses(
          m.trackingId,
          m.subscriptions.map((x) => ({ figi: x.figi, slot: x.interval, status: x.status, instrumentUid: x.instrumentUid, action: x.action })),
        );
        break;
      case 'subscribe-data': {
        const stream = m.stream;
        this.onStatuses(
          m.trackingId,
          m.subscriptions.map((x) => ({ figi: x.figi, slot: slotOf(stream, x.depth), status: x.status, instrumentUid: x.instrumentUid, action: x.action })),
        );
        break;
      }
      case 'orderbook':
        this.onData(m, slotOf('book', m.depth));
        break;
      case 'trade':
        this.onData(m, SLOT_BASE.trades);
        break;
      case 'last-price':
        this.onData(m, SLOT_BASE.last);
        break;
      case 'trading-status':
        this.onData(m, SLOT_BASE.info);
        break;
      case 'malformed':
        this.reporter.malformed(m.error, sample(m));
        break;
      default:
        break;
    }
    // Cheap check first: only a state that a message can end needs a recount.
    if (this.loop.state === 'authenticating' || this.lateShown) {
      this.lateShown = false;
      this.report();
    }
  }

  /**
   * A ping: its time is the venue's clock. When it answers our PingRequest, the venue read its
   * clock about halfway through the round trip.
   */
  private onPing(m: WirePing): void {
    const now = this.owner.opts.now();
    const req = m.requestTimeMs;
    const sane = (t: number): boolean => t - now <= MAX_PING_SKEW_MS && now - t <= MAX_PING_SKEW_MS;
    if ((req !== undefined && !sane(req)) || (m.timeMs !== 0 && !sane(m.timeMs))) {
      this.reporter.malformed('ping time more than a day from our clock', sample(m));
      return;
    }
    if (req !== undefined) this.reporter.pingRtt(Math.max(0, now - req));
    if (m.timeMs !== 0) this.reporter.clockSkew(Math.round(m.timeMs - (req !== undefined && req <= now ? (req + now) / 2 : now)));
  }

  /** The subscription a message of `slot` belongs to, by uid first, then figi. */
  private find(uid: string, figi: string, slot: number): Sub | undefined {
    return (uid ? this.byUid.get(uid)?.[slot] : undefined) ?? (figi ? this.byFigi.get(figi)?.[slot] : undefined);
  }

  /**
   * A book, trade, last price or status. One for an instrument this stream never subscribed is
   * counted as malformed; one for a subscription just dropped is a late arrival and ignored.
   */
  private onData(m: DataMessage, slot: number): void {
    const sub = this.find(m.instrumentUid, m.figi, slot);
    if (sub === undefined || sub.refused || sub.consumer === undefined) {
      if (!this.known.has(m.instrumentUid) && !this.known.has(m.figi)) this.reporter.malformed(`${m.kind} for an instrument not subscribed`, sample(m));
      return;
    }
    if (sub.status !== 'confirmed' && (sub.sent || sub.overdue)) {
      // Data for it is the venue's evidence that the subscription is active on this stream.
      sub.sent = false;
      this.confirm(sub);
      this.report();
    }
    sub.consumer.onMessage(m, this.owner.opts.now());
  }

  private onCandle(m: WireCandle): void {
    const sub = this.find(m.instrumentUid, m.figi, m.interval);
    if (sub === undefined || sub.refused || sub.flow === undefined || sub.key === undefined) return;
    const key = sub.key;
    const c: Candle = {
      venue: key.venue,
      instrumentId: key.instrumentId,
      interval: key.interval,
      time: m.time,
      open: m.open,
      high: m.high,
      low: m.low,
      close: m.close,
      volume: m.volume,
    };
    // Sanity before anything is built from it: a rejected candle never becomes the series' last.
    // The clock is read again only when a candle fails: an older reading is never later than
    // now, so a candle it passes passes with the clock read now (one clock read per failure,
    // not per candle, on the hot path).
    let problem = candleProblem(c, this.sanity);
    if (problem !== undefined) {
      this.sanity.nowMs = this.owner.opts.now();
      problem = candleProblem(c, this.sanity);
    }
    if (problem !== undefined) {
      this.reporter.malformed(`candle ${problem}`, sample(m));
      return;
    }
    if (sub.status === 'pending' && (sub.sent || sub.overdue)) {
      // Candles for it are the venue's evidence that the subscription is active on this stream.
      sub.sent = false;
      this.confirm(sub);
      this.report();
    }
    sub.flow.onLive(c);
  }

  private confirm(sub: Sub): void {
    sub.status = 'confirmed';
    sub.overdue = false;
    sub.flow?.confirmed();
  }

  private onStatuses(trackingId: string, lines: readonly StatusLine[]): void {
    let retry = false;
    for (const s of lines) {
      if (s.action === SUBSCRIPTION_ACTION.unsubscribe) continue;
      // A venue that does not know the id echoes it as the figi (§2.3): match that too.
      const sub =
        (s.instrumentUid ? this.byUid.get(s.instrumentUid)?.[s.slot] : undefined) ??
        (s.figi ? (this.byFigi.get(s.figi)?.[s.slot] ?? this.byUid.get(s.figi)?.[s.slot]) : undefined);
      if (!sub || !(sub.sent || sub.overdue) || sub.status === 'confirmed') continue;
      sub.sent = false;
      if (s.status === SUBSCRIPTION_STATUS.success && s.figi && sub.figi !== s.figi) {
        // The venue always names the figi (§2.3): learn it so figi-only messages match too.
        if (sub.figi) indexDrop(this.byFigi, sub.figi, sub.slot, sub);
        sub.figi = s.figi;
        this.known.add(s.figi);
        indexPut(this.byFigi, s.figi, sub.slot, sub);
      }
      switch (s.status) {
        case SUBSCRIPTION_STATUS.success:
          this.confirm(sub);
          break;
        case SUBSCRIPTION_STATUS.limitExceeded:
          this.capacity = Math.max(1, this.subs.size - 1);
          this.owner.relocate(sub, this);
          break;
        case SUBSCRIPTION_STATUS.tooManyRequests:
          sub.status = 'pending';
          retry = true;
          break;
        default: {
          // Refused for this key only: the key fails, the stream's health is not affected.
          sub.status = 'failed';
          sub.refused = true;
          sub.overdue = false;
          const text = STATUS_TEXT[s.status] ?? `subscription status ${s.status}`;
          const kind = s.status === SUBSCRIPTION_STATUS.instrumentNotFound || s.status === SUBSCRIPTION_STATUS.depthInvalid ? 'invalid' : 'rejected';
          this.owner.failed(sub, new VenueError(kind, `subscription-status-${s.status}`, `${sub.label}: ${text}`, { trackingId }));
        }
      }
    }
    if (retry && !this.retrySubscribeTimer) {
      // 100 subscribe requests per minute per stream (§4.3): try the refused ones later.
      this.retrySubscribeTimer = setTimeout(() => {
        this.retrySubscribeTimer = undefined;
        this.queueFlush();
      }, 15_000);
      this.retrySubscribeTimer.unref();
    }
    this.report();
  }

  /** A fill of one of this shard's keys started or ended. */
  filling(sub: Sub, on: boolean, complete: boolean): void {
    this.fillsRunning = Math.max(0, this.fillsRunning + (on ? 1 : -1));
    if (!on && complete) this.troubled.delete(sub);
    this.report();
  }

  /** A gap fill failed; the key stays "degraded" until one completes. */
  fillFailed(sub: Sub, e: VenueError): void {
    this.troubled.add(sub);
    this.reporter.error(e.info(this.owner.opts.now()));
    this.report();
  }

  private open(gen: number): void {
    this.loop.setState('connecting', 'opening MarketDataStream');
    const o = this.owner;
    const tap = o.opts.channel.wire;
    const tapped = tap ? tappedCall(tap, this.wireName, o.method.name, o.method.serialize, this.decode) : undefined;
    const call = o.opts.channel.client.makeBidiStreamRequest(
      o.method.path,
      tapped ? tapped.serialize : o.method.serialize,
      tapped ? tapped.deserialize : this.decode,
      o.opts.channel.metadata(),
      {},
    ) as StreamCall;
    tapped?.observe(call);
    this.call = call;
    call.on('metadata', () => {
      if (this.loop.isCurrent(gen) && this.loop.state === 'authenticating') this.loop.setState('subscribing', 'stream accepted');
    });
    // Nothing thrown while handling one message may reach grpc-js: caught here, counted, reconnected.
    call.on('data', (m: MarketDataMessage) => {
      if (!this.loop.isCurrent(gen)) return;
      try {
        this.onMessage(m);
      } catch (e) {
        this.fault(e, m);
      }
    });
    // 'error' must have a listener; the outcome is read from 'status', which always comes.
    call.on('error', () => undefined);
    call.on('status', (st: StatusObject) => {
      tapped?.ended(st);
      if (!this.loop.isCurrent(gen)) return;
      try {
        this.ended(st);
      } catch (e) {
        this.fault(e, undefined);
      }
    });
    this.loop.setState('authenticating', 'stream opened');
    this.write({ pingSettings: { pingDelayMs: clampPing(o.opts.pingDelayMs) } });
    for (const sub of this.subs.values()) {
      if (!sub.refused) {
        sub.status = 'pending';
        sub.sent = false;
        sub.overdue = false;
      }
    }
    this.toUnsubscribe.length = 0;
    this.flush();
    this.lastPingSentAt = 0;
    this.loop.connected();
    this.sendPing();
    this.report();
  }

  /**
   * Handling one message (or a fill's candles) threw: the message is counted with its sample and
   * the stream starts over, since what it holds may be half-updated. Never throws.
   */
  fault(e: unknown, m: MarketDataMessage | undefined): void {
    try {
      const frame = sample(m) ?? (e instanceof CandleFault ? JSON.stringify(e.candle) : undefined);
      this.reporter.malformed(`handling a message failed: ${faultText(e)}`, frame);
      if (this.call) this.abandon(new VenueError('internal', 'handler-fault', faultText(e)));
    } catch {
      // The reporter itself failed: nothing left to tell, and nothing may escape.
    }
  }

  /** The current call ended (status from the venue or grpc-js). */
  private ended(st: StatusObject): void {
    const err =
      st.code === Status.OK
        ? new VenueError('unavailable', 'stream-ended', 'stream completed by the venue')
        : mapGrpcError({ code: st.code, details: st.details, metadata: st.metadata });
    this.abandon(err);
  }

  /** Drops the current call and schedules the next one. */
  abandon(err: VenueError): void {
    this.loop.release();
    if (this.owner.closed) return;
    this.reporter.error(err.info(this.owner.opts.now()));
    if (this.subs.size === 0) {
      this.loop.setState('idle', 'no subscriptions');
      return;
    }
    for (const sub of this.subs.values()) {
      if (!sub.refused) sub.status = 'pending';
      sub.sent = false;
      sub.overdue = false;
      sub.flow?.streamLost();
      sub.consumer?.lost();
    }
    this.loop.retry(`${err.code}: ${err.message}`, retryAfterError(err));
    this.report();
  }

  /** Half-closes the current call on purpose (empty, or the venue closing). */
  endCall(reason: string): Promise<void> {
    // Taken before the loop lets go, so it is ended gracefully rather than cancelled.
    const call = this.call;
    this.call = undefined;
    this.loop.release();
    if (this.retrySubscribeTimer) clearTimeout(this.retrySubscribeTimer);
    this.retrySubscribeTimer = undefined;
    this.loop.setState(this.owner.closed ? 'closed' : 'idle', reason);
    if (!call) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const force = setTimeout(() => {
        call.cancel();
        resolve();
      }, this.owner.opts.closeGraceMs ?? 1_000);
      call.on('status', () => {
        clearTimeout(force);
        resolve();
      });
      try {
        call.end();
      } catch {
        call.cancel();
      }
    });
  }

  private sendPing(): void {
    const now = this.owner.opts.now();
    if (!this.call || now - this.lastPingSentAt < this.owner.opts.pingDelayMs / 2) return;
    this.lastPingSentAt = now;
    const sec = Math.floor(now / 1000);
    this.write({ ping: { time: { seconds: sec, nanos: (now - sec * 1000) * 1_000_000 } } });
  }

  /**
   * A subscribe answer can be lost, or never come: after three intervals the key fails with a
   * timeout (once; the chart says why) and is asked for again. A late answer or candle still
   * confirms it.
   */
  private resendUnanswered(): void {
    const now = this.owner.opts.now();
    const waited = WATCHDOG_INTERVALS * this.owner.opts.pingDelayMs;
    let again = false;
    for (const s of this.subs.values()) {
      if (s.status === 'pending' && s.sent && s.sentAt <= now - waited) {
        s.sent = false;
        again = true;
        if (!s.overdue) {
          s.overdue = true;
          this.owner.failed(s, new VenueError('unavailable', 'subscribe-timeout', `${s.label}: no answer to the subscription in ${now - s.sentAt} ms`));
        }
      }
    }
    if (again) {
      this.queueFlush();
      this.report();
    }
  }

  private queueFlush(): void {
    if (this.flushQueued) return;
    this.flushQueued = true;
    // Subscriptions made in one turn go out as one request (100 requests/min/stream, §4.3).
    setImmediate(() => {
      this.flushQueued = false;
      this.flush();
    });
  }

  private flush(): void {
    if (!this.call) return;
    if (this.toUnsubscribe.length > 0) {
      const gone = this.toUnsubscribe.splice(0);
      for (const kind of SUB_KINDS) {
        const of = gone.filter((g) => g.kind === kind);
        if (of.length > 0) this.write(subscriptionRequest(kind, SUBSCRIPTION_ACTION.unsubscribe, of));
      }
    }
    const fresh = [...this.subs.values()].filter((s) => s.status === 'pending' && !s.sent && !s.refused);
    if (fresh.length === 0) return;
    const now = this.owner.opts.now();
    for (const s of fresh) {
      s.sent = true;
      s.sentAt = now;
    }
    // One request manages one data type (§4.3).
    for (const kind of SUB_KINDS) {
      const of = fresh.filter((f) => f.kind === kind);
      if (of.length > 0) this.write(subscriptionRequest(kind, SUBSCRIPTION_ACTION.subscribe, of));
    }
    this.report();
  }

  private write(req: MarketDataRequest): void {
    const call = this.call;
    if (!call) return;
    try {
      call.write(req);
    } catch (e) {
      this.abandon(new VenueError('unavailable', 'write-failed', e instanceof Error ? e.message : String(e)));
    }
  }

  /** Recomputes the subscription counters and the state that follows from them. */
  report(): void {
    let pending = 0;
    let confirmed = 0;
    for (const s of this.subs.values()) {
      // Refused and overdue keys have said so through subscriptionFailed; they are not the stream's health.
      if (s.status === 'pending' && !s.overdue) pending++;
      else if (s.status === 'confirmed') confirmed++;
    }
    this.reporter.subscriptions(pending, confirmed);
    const st = this.loop.state;
    if (!this.call || st === 'connecting') return;
    if (st === 'authenticating' && this.watchdog.frames === 0) return;
    if (pending > 0) this.loop.setState('subscribing', `${pending} subscription(s) pending`);
    else if (this.troubled.size > 0) this.loop.setState('degraded', `${this.troubled.size} candle gap(s) not filled`);
    else if (this.fillsRunning > 0) this.loop.setState('subscribing', 'filling candle gaps');
    else this.loop.setState('live', `${confirmed} subscription(s) live`);
  }

  async close(): Promise<void> {
    for (const sub of this.subs.values()) sub.flow?.stop();
    const ended = this.endCall('closed');
    this.loop.stop();
    await ended;
  }
}

const SUB_KINDS: readonly SubKind[] = ['candles', 'book', 'trades', 'info', 'last'];

/** The request that (un)subscribes `subs`, all of one kind. */
function subscriptionRequest(kind: SubKind, action: number, subs: readonly Sub[]): MarketDataRequest {
  const ids = subs.map((s) => ({ instrumentId: s.uid }));
  switch (kind) {
    case 'candles':
      return {
        subscribeCandlesRequest: {
          subscriptionAction: action,
          instruments: subs.map((s) => ({ instrumentId: s.uid, interval: s.param })),
          waitingClose: false,
        },
      };
    case 'book':
      return { subscribeOrderBookRequest: { subscriptionAction: action, instruments: subs.map((s) => ({ instrumentId: s.uid, depth: s.param })) } };
    case 'trades':
      return { subscribeTradesRequest: { subscriptionAction: action, instruments: ids, tradeSource: TRADE_SOURCE_ALL } };
    case 'info':
      return { subscribeInfoRequest: { subscriptionAction: action, instruments: ids } };
    case 'last':
      return { subscribeLastPriceRequest: { subscriptionAction: action, instruments: ids } };
  }
}

function clampPing(ms: number): number {
  return Math.min(PING_DELAY_RANGE_MS.max, Math.max(PING_DELAY_RANGE_MS.min, Math.round(ms)));
}

export class MarketDataStream {
  readonly method = method<MarketDataRequest, unknown>(SERVICES.marketDataStream, 'MarketDataStream');
  private readonly shards: Shard[] = [];
  private readonly subs = new Map<string, Sub>();
  closed = false;

  constructor(readonly opts: MarketDataStreamOptions) {}

  /** Starts the live flow of a key; idempotent. */
  subscribe(key: CandleKey): void {
    if (this.closed) return;
    const id = candleKeyId(key);
    if (this.subs.has(id)) return;
    const interval = SUBSCRIPTION_INTERVAL[key.interval];
    const shard = this.shardWithRoom();
    const since = candleOpen(Math.floor(this.opts.now() / 1000), key.interval);
    const sub: Sub = {
      kind: 'candles',
      label: id,
      key,
      id,
      uid: key.instrumentId,
      slot: interval,
      param: interval,
      consumer: undefined,
      figi: this.opts.figiOf?.(key.instrumentId),
      status: 'pending',
      sent: false,
      sentAt: 0,
      refused: false,
      overdue: false,
      shard,
      flow: new CandleFlow(key, since, {
        emit: (c) => {
          if (this.closed) return;
          try {
            this.opts.sink.candle(c);
          } catch (e) {
            throw new CandleFault(c, e);
          }
        },
        fetch: (from, to) => this.opts.fetchCandles(key, from, to),
        now: this.opts.now,
        onFillError: (e) => sub.shard.fillFailed(sub, e),
        onFilling: (on, complete) => sub.shard.filling(sub, on, complete),
        onFault: (e) => sub.shard.fault(e, undefined),
        ...(this.opts.fillRetry ? { retry: this.opts.fillRetry } : {}),
      }),
    };
    this.subs.set(id, sub);
    shard.add(sub);
  }

  unsubscribe(key: CandleKey): void {
    this.drop(candleKeyId(key));
  }

  /** Starts a data subscription (order book, trades, info, last price); idempotent by kind, uid and depth. */
  subscribeData(spec: DataSubscription): string {
    const depth = spec.kind === 'book' ? (spec.depth ?? 0) : 0;
    const id = `${spec.kind}|${spec.uid}|${depth}`;
    if (this.closed || this.subs.has(id)) return id;
    const shard = this.shardWithRoom();
    const sub: Sub = {
      kind: spec.kind,
      label: spec.kind === 'book' ? `book ${spec.uid} depth ${depth}` : `${spec.kind} ${spec.uid}`,
      key: undefined,
      id,
      uid: spec.uid,
      slot: slotOf(spec.kind, depth),
      param: depth,
      figi: this.opts.figiOf?.(spec.uid),
      status: 'pending',
      sent: false,
      sentAt: 0,
      refused: false,
      overdue: false,
      flow: undefined,
      consumer: spec.consumer,
      shard,
    };
    this.subs.set(id, sub);
    shard.add(sub);
    return id;
  }

  unsubscribeData(id: string): void {
    this.drop(id);
  }

  private drop(id: string): void {
    const sub = this.subs.get(id);
    if (!sub) return;
    this.subs.delete(id);
    if (sub.flow) {
      sub.flow.stop();
      if (sub.flow.isFilling) sub.shard.filling(sub, false, true);
    }
    sub.shard.remove(sub, true);
  }

  /** A subscription failed (refused or overdue): its holder is told. */
  failed(sub: Sub, err: VenueError): void {
    if (sub.key) this.opts.sink.subscriptionFailed(sub.key, err.info(this.opts.now()));
    else sub.consumer?.failed(err);
  }

  /** The venue refused a key for the stream's limit: carry it on another stream. */
  relocate(sub: Sub, from: Shard): void {
    from.remove(sub, false);
    const next = this.shardWithRoom(from);
    sub.shard = next;
    next.add(sub);
  }

  /** Number of streams that are open now. */
  get openStreams(): number {
    return this.shards.filter((s) => s.isOpen).length;
  }

  states(): ConnectionState[] {
    return this.shards.map((s) => s.state);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(this.shards.map((s) => s.close()));
  }

  private shardWithRoom(except?: Shard): Shard {
    for (const s of this.shards) {
      if (s !== except && s.subs.size < s.capacity) return s;
    }
    const index = this.shards.length;
    const name = index === 0 ? 'marketdata' : `marketdata-${index + 1}`;
    const shard = new Shard(this, this.opts.sink.connection(name), this.opts.maxPerStream ?? MAX_SUBSCRIPTIONS_PER_STREAM, `marketdata#${index}`);
    this.shards.push(shard);
    return shard;
  }
}
