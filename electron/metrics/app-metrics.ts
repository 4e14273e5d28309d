/**
 * The app's metrics, in its own prom-client registry (never the library's global one): the
 * connections' diagnostics and the journal's acknowledgement latency are read at scrape time
 * (nothing is pushed on the hot path); push batch sizes and the renderer's tick-to-screen
 * reports come in through the bridge's hooks. docs/metrics.md lists every name.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics, openMetricsContentType } from 'prom-client';
import type { OpenMetricsContentType } from 'prom-client';
import { CONNECTION_STATES } from '../../common/domain.js';
import type { ConnectionDiagnostics } from '../../common/domain.js';
import { TICK_TO_SCREEN_BUCKETS_MS } from '../../common/perf-buckets.js';
import { ACK_LATENCY_BUCKETS_MS } from '../core/ack-latency.js';
import type { AckLatency } from '../core/ack-latency.js';
import type { ParsedRequest, PushBatch } from '../contract.js';
import type { BridgeMetrics, BridgeTransport } from '../bridge/metrics-hooks.js';
import { BucketHistogram } from './bucket-histogram.js';

/** What the metrics read: the hub's diagnostics and journal, as plain getters (no Hub type needed). */
export interface MetricsSources {
  diagnostics: () => ConnectionDiagnostics[];
  ackLatency: AckLatency;
  version: string;
}

export interface ScrapeResult {
  contentType: string;
  text: string;
}

export const BREAKER_STATES = ['closed', 'open', 'half-open'] as const;
/** Items per push batch: one window of a quiet chart is a handful; a flood hits the print cap (2000). */
export const BATCH_ITEM_BUCKETS: readonly number[] = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000];

const PREFIX = 'switchboard_';
const CONN = ['venue', 'connection'] as const;

/** Everything one push batch carries, counted: the bridge's unit of work. */
export function batchItems(b: PushBatch): number {
  return (
    b.candles.length +
    b.orders.length +
    b.connections.length +
    (b.subscriptionFailures?.length ?? 0) +
    (b.ledger ? 1 : 0) +
    (b.books?.length ?? 0) +
    (b.trades?.length ?? 0) +
    (b.quotes?.length ?? 0) +
    (b.marketFailures?.length ?? 0)
  );
}

export class AppMetrics implements BridgeMetrics {
  /** Served as OpenMetrics; a Prometheus-format view of the same metrics is made per scrape. */
  readonly registry = new Registry<OpenMetricsContentType>();
  private readonly batchItemsHistogram: Histogram<'transport'>;
  /** The renderers' reported tick-to-screen samples, summed over every report (per bucket, ms). */
  private readonly ticks = { buckets: new Array<number>(TICK_TO_SCREEN_BUCKETS_MS.length + 1).fill(0), sumMs: 0, count: 0 };
  /** One diagnostics snapshot per scrape, shared by every connection metric's collect(). */
  private current: ConnectionDiagnostics[] = [];

  constructor(private readonly sources: MetricsSources, opts: { processMetrics?: boolean } = {}) {
    this.registry.setContentType(openMetricsContentType);
    const registers = [this.registry];
    const conns = (): ConnectionDiagnostics[] => this.current;

    new Gauge({ name: `${PREFIX}info`, help: 'The running app; always 1.', labelNames: ['version'], registers }).set({ version: sources.version }, 1);

    new Gauge({
      name: `${PREFIX}connection_state`,
      help: 'A connection’s state: 1 for the state it is in, 0 for every other.',
      labelNames: [...CONN, 'state'],
      registers,
      collect() {
        this.reset();
        for (const c of conns()) for (const s of CONNECTION_STATES) this.set({ venue: c.venue, connection: c.connection, state: s }, c.state === s ? 1 : 0);
      },
    });
    const counter = (name: string, help: string, value: (c: ConnectionDiagnostics) => number): void => {
      new Counter({
        name: `${PREFIX}${name}`,
        help,
        labelNames: CONN,
        registers,
        collect() {
          this.reset();
          for (const c of conns()) this.inc({ venue: c.venue, connection: c.connection }, value(c));
        },
      });
    };
    counter('connection_reconnects', 'Reconnects of a connection since the app started.', (c) => c.reconnects);
    counter('connection_messages', 'Frames received on a connection (data and pings) since the app started.', (c) => c.messages);
    new Counter({
      name: `${PREFIX}connection_received_bytes`,
      help: 'Bytes received on a connection since the app started, where the adapter tells frame sizes (Kraken; not gRPC streams).',
      labelNames: CONN,
      registers,
      collect() {
        this.reset();
        for (const c of conns()) if (c.bytesReceived !== undefined) this.inc({ venue: c.venue, connection: c.connection }, c.bytesReceived);
      },
    });
    counter('connection_malformed_frames', 'Frames that failed validation and were skipped.', (c) => c.malformed);

    const gauge = <L extends string>(name: string, help: string, labelNames: readonly L[], fill: (g: Gauge<L>, c: ConnectionDiagnostics) => void): void => {
      new Gauge<L>({
        name: `${PREFIX}${name}`,
        help,
        labelNames,
        registers,
        collect() {
          this.reset();
          for (const c of conns()) fill(this, c);
        },
      });
    };
    gauge('connection_ping_rtt_seconds', 'The last ping round trip of a connection.', CONN, (g, c) => {
      if (c.pingRttMs !== undefined) g.set({ venue: c.venue, connection: c.connection }, c.pingRttMs / 1000);
    });
    gauge('connection_last_message_timestamp_seconds', 'When a connection last received a frame (Unix time).', CONN, (g, c) => {
      if (c.lastMessageAt !== undefined) g.set({ venue: c.venue, connection: c.connection }, c.lastMessageAt / 1000);
    });
    gauge('connection_subscriptions', 'Subscriptions of a connection, pending (asked, not yet confirmed) or confirmed.', [...CONN, 'status'], (g, c) => {
      g.set({ venue: c.venue, connection: c.connection, status: 'pending' }, c.subscriptions.pending);
      g.set({ venue: c.venue, connection: c.connection, status: 'confirmed' }, c.subscriptions.confirmed);
    });
    const limiter = [...CONN, 'limiter'] as const;
    gauge('limiter_remaining', 'Requests a rate limiter allows now (its headroom).', limiter, (g, c) => {
      for (const l of c.limiters) g.set({ venue: c.venue, connection: c.connection, limiter: l.name }, l.remaining);
    });
    gauge('limiter_limit', 'The most requests a rate limiter allows.', limiter, (g, c) => {
      for (const l of c.limiters) g.set({ venue: c.venue, connection: c.connection, limiter: l.name }, l.limit);
    });
    gauge('limiter_queued', 'Requests waiting for a rate limiter.', limiter, (g, c) => {
      for (const l of c.limiters) g.set({ venue: c.venue, connection: c.connection, limiter: l.name }, l.queued);
    });
    gauge('breaker_state', 'A circuit breaker’s state: 1 for the state it is in, 0 for every other.', [...CONN, 'breaker', 'state'], (g, c) => {
      for (const b of c.breakers) for (const s of BREAKER_STATES) g.set({ venue: c.venue, connection: c.connection, breaker: b.name, state: s }, b.state === s ? 1 : 0);
    });
    gauge('breaker_failures', 'Failures a circuit breaker counts now.', [...CONN, 'breaker'], (g, c) => {
      for (const b of c.breakers) g.set({ venue: c.venue, connection: c.connection, breaker: b.name }, b.failures);
    });

    new BucketHistogram({
      name: `${PREFIX}order_ack_latency_seconds`,
      help: 'From handing a place, cancel or amend to the adapter to the venue’s first answer (its reply, refusal or stream evidence); outcome lost = no answer.',
      labelNames: ['venue', 'kind', 'order_type', 'outcome'],
      bounds: ACK_LATENCY_BUCKETS_MS.map((ms) => ms / 1000),
      registers,
      read: () =>
        sources.ackLatency.series().map((s) => ({
          labels: { venue: s.venue, kind: s.kind, order_type: s.orderType, outcome: s.outcome },
          buckets: s.buckets,
          sum: s.sumMs / 1000,
          count: s.count,
        })),
    });

    this.batchItemsHistogram = new Histogram({
      name: `${PREFIX}bridge_batch_items`,
      help: 'Items (candles, orders, connection events, books, prints, quotes, failures) per push batch sent to a client.',
      labelNames: ['transport'],
      buckets: [...BATCH_ITEM_BUCKETS],
      registers,
    });

    new BucketHistogram({
      name: `${PREFIX}renderer_tick_to_screen_seconds`,
      help: 'Tick-to-screen samples the renderers reported (every client together).',
      labelNames: [],
      bounds: TICK_TO_SCREEN_BUCKETS_MS.map((ms) => ms / 1000),
      registers,
      read: () => [{ labels: {}, buckets: this.ticks.buckets, sum: this.ticks.sumMs / 1000, count: this.ticks.count }],
    });

    if (opts.processMetrics ?? true) collectDefaultMetrics({ register: this.registry });
  }

  batchSent(transport: BridgeTransport, batch: PushBatch): void {
    this.batchItemsHistogram.observe({ transport }, batchItems(batch));
  }

  rendererReport(report: ParsedRequest<'perf.report'>): void {
    const t = report.tickToScreen;
    for (let i = 0; i < this.ticks.buckets.length; i++) this.ticks.buckets[i]! += t.buckets[i] ?? 0;
    this.ticks.sumMs += t.sumMs;
    this.ticks.count += t.count;
  }

  /**
   * The text for one scrape: OpenMetrics, unless the client asks for the Prometheus text
   * format only (Accept without application/openmetrics-text), as Prometheus negotiates.
   */
  async scrape(accept?: string): Promise<ScrapeResult> {
    this.current = this.sources.diagnostics();
    try {
      if (wantsOpenMetrics(accept)) return { contentType: this.registry.contentType, text: standardNaN(await this.registry.metrics()) };
      // The same metric objects, seen through a registry that writes the older format.
      const view = new Registry();
      for (const m of this.registry.getMetricsAsArray()) {
        const metric = this.registry.getSingleMetric(m.name);
        if (metric) view.registerMetric(metric);
      }
      return { contentType: view.contentType, text: standardNaN(await view.metrics()) };
    } finally {
      this.current = [];
    }
  }
}

/**
 * prom-client 15 writes NaN as "Nan" (the event loop lag before its first sample): Prometheus
 * reads any case, stricter parsers only the spelling both formats define, "NaN".
 */
export function standardNaN(text: string): string {
  return text.replace(/ Nan$/gm, ' NaN');
}

export function wantsOpenMetrics(accept: string | undefined): boolean {
  if (accept === undefined || accept.trim() === '' || accept.includes('*/*')) return true;
  return /application\/openmetrics-text/i.test(accept);
}
