/**
 * The one owner of the bidi MarketDataStream (§2.3, §4.3, §5). Everyone else hands it
 * candle keys; it keeps them as data (pending / confirmed / failed), spreads them over as many
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
import { Backoff } from '../../net/backoff.js';
import type { BackoffOptions } from '../../net/backoff.js';
import { SilenceWatchdog } from '../../net/silence-watchdog.js';
import { VenueError } from '../venue.js';
import type { ConnectionReporter, VenueSink } from '../venue.js';
import { CandleFlow } from './candle-gaps.js';
import type { TInvestChannel } from './channel.js';
import {
  MAX_SUBSCRIPTIONS_PER_STREAM,
  PING_DELAY_RANGE_MS,
  SERVICES,
  SUBSCRIPTION_ACTION,
  SUBSCRIPTION_INTERVAL,
  SUBSCRIPTION_STATUS,
  WATCHDOG_INTERVALS,
} from './constants.js';
import { mapGrpcError } from './errors.js';
import { decodeMarketDataResponse } from './marketdata-decoder.js';
import type { MarketDataMessage, WireCandle, WirePing, WireSubscribeCandles } from './marketdata-decoder.js';
import type { MarketDataRequest } from './messages.js';
import { method } from './proto.js';

export interface MarketDataStreamOptions {
  channel: TInvestChannel;
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

interface Sub {
  readonly key: CandleKey;
  readonly id: string;
  readonly uid: string;
  readonly interval: number;
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
  readonly flow: CandleFlow;
  shard: Shard;
}

const STATUS_TEXT: Readonly<Record<number, string>> = {
  2: 'instrument not found',
  3: 'subscription action is invalid',
  5: 'interval is invalid',
  6: 'subscription limit of the stream exceeded',
  7: 'internal error',
  8: 'too many subscribe requests',
  9: 'subscription not found',
  10: 'candle source is invalid',
};

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
  /** Bumped whenever the current call is abandoned; events of older calls are ignored. */
  private gen = 0;
  private current: ConnectionState = 'idle';
  private readonly backoff: Backoff;
  private readonly watchdog: SilenceWatchdog;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private flushQueued = false;
  private readonly toUnsubscribe: Sub[] = [];
  private retrySubscribeTimer: NodeJS.Timeout | undefined;
  private fillsRunning = 0;
  private lastPingSentAt = 0;
  private lateShown = false;
  private liveSince: number | undefined;
  /** Keys whose last gap fill failed: their series may miss candles. */
  private readonly troubled = new Set<Sub>();
  /** Lowered when the venue answers LIMIT_IS_EXCEEDED below our own cap. */
  capacity: number;
  /** candleProblem's options; nowMs is a clock reading no later than now (see onCandle). */
  private readonly sanity = { nowMs: 0 };

  constructor(
    private readonly owner: MarketDataStream,
    readonly reporter: ConnectionReporter,
    capacity: number,
  ) {
    this.capacity = capacity;
    this.backoff = new Backoff(owner.opts.backoff);
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
        this.setState('degraded', `no message for ${ms} ms`);
      },
      onDead: (ms) => this.abandon(new VenueError('unavailable', 'stall', `stream silent for ${ms} ms`)),
    });
  }

  get state(): ConnectionState {
    return this.current;
  }

  get isOpen(): boolean {
    return this.call !== undefined;
  }

  add(sub: Sub): void {
    this.subs.set(sub.id, sub);
    indexPut(this.byUid, sub.uid, sub.interval, sub);
    if (sub.figi) indexPut(this.byFigi, sub.figi, sub.interval, sub);
    sub.status = 'pending';
    sub.sent = false;
    sub.overdue = false;
    if (this.call) this.queueFlush();
    else if (!this.reconnectTimer) this.openSoon();
    this.report();
  }

  remove(sub: Sub, unsubscribe: boolean): void {
    if (this.subs.get(sub.id) !== sub) return;
    this.subs.delete(sub.id);
    this.troubled.delete(sub);
    indexDrop(this.byUid, sub.uid, sub.interval, sub);
    if (sub.figi) indexDrop(this.byFigi, sub.figi, sub.interval, sub);
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
    this.reporter.message();
    switch (m.kind) {
      case 'candle':
        this.onCandle(m);
        break;
      case 'ping':
        this.onPing(m);
        break;
      case 'subscribe-candles':
        this.onStatuses(m);
        break;
      case 'malformed':
        this.reporter.malformed(m.error, sample(m));
        break;
      default:
        break;
    }
    // Cheap check first: only a state that a message can end needs a recount.
    if (this.current === 'authenticating' || this.lateShown) {
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

  private onCandle(m: WireCandle): void {
    const sub =
      (m.instrumentUid ? this.byUid.get(m.instrumentUid)?.[m.interval] : undefined) ?? (m.figi ? this.byFigi.get(m.figi)?.[m.interval] : undefined);
    if (sub === undefined || sub.refused) return;
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
    sub.flow.confirmed();
  }

  private onStatuses(m: WireSubscribeCandles): void {
    let retry = false;
    for (const s of m.subscriptions) {
      if (s.action === SUBSCRIPTION_ACTION.unsubscribe) continue;
      // A venue that does not know the id echoes it as the figi (§2.3): match that too.
      const sub =
        (s.instrumentUid ? this.byUid.get(s.instrumentUid)?.[s.interval] : undefined) ??
        (s.figi ? (this.byFigi.get(s.figi)?.[s.interval] ?? this.byUid.get(s.figi)?.[s.interval]) : undefined);
      if (!sub || !(sub.sent || sub.overdue) || sub.status === 'confirmed') continue;
      sub.sent = false;
      if (s.status === SUBSCRIPTION_STATUS.success && s.figi && sub.figi !== s.figi) {
        // The venue always names the figi (§2.3): learn it so figi-only candles match too.
        if (sub.figi) indexDrop(this.byFigi, sub.figi, sub.interval, sub);
        sub.figi = s.figi;
        indexPut(this.byFigi, s.figi, sub.interval, sub);
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
          const kind = s.status === SUBSCRIPTION_STATUS.instrumentNotFound ? 'invalid' : 'rejected';
          const err = new VenueError(kind, `subscription-status-${s.status}`, `${candleKeyId(sub.key)}: ${text}`, { trackingId: m.trackingId });
          this.owner.opts.sink.subscriptionFailed(sub.key, err.info(this.owner.opts.now()));
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

  private openSoon(): void {
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      this.open();
    }, 0);
  }

  private open(): void {
    if (this.owner.closed || this.call || this.subs.size === 0) return;
    const gen = ++this.gen;
    this.setState('connecting', 'opening MarketDataStream');
    const o = this.owner;
    const call = o.opts.channel.client.makeBidiStreamRequest(
      o.method.path,
      o.method.serialize,
      decodeMarketDataResponse,
      o.opts.channel.metadata(),
      {},
    ) as StreamCall;
    this.call = call;
    call.on('metadata', () => {
      if (gen === this.gen && this.current === 'authenticating') this.setState('subscribing', 'stream accepted');
    });
    // Nothing thrown while handling one message may reach grpc-js: caught here, counted, reconnected.
    call.on('data', (m: MarketDataMessage) => {
      if (gen !== this.gen) return;
      try {
        this.onMessage(m);
      } catch (e) {
        this.fault(e, m);
      }
    });
    // 'error' must have a listener; the outcome is read from 'status', which always comes.
    call.on('error', () => undefined);
    call.on('status', (st: StatusObject) => {
      if (gen !== this.gen) return;
      try {
        this.ended(st);
      } catch (e) {
        this.fault(e, undefined);
      }
    });
    this.setState('authenticating', 'stream opened');
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
    this.watchdog.start();
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
    const call = this.call;
    this.call = undefined;
    this.gen += 1;
    this.watchdog.stop();
    if (call) call.cancel();
    if (this.owner.closed) return;
    this.reporter.error(err.info(this.owner.opts.now()));
    if (this.subs.size === 0) {
      this.setState('idle', 'no subscriptions');
      return;
    }
    for (const sub of this.subs.values()) {
      if (!sub.refused) sub.status = 'pending';
      sub.sent = false;
      sub.overdue = false;
      sub.flow.streamLost();
    }
    this.reporter.reconnect();
    // Only a stream that stayed live a while has proven itself; quick deaths keep backing off.
    const liveFor = this.liveSince === undefined ? 0 : this.owner.opts.now() - this.liveSince;
    this.liveSince = undefined;
    if (liveFor >= STABLE_MS) this.backoff.reset();
    const base = err.kind === 'auth' ? (this.owner.opts.backoff?.maxMs ?? 30_000) : this.backoff.next();
    const delay = Math.max(base, err.kind === 'rate-limited' ? (err.retryAfterMs ?? 0) : 0);
    this.setState('reconnecting', `${err.code}: ${err.message}; next try in ${delay} ms`);
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      this.open();
    }, delay);
    this.report();
  }

  /** Half-closes the current call on purpose (empty, or the venue closing). */
  endCall(reason: string): Promise<void> {
    const call = this.call;
    this.call = undefined;
    this.gen += 1;
    this.watchdog.stop();
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    if (this.retrySubscribeTimer) clearTimeout(this.retrySubscribeTimer);
    this.retrySubscribeTimer = undefined;
    this.setState(this.owner.closed ? 'closed' : 'idle', reason);
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
          const err = new VenueError('unavailable', 'subscribe-timeout', `${candleKeyId(s.key)}: no answer to the subscription in ${now - s.sentAt} ms`);
          this.owner.opts.sink.subscriptionFailed(s.key, err.info(now));
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
      this.write({
        subscribeCandlesRequest: {
          subscriptionAction: SUBSCRIPTION_ACTION.unsubscribe,
          instruments: gone.map((s) => ({ instrumentId: s.uid, interval: s.interval })),
          waitingClose: false,
        },
      });
    }
    const fresh = [...this.subs.values()].filter((s) => s.status === 'pending' && !s.sent && !s.refused);
    if (fresh.length === 0) return;
    const now = this.owner.opts.now();
    for (const s of fresh) {
      s.sent = true;
      s.sentAt = now;
    }
    this.write({
      subscribeCandlesRequest: {
        subscriptionAction: SUBSCRIPTION_ACTION.subscribe,
        instruments: fresh.map((s) => ({ instrumentId: s.uid, interval: s.interval })),
        waitingClose: false,
      },
    });
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
    if (!this.call || this.current === 'connecting') return;
    if (this.current === 'authenticating' && this.watchdog.frames === 0) return;
    if (pending > 0) this.setState('subscribing', `${pending} subscription(s) pending`);
    else if (this.troubled.size > 0) this.setState('degraded', `${this.troubled.size} candle gap(s) not filled`);
    else if (this.fillsRunning > 0) this.setState('subscribing', 'filling candle gaps');
    else {
      if (this.current !== 'live') this.liveSince = this.owner.opts.now();
      this.setState('live', `${confirmed} subscription(s) live`);
    }
  }

  setState(s: ConnectionState, reason: string): void {
    if (s === this.current) return;
    this.current = s;
    this.reporter.state(s, reason);
  }

  async close(): Promise<void> {
    for (const sub of this.subs.values()) sub.flow.stop();
    await this.endCall('closed');
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
      key,
      id,
      uid: key.instrumentId,
      interval,
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
    const id = candleKeyId(key);
    const sub = this.subs.get(id);
    if (!sub) return;
    this.subs.delete(id);
    sub.flow.stop();
    if (sub.flow.isFilling) sub.shard.filling(sub, false, true);
    sub.shard.remove(sub, true);
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
    const shard = new Shard(this, this.opts.sink.connection(name), this.opts.maxPerStream ?? MAX_SUBSCRIPTIONS_PER_STREAM);
    this.shards.push(shard);
    return shard;
  }
}
