/**
 * The metrics endpoint as an operations engineer meets it: the real headless app on both local
 * venues (loopback), --metrics on, GET /metrics over HTTP, the text parsed by a Prometheus
 * text parser from npm (prom2javascript). A burst of limit orders and cancels on each venue
 * through the bridge must move the acknowledgement-latency histograms by exactly that many.
 *
 * The parsed scrape asks for the Prometheus text format (Accept: text/plain; version=0.0.4),
 * as a Prometheus server may: the parser predates OpenMetrics and reads its `_total` counter
 * samples as another family. The OpenMetrics scrape (the default) is checked for its content
 * type and `# EOF`, and its histograms are parsed too (those the parser reads the same way).
 */
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { getMetricsFromIterator } from 'prom2javascript';
import type { PromData, PromHistogramData, PromMetrics } from 'prom2javascript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Candle, Instrument, Order, VenueId } from '../../common/domain.js';
import { mul, nearestSteps } from '../../common/decimal.js';
import { TICK_TO_SCREEN_BUCKETS_MS } from '../../common/perf-buckets.js';
import { silentLogger } from '../../electron/core/log.js';
import { startHeadless } from '../../electron/headless.js';
import type { Headless } from '../../electron/headless.js';
import { startKrakenSim, type KrakenSim } from '../../sim/kraken/server.js';
import { krakenReadyLine, tinvestReadyLine } from '../../sim/ready-lines.js';
import { startTInvestSim, type TInvestSim } from '../../sim/tinvest/server.js';
import { BridgeClient } from '../bridge/bridge-client.js';
import { RecordingSecretStore } from '../e2e/recording-secret-store.js';
import { until } from '../e2e/workspace-page.js';

const BURST = 20;
const ACK = 'switchboard_order_ack_latency_seconds';
const PROMETHEUS_TEXT = 'text/plain; version=0.0.4';

let tinvest: TInvestSim | undefined;
let kraken: KrakenSim | undefined;
let app: Headless | undefined;
let client: BridgeClient | undefined;
let dir: string | undefined;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'sb-metrics-'));
  const rendererDir = path.join(dir, 'renderer');
  await mkdir(rendererDir);
  await writeFile(path.join(rendererDir, 'index.html'), '<!doctype html><title>Switchboard</title>');
  tinvest = await startTInvestSim({ seed: 13 });
  kraken = await startKrakenSim({ seed: 13 });
  app = await startHeadless({
    port: 0,
    demoLines: [tinvestReadyLine(tinvest), krakenReadyLine(kraken)],
    rendererDir,
    dataDir: path.join(dir, 'data'),
    secretStore: new RecordingSecretStore(),
    log: silentLogger,
    metrics: { host: '127.0.0.1', port: 0 },
  });
  client = await BridgeClient.open(new URL(app.url));
}, 120_000);

afterAll(async () => {
  client?.close();
  await app?.close();
  await tinvest?.close();
  await kraken?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
}, 60_000);

async function scrape(accept = PROMETHEUS_TEXT): Promise<{ contentType: string; text: string; metrics: PromMetrics }> {
  const res = await fetch(app!.metricsUrl!, { headers: { accept } });
  expect(res.status).toBe(200);
  const text = await res.text();
  // NaN is a legal sample value the parser refuses: prom-client's event-loop lag gauges read NaN
  // until Node's delay monitor has its first sample, which an early scrape can beat. Only those may.
  const lines = text.split('\n');
  const nan = lines.filter((l) => !l.startsWith('#') && l.endsWith(' NaN'));
  expect(nan.filter((l) => !l.startsWith('nodejs_eventloop_lag_'))).toEqual([]);
  const parsed = lines.filter((l) => !nan.includes(l));
  return { contentType: res.headers.get('content-type') ?? '', text, metrics: await getMetricsFromIterator(parsed[Symbol.iterator]()) };
}

function histogram(m: PromMetrics, name: string): PromHistogramData[] {
  const family = m[name];
  expect(family, `${name} is served`).toBeDefined();
  expect(family!.type).toBe('histogram');
  return family!.data as PromHistogramData[];
}

function samples(m: PromMetrics, name: string): PromData[] {
  const family = m[name];
  expect(family, `${name} is served`).toBeDefined();
  return family!.data as PromData[];
}

/** Answers counted for (venue, kind) of limit orders, every outcome together, and the accepted ones. */
function acks(m: PromMetrics, venue: VenueId, kind: string): { all: number; accepted: number } {
  const series = histogram(m, ACK).filter((s) => s.labels.venue === venue && s.labels.kind === kind && s.labels.order_type === 'limit');
  return {
    all: series.reduce((n, s) => n + s.count, 0),
    accepted: series.filter((s) => s.labels.outcome === 'accepted').reduce((n, s) => n + s.count, 0),
  };
}

/** Cumulative buckets never go down as the bound grows, and +Inf is the count. */
function expectMonotonic(series: readonly PromHistogramData[]): void {
  for (const s of series) {
    const ordered = Object.entries(s.buckets).sort(([a], [b]) => (a === '+Inf' ? Infinity : Number(a)) - (b === '+Inf' ? Infinity : Number(b)));
    for (let i = 1; i < ordered.length; i++) expect(ordered[i]![1], `${JSON.stringify(s.labels)} at le=${ordered[i]![0]}`).toBeGreaterThanOrEqual(ordered[i - 1]![1]);
    expect(ordered.at(-1)![0]).toBe('+Inf');
    expect(ordered.at(-1)![1]).toBe(s.count);
  }
}

function messagesOf(m: PromMetrics, venue: VenueId): number {
  return samples(m, 'switchboard_connection_messages').filter((s) => s.labels.venue === venue).reduce((n, s) => n + s.value, 0);
}

/** A limit order far enough from the market to rest, on the instrument's steps. */
async function restingOrder(venue: VenueId, accountId: string, query: string): Promise<() => Record<string, unknown>> {
  const found = await client!.value('instruments.search', { venue, query, limit: 20 });
  const inst = found.find((i) => i.tradable);
  expect(inst, `a tradable ${venue} instrument`).toBeDefined();
  const full: Instrument = await client!.value('instruments.get', { venue, instrumentId: inst!.id });
  const bars: Candle[] = await client!.value('candles.history', { venue, instrumentId: full.id, interval: '1m', limit: 1 });
  const price = nearestSteps(mul(bars.at(-1)!.close, '0.9'), full.priceStep).down;
  return () => ({ venue, accountId, instrumentId: full.id, side: 'buy', type: 'limit', quantity: full.minQty, price, clientOrderId: randomUUID() });
}

describe('the metrics endpoint of the headless app', () => {
  it('serves the histograms, and an order burst moves acknowledgement latency by exactly the orders and cancels sent', async () => {
    const c = client!;
    await c.value('venues.connect', { venue: 'kraken' });
    await c.value('venues.connect', { venue: 'tinvest', mode: 'demo' });
    const setup = {
      kraken: await restingOrder('kraken', 'spot', 'BTC'),
      tinvest: await restingOrder('tinvest', tinvest!.accountId, 'S'),
    };
    // A chart's candles, so push batches flow to this client.
    const pushed = new Promise<void>((resolve) => {
      const stop = c.onBatch(() => {
        stop();
        resolve();
      });
    });
    const kpair = (await c.value('instruments.search', { venue: 'kraken', query: 'BTC', limit: 1 }))[0]!;
    await c.value('candles.subscribe', { venue: 'kraken', instrumentId: kpair.id, interval: '1m' });
    // And a T-Invest chart's, so its market-data stream is open too.
    await c.value('candles.subscribe', { venue: 'tinvest', instrumentId: String(setup.tinvest().instrumentId), interval: '1m' });
    await pushed;

    // Every connection of both venues reaches live (a socket may still be subscribing when connect answers).
    const before = await until('every connection of both venues live', async () => {
      const s = await scrape();
      const states = samples(s.metrics, 'switchboard_connection_state').filter((x) => x.labels.state === 'live');
      return (['kraken', 'tinvest'] as const).every((v) => states.some((x) => x.labels.venue === v)) && states.every((x) => x.value === 1) ? s : undefined;
    });
    for (const name of [ACK, 'switchboard_bridge_batch_items', 'switchboard_renderer_tick_to_screen_seconds']) histogram(before.metrics, name);
    expect(before.contentType).toContain('text/plain');
    // Every connection of both venues is live now, and has received frames.
    const states = samples(before.metrics, 'switchboard_connection_state');
    for (const venue of ['kraken', 'tinvest'] as const) {
      const live = states.filter((s) => s.labels.venue === venue && s.labels.state === 'live');
      expect(live.length, `${venue} has connections`).toBeGreaterThan(0);
      expect(live.every((s) => s.value === 1), `${venue}: ${JSON.stringify(live)}`).toBe(true);
      expect(messagesOf(before.metrics, venue)).toBeGreaterThan(0);
    }
    const batchesBefore = histogram(before.metrics, 'switchboard_bridge_batch_items').find((s) => s.labels.transport === 'websocket')?.count ?? 0;
    expect(batchesBefore).toBeGreaterThan(0);

    // The burst: BURST resting limit orders per venue, all at once; then each cancelled.
    const placed = new Map<VenueId, Order[]>();
    await Promise.all(
      (['kraken', 'tinvest'] as const).map(async (venue) => {
        const orders = await Promise.all(Array.from({ length: BURST }, () => c.value('orders.place', setup[venue]() as never)));
        expect(orders.map((o) => o.status).filter((s) => s !== 'open')).toEqual([]);
        placed.set(venue, orders);
      }),
    );
    await Promise.all(
      [...placed.values()].flat().map((o) => c.value('orders.cancel', { venue: o.venue, accountId: o.accountId, clientOrderId: o.clientOrderId })),
    );
    // The renderer's report of its ticks: 3 samples, one slower than every bucket.
    const buckets = new Array<number>(TICK_TO_SCREEN_BUCKETS_MS.length + 1).fill(0);
    buckets[0] = 2;
    buckets[TICK_TO_SCREEN_BUCKETS_MS.length] = 1;
    const ticksBefore = histogram(before.metrics, 'switchboard_renderer_tick_to_screen_seconds')[0]?.count ?? 0;
    expect(await c.value('perf.report', { tickToScreen: { buckets, sumMs: 20_003, count: 3 } })).toBeNull();

    const after = await scrape();
    for (const venue of ['kraken', 'tinvest'] as const) {
      for (const kind of ['place', 'cancel']) {
        const was = acks(before.metrics, venue, kind);
        const now = acks(after.metrics, venue, kind);
        expect(now.all - was.all, `${venue} ${kind}`).toBe(BURST);
        expect(now.accepted - was.accepted, `${venue} ${kind} accepted`).toBe(BURST);
      }
      expect(messagesOf(after.metrics, venue), `${venue} messages`).toBeGreaterThan(messagesOf(before.metrics, venue));
    }
    // Both venues tell sizes: Kraken's frames and REST bodies, T-Invest's protobuf messages as grpc-js hands them over.
    const bytes = (m: PromMetrics, venue: VenueId, connection?: string): number =>
      samples(m, 'switchboard_connection_received_bytes')
        .filter((s) => s.labels.venue === venue && (connection === undefined || s.labels.connection === connection))
        .reduce((n, s) => n + s.value, 0);
    expect(bytes(after.metrics, 'kraken')).toBeGreaterThan(bytes(before.metrics, 'kraken'));
    expect(bytes(after.metrics, 'tinvest')).toBeGreaterThan(bytes(before.metrics, 'tinvest'));
    // The burst's placements and cancels are unary answers; the orders' states come on the order stream.
    expect(bytes(after.metrics, 'tinvest', 'api')).toBeGreaterThan(bytes(before.metrics, 'tinvest', 'api'));
    expect(bytes(after.metrics, 'tinvest', 'orders')).toBeGreaterThan(bytes(before.metrics, 'tinvest', 'orders'));
    // The market-data stream had its subscription answer (at least) before it was live.
    expect(bytes(before.metrics, 'tinvest', 'marketdata')).toBeGreaterThan(0);
    expectMonotonic(histogram(after.metrics, ACK));
    expectMonotonic(histogram(after.metrics, 'switchboard_bridge_batch_items'));
    expect(histogram(after.metrics, 'switchboard_bridge_batch_items').find((s) => s.labels.transport === 'websocket')!.count).toBeGreaterThan(batchesBefore);
    const ticks = histogram(after.metrics, 'switchboard_renderer_tick_to_screen_seconds');
    expectMonotonic(ticks);
    expect(ticks[0]!.count - ticksBefore).toBe(3);

    // The panel's view of the same numbers.
    const summary = await c.value('orders.ackLatency', {});
    for (const venue of ['kraken', 'tinvest'] as const) {
      for (const kind of ['place', 'cancel'] as const) {
        const row = summary.find((s) => s.venue === venue && s.kind === kind && s.orderType === 'limit');
        expect(row?.count, `${venue} ${kind}`).toBe(acks(after.metrics, venue, kind).all);
        expect(row!.p99Ms).toBeGreaterThanOrEqual(row!.p50Ms);
      }
    }

    // The default scrape is OpenMetrics, the same histograms in it.
    const om = await scrape('application/openmetrics-text; version=1.0.0');
    expect(om.contentType).toContain('application/openmetrics-text');
    expect(om.text.endsWith('# EOF\n')).toBe(true);
    expect(acks(om.metrics, 'kraken', 'place').all).toBe(acks(after.metrics, 'kraken', 'place').all);
    expect((await fetch(app!.metricsUrl!)).headers.get('content-type')).toContain('application/openmetrics-text');
    // The window can read where the endpoint is, not move it: the flag decided.
    expect(await c.value('metricsServer.get', {})).toEqual({ source: 'flag', enabled: true, port: Number(new URL(app!.metricsUrl!).port), url: app!.metricsUrl });
    expect(await c.request('metricsServer.set', { enabled: false, port: 9464 })).toMatchObject({ ok: false, code: 'invalid' });
  }, 180_000);
});
