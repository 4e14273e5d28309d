/**
 * A console's link to its gateway: the FeedSource its bridge sessions read in place of a hub.
 * - Market data: one NATS subscription per key this console holds (however many charts show
 *   it), leased from the gateway and renewed; each subject's sequence is checked, and a gap, a
 *   new gateway or a link back from an outage brings a snapshot (and, for candles, the bars
 *   missed, from history), so the series after equals the gateway's.
 * - Orders: the ORDERS stream (order-replay.ts).
 * - Venue states, diagnostics, ledger changes, alerts: the gateway's broadcasts. While the
 *   gateway is out of reach every venue shows `reconnecting`, with why.
 */
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import type {
  Candle,
  CandleKey,
  ConnectionDiagnostics,
  ConnectionState,
  MarketKey,
  Order,
  OrderBook,
  Quote,
  StateChange,
  VenueErrorInfo,
  VenueId,
} from '../../../common/domain.js';
import { INTERVAL_SECONDS, candleKeyId, marketKeyId } from '../../../common/domain.js';
import type { HubListener } from '../../core/hub.js';
import type { ConnectionEvent, VenueSummary } from '../../core/types.js';
import type { Logger } from '../../core/log.js';
import type { FeedSource } from '../../bridge/session.js';
import type { FiredAlert } from '../../alerts/types.js';
import { wallClock } from '../../net/wire-tap.js';
import { connectNats, describeServers } from '../nats-link.js';
import type { NatsLinkOptions } from '../nats-link.js';
import { CONTROL, DEFAULT_LEASE_MS, EVENTS, candleSubject, inboxPrefixOf, marketSubject } from '../protocol.js';
import type { ConsoleHello, ConsoleLease, ForwardedMethod, GatewayHello, GatewayLinkStatus, GatewayReply, SnapshotReply, SnapshotRequest } from '../protocol.js';
import {
  decodeConnectionEvent,
  decodeFiredAlert,
  decodeGatewayHello,
  decodeGatewayStatus,
  decodeLeaseReply,
  decodeMarketData,
  decodeSnapshotReply,
} from '../wire-schemas.js';
import { forward } from './forward.js';
import { OrderReplay } from './order-replay.js';

/** Without the gateway's status broadcast (every second) for this long, it is out of reach. */
export const GATEWAY_SILENCE_MS = 4_000;
const CONTROL_TIMEOUT_MS = 3_000;
const TIMELINE_KEEP = 50;
/** Bars asked from history to fill what a break cost a chart (the venue's own cap is near). */
const MAX_FILL_BARS = 1_000;

export interface ConsoleLinkOptions {
  nats: NatsLinkOptions;
  version: string;
  log: Logger;
  consoleId?: string;
  leaseMs?: number;
  silenceMs?: number;
  requestTimeoutMs?: number;
}

interface CandleHeld {
  key: CandleKey;
  count: number;
  sub: Subscription | undefined;
  gatewayId: string | undefined;
  seq: number;
  forming: Candle | undefined;
  failure: VenueErrorInfo | undefined;
}

interface MarketHeld {
  key: MarketKey;
  count: number;
  sub: Subscription | undefined;
  gatewayId: string | undefined;
  seq: number;
  book: OrderBook | undefined;
  quote: Quote | undefined;
  failure: VenueErrorInfo | undefined;
}

function encode(v: unknown): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(v));
}

export class ConsoleLink implements FeedSource {
  readonly consoleId: string;
  readonly servers: string[];
  readonly user: string | undefined;
  private readonly o: ConsoleLinkOptions;
  private readonly log: Logger;
  private nc: NatsConnection | undefined;
  private readonly listeners = new Set<HubListener>();
  private readonly alertListeners = new Set<(a: FiredAlert) => void>();
  private readonly candles = new Map<string, CandleHeld>();
  private readonly markets = new Map<string, MarketHeld>();
  private readonly subs: Subscription[] = [];
  private replay: OrderReplay | undefined;
  private gateway: GatewayHello | undefined;
  private venueSummaries: VenueSummary[] = [];
  private gatewayDiagnostics: ConnectionDiagnostics[] = [];
  private streamSeq: number | undefined;
  private lastHeard = 0;
  private state: ConnectionState = 'connecting';
  private readonly timeline: StateChange[] = [];
  private rttMs: number | undefined;
  private lastError: string | undefined;
  private leaseTimer: ReturnType<typeof setInterval> | undefined;
  private leaseEveryMs = 0;
  private watchTimer: ReturnType<typeof setInterval> | undefined;
  private leasePending: Promise<void> | undefined;
  private leaseAgain = false;
  private closed = false;
  private helloPending = false;
  /** The gateway that said it is stopping: nothing more from it counts as it being back. */
  private stoppedGatewayId: string | undefined;
  /** Candle keys whose bars a break may have cost: filled from history once the gateway answers. */
  private readonly toFill = new Set<string>();
  marketMessages = 0;
  gaps = 0;
  snapshots = 0;
  malformed = 0;
  reconnects = 0;

  constructor(o: ConsoleLinkOptions) {
    this.o = o;
    this.log = o.log;
    this.consoleId = o.consoleId ?? `${os.hostname()}-${randomUUID().slice(0, 8)}`;
    this.servers = [...o.nats.servers];
    this.user = o.nats.user;
    this.setState('connecting', `connecting to NATS ${describeServers(o.nats)}`);
  }

  // ---- FeedSource ----

  readonly diagnostics = { snapshot: (): ConnectionDiagnostics[] => this.gatewayDiagnostics };

  on(listener: HubListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Fired alerts, from the gateway's broadcast (a session pushes them as topic `alert`). */
  onAlert(listener: (a: FiredAlert) => void): () => void {
    this.alertListeners.add(listener);
    return () => this.alertListeners.delete(listener);
  }

  retain(key: CandleKey): void {
    const id = candleKeyId(key);
    const held = this.candles.get(id);
    if (held) {
      held.count += 1;
      return;
    }
    const h: CandleHeld = { key, count: 1, sub: undefined, gatewayId: undefined, seq: 0, forming: undefined, failure: undefined };
    this.candles.set(id, h);
    h.sub = this.subscribeData(candleSubject(key), (data) => this.onCandleData(h, data));
    this.leaseNow();
    void this.snapshot([key], []);
  }

  release(key: CandleKey): void {
    const id = candleKeyId(key);
    const h = this.candles.get(id);
    if (!h || --h.count > 0) return;
    this.candles.delete(id);
    this.toFill.delete(id);
    h.sub?.unsubscribe();
    this.leaseNow();
  }

  retainMarket(key: MarketKey): void {
    const id = marketKeyId(key);
    const held = this.markets.get(id);
    if (held) {
      held.count += 1;
      return;
    }
    const h: MarketHeld = { key, count: 1, sub: undefined, gatewayId: undefined, seq: 0, book: undefined, quote: undefined, failure: undefined };
    this.markets.set(id, h);
    h.sub = this.subscribeData(marketSubject(key), (data) => this.onMarketData(h, data));
    this.leaseNow();
    void this.snapshot([], [key]);
  }

  releaseMarket(key: MarketKey): void {
    const id = marketKeyId(key);
    const h = this.markets.get(id);
    if (!h || --h.count > 0) return;
    this.markets.delete(id);
    h.sub?.unsubscribe();
    this.leaseNow();
  }

  subscriptionFailure(key: CandleKey): VenueErrorInfo | undefined {
    return this.candles.get(candleKeyId(key))?.failure;
  }

  latestBook(key: MarketKey): OrderBook | undefined {
    return this.markets.get(marketKeyId(key))?.book;
  }

  latestQuote(key: MarketKey): Quote | undefined {
    return this.markets.get(marketKeyId(key))?.quote;
  }

  marketFailure(key: MarketKey): VenueErrorInfo | undefined {
    return this.markets.get(marketKeyId(key))?.failure;
  }

  marketProblem(venue: VenueId, detail: string): void {
    // The console's own trouble (a client too slow for a flood): its log, not the gateway's diagnostics.
    this.log.warn(`${venue}: ${detail}`);
  }

  forming(key: CandleKey): Candle | undefined {
    return this.candles.get(candleKeyId(key))?.forming;
  }

  summaries(): VenueSummary[] {
    if (this.state === 'live') return this.venueSummaries;
    return this.venueSummaries.map((s) => ({ ...s, state: 'reconnecting' as const }));
  }

  orders(): Order[] {
    return this.replay?.list() ?? [];
  }

  // ---- the link ----

  /** Connects to NATS (waiting for it), says hello, starts reading orders and broadcasts. */
  async start(): Promise<void> {
    // Replies under this user's own prefix: the desk's config lets no other console read them.
    const nc = await connectNats({ ...this.o.nats, name: this.o.nats.name ?? `switchboard-console ${this.consoleId}`, inboxPrefix: inboxPrefixOf(this.user) });
    this.nc = nc;
    void this.watchStatus(nc);
    this.subs.push(
      this.subscribeData(EVENTS.status, (data) => {
        const d = decodeGatewayStatus(data);
        if (!d.ok) return this.countMalformed(`status: ${d.error}`);
        this.heard(d.value.gatewayId);
        this.venueSummaries = d.value.summaries;
        this.gatewayDiagnostics = d.value.diagnostics;
        this.streamSeq = d.value.orderSeq;
      }),
      this.subscribeData(EVENTS.connection, (data) => {
        const d = decodeConnectionEvent(data);
        if (!d.ok) return this.countMalformed(`connection event: ${d.error}`);
        this.applyConnection(d.value);
      }),
      this.subscribeData(EVENTS.ledger, () => this.emit('ledger')),
      this.subscribeData(EVENTS.alert, (data) => {
        const d = decodeFiredAlert(data);
        if (!d.ok) return this.countMalformed(`alert: ${d.error}`);
        for (const l of this.alertListeners) l(d.value);
      }),
      this.subscribeData(EVENTS.hello, (data) => {
        const d = decodeGatewayHello(data);
        if (!d.ok) return this.countMalformed(`hello: ${d.error}`);
        if (d.value.stopping) {
          this.stoppedGatewayId = d.value.gatewayId;
          if (d.value.gatewayId === this.gateway?.gatewayId) this.lost('the gateway is stopping (a restart?)');
          return;
        }
        this.onGateway(d.value);
      }),
    );
    this.replay = new OrderReplay({
      nc,
      log: this.log.child('orders'),
      onUpdate: (u) => this.emit('order', u),
      onMalformed: (why) => this.countMalformed(why),
      onReading: (reading, why) => {
        if (!reading) this.lastError = why;
      },
    });
    this.replay.start();
    this.renewEvery(this.o.leaseMs ?? DEFAULT_LEASE_MS);
    await this.hello();
    this.watchTimer = setInterval(() => this.watchSilence(), 500);
    this.watchTimer.unref?.();
  }

  /** A forwarded bridge method. */
  call(method: ForwardedMethod, clientId: string, request: unknown): Promise<GatewayReply> {
    return forward(
      {
        nc: () => this.nc,
        consoleId: this.consoleId,
        user: this.user,
        onMalformed: (why) => this.countMalformed(why),
        onNoAnswer: (why, sentAt) => this.lostUnlessHeardSince(sentAt, why),
        ...(this.o.requestTimeoutMs === undefined ? {} : { requestTimeoutMs: this.o.requestTimeoutMs }),
      },
      method,
      clientId,
      request,
    );
  }

  status(): GatewayLinkStatus {
    const s: GatewayLinkStatus = {
      servers: [...this.servers],
      state: this.state,
      timeline: [...this.timeline].reverse(),
      replaySeq: this.replay?.seq ?? 0,
      orderEvents: this.replay?.applied ?? 0,
      duplicateOrderEvents: this.replay?.duplicates ?? 0,
      marketMessages: this.marketMessages,
      gaps: this.gaps,
      snapshots: this.snapshots,
      malformed: this.malformed,
      reconnects: this.reconnects,
      leasedKeys: this.candles.size + this.markets.size,
    };
    if (this.user !== undefined) s.user = this.user;
    if (this.rttMs !== undefined) s.rttMs = this.rttMs;
    if (this.gateway) {
      s.gatewayId = this.gateway.gatewayId;
      s.gatewayStartedAt = this.gateway.startedAt;
    }
    if (this.streamSeq !== undefined) s.streamSeq = this.streamSeq;
    if (this.lastError !== undefined) s.lastError = this.lastError;
    return s;
  }

  /** What the page shows under app.info's notices: a gateway that has never answered. */
  notices(): string[] {
    if (this.gateway !== undefined) return [];
    return [`No Switchboard gateway answers on NATS ${this.servers.join(', ')} yet; this console keeps asking. Is the gateway running (npm run gateway)?`];
  }

  /** Tells the gateway this console is going (its keys are released at once). */
  async leave(): Promise<void> {
    const nc = this.nc;
    if (!nc || nc.isClosed()) return;
    await nc.request(CONTROL.bye, encode({ consoleId: this.consoleId }), { timeout: 1_000 }).catch(() => undefined);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.leaseTimer);
    clearInterval(this.watchTimer);
    await this.replay?.close();
    for (const s of this.subs.splice(0)) s.unsubscribe();
    for (const h of this.candles.values()) h.sub?.unsubscribe();
    for (const h of this.markets.values()) h.sub?.unsubscribe();
    this.setState('closed', 'console closed');
    await this.nc?.drain().catch(() => this.nc?.close());
  }

  // ---- inside ----

  private emit<K extends keyof HubListener>(kind: K, ...args: Parameters<NonNullable<HubListener[K]>>): void {
    for (const l of this.listeners) {
      const fn = l[kind] as ((...a: typeof args) => void) | undefined;
      try {
        fn?.(...args);
      } catch (err) {
        this.log.error(`a ${kind} listener failed`, err);
      }
    }
  }

  private subscribeData(subject: string, onData: (data: Uint8Array) => void): Subscription {
    const nc = this.nc;
    if (!nc) throw new Error('the console is not connected yet');
    return nc.subscribe(subject, {
      callback: (err, msg) => {
        if (err) {
          this.lastError = `${subject}: ${err.message}`;
          this.log.warn(`subscription ${subject} failed`, err);
          return;
        }
        try {
          onData(msg.data);
        } catch (e) {
          this.countMalformed(`${subject}: ${e instanceof Error ? e.message : String(e)}`);
        }
      },
    });
  }

  private countMalformed(why: string): void {
    this.malformed += 1;
    this.lastError = `skipped a message: ${why}`;
    this.log.warn(`gateway message skipped: ${why}`);
  }

  private setState(state: ConnectionState, reason: string): void {
    if (state === this.state && this.timeline.length > 0) return;
    this.state = state;
    this.timeline.push({ state, at: Date.now(), reason });
    if (this.timeline.length > TIMELINE_KEEP) this.timeline.shift();
    this.log.info(`gateway link ${state}: ${reason}`);
  }

  /** The gateway answered or broadcast: the link is live; a new gateway id means a restart. */
  private heard(gatewayId: string): void {
    // A stopping gateway's last words (a status already on its way) do not bring the link back.
    if (gatewayId === this.stoppedGatewayId) return;
    this.lastHeard = Date.now();
    if (this.gateway && this.gateway.gatewayId !== gatewayId) {
      // Its hello will follow (or we ask): state and keys are re-read then.
      void this.hello();
      return;
    }
    if (this.state !== 'live' && this.gateway) this.back(`gateway ${gatewayId.slice(0, 8)} answering`);
  }

  private async hello(): Promise<void> {
    const nc = this.nc;
    if (!nc || this.closed || this.helloPending) return;
    this.helloPending = true;
    const body: ConsoleHello = { consoleId: this.consoleId, version: this.o.version };
    const sentAt = Date.now();
    try {
      const m = await nc.request(CONTROL.hello, encode(body), { timeout: CONTROL_TIMEOUT_MS });
      const d = decodeGatewayHello(m.data);
      if (!d.ok) return this.countMalformed(`hello: ${d.error}`);
      this.onGateway(d.value);
    } catch (err) {
      this.lostUnlessHeardSince(sentAt, `no gateway answers on NATS ${describeServers(this.o.nats)} (${err instanceof Error ? err.message : String(err)})`);
    } finally {
      this.helloPending = false;
    }
  }

  /** Renews well inside the lease the gateway grants (three times per lease). */
  private renewEvery(leaseMs: number): void {
    const every = Math.max(250, Math.floor(leaseMs / 3));
    if (every === this.leaseEveryMs) return;
    this.leaseEveryMs = every;
    clearInterval(this.leaseTimer);
    this.leaseTimer = setInterval(() => this.leaseNow(), every);
    this.leaseTimer.unref?.();
  }

  private onGateway(h: GatewayHello): void {
    if (h.gatewayId === this.stoppedGatewayId) return;
    this.renewEvery(h.leaseMs);
    const was = this.gateway;
    this.gateway = h;
    this.lastHeard = Date.now();
    this.streamSeq = Math.max(this.streamSeq ?? 0, h.orderSeq);
    const restarted = was !== undefined && was.gatewayId !== h.gatewayId;
    if (restarted) {
      // A new gateway holds no lease of ours and may have missed bars while it was down, even
      // if it came back before this console noticed it was gone.
      this.log.info(`gateway restarted: ${was.gatewayId} → ${h.gatewayId}`);
      for (const id of this.candles.keys()) this.toFill.add(id);
    }
    if (this.state !== 'live') this.back(was === undefined ? `gateway ${h.gatewayId.slice(0, 8)} (version ${h.version}) answering` : `gateway ${h.gatewayId.slice(0, 8)} answering`);
    else if (restarted) this.resync();
  }

  /**
   * A request sent at sentAt got no answer. If the gateway was heard since, the request was lost
   * with the connection it left on (or queued while NATS was away), not the gateway: the link
   * stays as it is, and the silence watch still notices a gateway that goes quiet.
   */
  private lostUnlessHeardSince(sentAt: number, why: string): void {
    if (this.lastHeard >= sentAt) {
      this.lastError = why;
      return;
    }
    this.lost(why);
  }

  /** The gateway is out of reach (NATS down, gateway stopped, silent): venues show reconnecting. */
  private lost(why: string): void {
    if (this.closed) return;
    this.lastError = why;
    if (this.state === 'reconnecting' || this.state === 'connecting') {
      if (this.state === 'connecting') this.setState('reconnecting', why);
      return;
    }
    this.setState('reconnecting', why);
    this.reconnects += 1;
    for (const id of this.candles.keys()) this.toFill.add(id);
    for (const s of this.venueSummaries) {
      this.emit('connection', { venue: s.id, connection: 'venue', state: 'reconnecting', at: Date.now(), reason: `gateway link: ${why}` });
    }
  }

  /** Reachable again: show the venues as the gateway has them, and catch up on what was missed. */
  private back(why: string): void {
    if (this.state === 'live' || this.closed) return;
    this.setState('live', why);
    for (const s of this.venueSummaries) {
      this.emit('connection', { venue: s.id, connection: 'venue', state: s.state, at: Date.now(), reason: 'as the gateway has it' });
    }
    this.resync();
  }

  /** Re-lease, re-snapshot, fill what charts missed, re-read the stream from the last sequence applied. */
  private resync(): void {
    this.leaseNow();
    const cs = [...this.candles.values()].map((h) => h.key);
    const ms = [...this.markets.values()].map((h) => h.key);
    if (cs.length + ms.length > 0) void this.snapshot(cs, ms);
    void this.fillGaps();
    this.replay?.resume();
    // Fills or fees may have come in while away.
    this.emit('ledger');
  }

  private async watchStatus(nc: NatsConnection): Promise<void> {
    for await (const s of nc.status()) {
      if (this.closed) break;
      if (s.type === 'disconnect') this.lost(`NATS server ${s.server} lost`);
      else if (s.type === 'reconnect') {
        this.setState('connecting', `NATS reconnected to ${s.server}`);
        void this.hello();
      } else if (s.type === 'error') this.lastError = s.error.message;
    }
  }

  private watchSilence(): void {
    if (this.closed) return;
    const silence = this.o.silenceMs ?? GATEWAY_SILENCE_MS;
    if (this.state === 'live' && Date.now() - this.lastHeard > silence) this.lost(`no word from the gateway for ${Math.round(silence / 1000)} s`);
    else if (this.state !== 'live') void this.hello();
    const nc = this.nc;
    if (nc && !nc.isClosed() && this.state === 'live') {
      nc.rtt().then(
        (ms) => (this.rttMs = ms),
        () => undefined,
      );
    }
  }

  private leaseNow(): void {
    if (this.leasePending) {
      this.leaseAgain = true;
      return;
    }
    this.leasePending = this.sendLease().finally(() => {
      this.leasePending = undefined;
      if (this.leaseAgain) {
        this.leaseAgain = false;
        this.leaseNow();
      }
    });
  }

  private async sendLease(): Promise<void> {
    const nc = this.nc;
    if (!nc || nc.isClosed() || this.closed) return;
    const lease: ConsoleLease = {
      consoleId: this.consoleId,
      candles: [...this.candles.values()].map((h) => h.key),
      markets: [...this.markets.values()].map((h) => h.key),
    };
    const sentAt = Date.now();
    try {
      const m = await nc.request(CONTROL.lease, encode(lease), { timeout: CONTROL_TIMEOUT_MS });
      const d = decodeLeaseReply(m.data);
      if (!d.ok) return this.countMalformed(`lease: ${d.error}`);
      this.heard(d.value.gatewayId);
    } catch (err) {
      this.lostUnlessHeardSince(sentAt, `the gateway did not renew this console's lease (${err instanceof Error ? err.message : String(err)})`);
    }
  }

  private async snapshot(candles: CandleKey[], markets: MarketKey[]): Promise<void> {
    const nc = this.nc;
    if (!nc || nc.isClosed() || this.closed) return;
    this.snapshots += 1;
    const req: SnapshotRequest = { candles, markets };
    let reply: SnapshotReply;
    const sentAt = Date.now();
    try {
      const m = await nc.request(CONTROL.snapshot, encode(req), { timeout: CONTROL_TIMEOUT_MS });
      const d = decodeSnapshotReply(m.data, Date.now());
      if (!d.ok) return this.countMalformed(`snapshot: ${d.error}`);
      reply = d.value;
    } catch (err) {
      // The next lease or status brings the link back, and with it another snapshot.
      this.lostUnlessHeardSince(sentAt, `no snapshot from the gateway (${err instanceof Error ? err.message : String(err)})`);
      return;
    }
    const now = wallClock();
    for (const s of reply.candles) {
      const h = this.candles.get(candleKeyId(s.key));
      if (!h) continue;
      const fresh = h.gatewayId !== reply.gatewayId || s.seq >= h.seq;
      if (fresh) {
        h.gatewayId = reply.gatewayId;
        h.seq = s.seq;
      }
      // Older than what arrived since: only the bars before the forming one can still help.
      const bars = fresh || !h.forming ? s.candles : s.candles.filter((c) => c.time < h.forming!.time);
      for (const c of bars) this.applyCandle(h, c, now);
      if (fresh && s.failure) this.applyCandleFailure(h, s.failure);
    }
    for (const s of reply.markets) {
      const h = this.markets.get(marketKeyId(s.key));
      if (!h) continue;
      if (h.gatewayId === reply.gatewayId && s.seq < h.seq) continue;
      h.gatewayId = reply.gatewayId;
      h.seq = s.seq;
      const id = marketKeyId(h.key);
      if (s.book) {
        h.book = s.book;
        this.emit('book', s.book, id);
      }
      if (s.quote) {
        h.quote = s.quote;
        this.emit('quote', s.quote, id);
      }
      if (s.failure) {
        h.failure = s.failure;
        this.emit('marketFailed', h.key, s.failure);
      }
    }
  }

  /** The bars a break cost each chart, from the gateway's history (its candle cache or the venue). */
  private async fillGaps(): Promise<void> {
    const ids = [...this.toFill];
    this.toFill.clear();
    for (const id of ids) {
      const h = this.candles.get(id);
      if (!h?.forming) continue;
      const span = INTERVAL_SECONDS[h.key.interval];
      const missed = Math.ceil((Date.now() / 1000 - h.forming.time) / span) + 2;
      const limit = Math.min(MAX_FILL_BARS, Math.max(2, missed));
      const reply = await this.call('candles.history', 'link', { venue: h.key.venue, instrumentId: h.key.instrumentId, interval: h.key.interval, limit });
      if (!reply.ok) {
        this.toFill.add(id);
        this.lastError = `history fill of ${id}: ${reply.message}`;
        continue;
      }
      // The answer was checked on its way in (forward.ts: schema and candle sanity); what is left
      // is whether every bar is this chart's.
      const bars = reply.value as Candle[];
      if (bars.some((c) => candleKeyId(c) !== id)) {
        this.countMalformed(`history fill of ${id}: a bar of another chart`);
        continue;
      }
      const from = h.forming.time;
      const now = wallClock();
      for (const c of bars) if (c.time >= from) this.applyCandle(h, c, now);
    }
  }

  private onCandleData(h: CandleHeld, data: Uint8Array): void {
    this.marketMessages += 1;
    const d = decodeMarketData(data, { kind: 'candle', key: h.key }, Date.now());
    if (!d.ok) return this.countMalformed(`${candleKeyId(h.key)}: ${d.error}`);
    const m = d.value;
    this.heard(m.g);
    if (this.isGap(h, m.g, m.s)) void this.snapshot([h.key], []);
    const now = wallClock();
    for (const c of m.candles ?? []) this.applyCandle(h, c, now);
    if (m.failure) this.applyCandleFailure(h, m.failure);
  }

  private onMarketData(h: MarketHeld, data: Uint8Array): void {
    this.marketMessages += 1;
    const d = decodeMarketData(data, { kind: 'market', key: h.key }, Date.now());
    if (!d.ok) return this.countMalformed(`${marketKeyId(h.key)}: ${d.error}`);
    const m = d.value;
    this.heard(m.g);
    if (this.isGap(h, m.g, m.s)) void this.snapshot([], [h.key]);
    const id = marketKeyId(h.key);
    if (m.book) {
      h.book = m.book;
      h.failure = undefined;
      this.emit('book', m.book, id);
    }
    if (m.quote) {
      h.quote = m.quote;
      h.failure = undefined;
      this.emit('quote', m.quote, id);
    }
    if (m.trades && m.trades.length > 0) this.emit('trades', m.trades);
    if (m.failure) {
      h.failure = m.failure;
      this.emit('marketFailed', h.key, m.failure);
    }
  }

  /** Checks a subject's sequence; true when messages were lost (or a new gateway numbers afresh). */
  private isGap(h: { gatewayId: string | undefined; seq: number }, gatewayId: string, seq: number): boolean {
    if (h.gatewayId === undefined) {
      // First contact: the subject was already numbering; the snapshot asked at retain covers the start.
      h.gatewayId = gatewayId;
      h.seq = seq;
      return false;
    }
    if (h.gatewayId !== gatewayId) {
      // A new gateway numbers afresh: what the old one sent last may be lost.
      h.gatewayId = gatewayId;
      h.seq = seq;
      this.gaps += 1;
      return true;
    }
    if (seq <= h.seq) return false;
    const gap = seq !== h.seq + 1 && h.seq !== 0;
    h.seq = seq;
    if (gap) this.gaps += 1;
    return gap;
  }

  private applyCandle(h: CandleHeld, c: Candle, receivedAt: number): void {
    if (!h.forming || c.time >= h.forming.time) h.forming = c;
    h.failure = undefined;
    this.emit('candle', c, candleKeyId(h.key), receivedAt);
  }

  private applyCandleFailure(h: CandleHeld, f: VenueErrorInfo): void {
    h.failure = f;
    this.emit('subscriptionFailed', h.key, f);
  }

  private applyConnection(e: ConnectionEvent): void {
    if (e.connection === 'venue') {
      const s = this.venueSummaries.find((v) => v.id === e.venue);
      if (s) s.state = e.state;
    }
    // While the gateway is out of reach its venues show reconnecting; its own events resume after.
    if (this.state === 'live') this.emit('connection', e);
  }
}

/** Connects a console to its gateway; resolves once NATS answers (the gateway may come later). */
export async function openConsoleLink(o: ConsoleLinkOptions): Promise<ConsoleLink> {
  const link = new ConsoleLink(o);
  try {
    await link.start();
    return link;
  } catch (err) {
    await link.close();
    throw err;
  }
}
