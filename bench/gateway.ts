/**
 * Gateway mode (issue 14, docs/gateway.md) against a console with its own core, in the same run.
 *
 * The desk: Debian's nats-server (JetStream), both local venues in a child process, the gateway
 * as a child process (`node --import tsx electron/gateway-entry.ts --demo-from FILE`), 20
 * consoles in one more child (bench/gateway-consoles.ts explains why one), and one direct
 * headless app (`electron/headless.ts --demo-from FILE`: its own core on the same venues) as a
 * child. Every bridge client is here, in the bench process: 20 on the consoles, 20 on the
 * direct app, all on the same chart (SBER 1m on T-Invest).
 *
 * - Added latency: for each candle state (key, time, close, volume) both the first direct client
 *   and a console client received, t_console − t_direct, wall clock at receipt here; p50/p99 over
 *   all 20 consoles. Beside it, the direct path's own latency: from the candle's arrival in the
 *   direct app's main process (PushBatch sentAt − candlesAgeUs) to receipt here.
 * - Gateway CPU per candle delivered: the gateway process's CPU time (/proc/PID/stat) over the
 *   window ÷ candles received by the 20 consoles' clients; beside it, the direct app's CPU over
 *   the same window ÷ candles received by its 20 WebSocket clients. Whole-process CPU includes
 *   what each burns with no chart open (venue connections, status and leases): an idle window as
 *   long, before any client opened the chart, is told in the note. Taking it off would be the
 *   per-candle cost alone, but at one chart's ~2 updates a second that difference is within the
 *   noise of a busy box (it came out negative in some runs), so it is not printed as a figure.
 * - Order round trip: resting limit orders placed and cancelled one at a time, through console 1
 *   and directly, interleaved per round (which goes first alternates) so machine noise hits
 *   both; p50/p99 of orders.place and orders.cancel as the client sees them.
 */
import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Candle, Instrument, OrderRequest } from '../common/domain.js';
import { FINAL_ORDER_STATUSES } from '../common/domain.js';
import { mul, nearestSteps } from '../common/decimal.js';
import type { PushBatch } from '../electron/contract.js';
import { BridgeClient } from '../test/bridge/bridge-client.js';
import { startNats, type NatsServer } from '../test/nats/nats-server.js';
import type { Figure } from './figures.js';
import { percentile } from './figures.js';
import { pidWithArgument, processCpuMicros, startChild, type BenchChild } from './gateway-processes.js';

const CONSOLES = 20;
const DIRECT_CLIENTS = 20;
/** The chart every client shows: SBER 1m on the T-Invest demo venue (sim/tinvest/instruments.ts). */
const CHART = { venue: 'tinvest', instrumentId: 'e6123145-9665-43e0-8413-cd61b8aa9b13', interval: '1m' } as const;
const WINDOW_SECONDS = Number(process.env['GATEWAY_BENCH_SECONDS'] ?? 30);
/** Start-up work (first leases, the venues' first snapshots, compiling) can outlast 10 s on this box. */
const SETTLE_SECONDS = Number(process.env['GATEWAY_BENCH_SETTLE'] ?? 45);
const ORDER_ROUNDS = Number(process.env['GATEWAY_BENCH_ORDERS'] ?? 100);
const ORDER_WARMUP = 5;
/** Bounds for failure only. */
const PATIENCE_MS = 180_000;

/** Wall-clock ms now, on the same clock PushBatch.sentAt uses (performance's timeOrigin + now). */
function wallNow(): number {
  return performance.timeOrigin + performance.now();
}

function stateKey(c: Candle): string {
  return `${c.venue}|${c.instrumentId}|${c.interval}|${c.time}|${c.close}|${c.volume}`;
}

/** What one client received during the window: first receipt per candle state, candles in all. */
class Receipts {
  readonly firstAt = new Map<string, number>();
  candles = 0;
  /** Direct only: main-process arrival → receipt here, ms, per candle. */
  readonly ownLatency: number[] = [];
  recording = false;

  constructor(client: BridgeClient, measureOwn: boolean) {
    client.onBatch((b: PushBatch) => {
      if (!this.recording) return;
      const at = wallNow();
      this.candles += b.candles.length;
      for (const [i, c] of b.candles.entries()) {
        const k = stateKey(c);
        if (!this.firstAt.has(k)) this.firstAt.set(k, at);
        const age = b.candlesAgeUs?.[i];
        if (measureOwn && b.sentAt !== undefined && age !== undefined) this.ownLatency.push(at - (b.sentAt - age / 1000));
      }
    });
  }
}

async function until<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + PATIENCE_MS;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`gateway bench: ${what} within ${PATIENCE_MS} ms`);
    await sleep(200);
  }
}

/** Subscribes the client to the chart and waits for its first candle of it. */
async function onChart(client: BridgeClient, who: string): Promise<void> {
  const first = client.nextBatch((b) => b.candles.some((c) => c.instrumentId === CHART.instrumentId && c.interval === CHART.interval), PATIENCE_MS);
  await until(`${who}: candles.subscribe answered`, async () => {
    const r = await client.request('candles.subscribe', CHART);
    return r.ok ? true : undefined;
  });
  await first;
}

/** A resting limit buy on SBER, 10% under the last close on the price step, minimum size. */
async function restingOrder(client: BridgeClient, accountId: string): Promise<() => OrderRequest> {
  const inst: Instrument = await client.value('instruments.get', { venue: CHART.venue, instrumentId: CHART.instrumentId });
  const bars: Candle[] = await client.value('candles.history', { ...CHART, limit: 1 });
  const last = bars.at(-1);
  if (!last) throw new Error('gateway bench: no SBER history');
  const price = nearestSteps(mul(last.close, '0.9'), inst.priceStep).down;
  return () => ({ venue: CHART.venue, accountId, instrumentId: inst.id, side: 'buy', type: 'limit', quantity: inst.minQty, price, clientOrderId: randomUUID() });
}

/** Places and cancels one order, timing each answer as the client sees it (ms). */
async function roundTrip(client: BridgeClient, order: OrderRequest, who: string): Promise<{ place: number; cancel: number }> {
  let t = performance.now();
  const placed = await client.request('orders.place', order);
  const place = performance.now() - t;
  if (!placed.ok) throw new Error(`gateway bench: ${who} orders.place: ${placed.code}: ${placed.message}`);
  // A fill or a refusal is not the resting order this round trip is about.
  if (FINAL_ORDER_STATUSES.has(placed.value.status)) throw new Error(`gateway bench: ${who}'s resting order came back ${placed.value.status}`);
  t = performance.now();
  const cancelled = await client.request('orders.cancel', { venue: order.venue, accountId: order.accountId, clientOrderId: order.clientOrderId });
  const cancel = performance.now() - t;
  if (!cancelled.ok) throw new Error(`gateway bench: ${who} orders.cancel: ${cancelled.code}: ${cancelled.message}`);
  return { place, cancel };
}

/** CPU µs of each process of the desk (nats-server NaN when its pid was not found). */
interface Cpu {
  gateway: number;
  direct: number;
  consoles: number;
  nats: number;
}

function cpuSince(a: Cpu, b: Cpu): Cpu {
  return { gateway: b.gateway - a.gateway, direct: b.direct - a.direct, consoles: b.consoles - a.consoles, nats: b.nats - a.nats };
}

const sorted = (xs: readonly number[]): number[] => [...xs].sort((a, b) => a - b);

export async function runGatewayBench(): Promise<Figure[]> {
  const children: BenchChild[] = [];
  const clients: BridgeClient[] = [];
  let nats: NatsServer | undefined;
  try {
    nats = await startNats({ jetstream: true });
    const natsUrl = nats.url;
    // The venues' order budgets raised: both cores place through one sim account, and the limiter would time the wait, not the path.
    const venues = await startChild(
      'venues',
      'sim/cli.ts',
      () => ['--seed', '14', '--tinvest-limit', 'PostOrder=100000', '--tinvest-limit', 'CancelOrder=100000', '--exit-with-parent', 'stdin'],
      (out) => out.split('\n').filter((l) => l.startsWith('{')).length >= 2,
    );
    children.push(venues);
    const lines = venues.stdout.split('\n').filter((l) => l.startsWith('{'));
    const demoFile = path.join(venues.dir, 'venues.jsonl');
    await writeFile(demoFile, `${lines.join('\n')}\n`);
    const tinvestLine = lines.map((l) => JSON.parse(l) as { venue?: unknown; accountId?: unknown }).find((l) => l.venue === 'tinvest');
    if (typeof tinvestLine?.accountId !== 'string') throw new Error('gateway bench: the T-Invest ready line has no accountId');
    const accountId = tinvestLine.accountId;

    const gateway = await startChild('gateway', 'electron/gateway-entry.ts', (dir) => ['--nats', natsUrl, '--demo-from', demoFile, '--data-dir', path.join(dir, 'data')], (out) =>
      out.includes('Switchboard gateway: serving'),
    );
    children.push(gateway);
    const direct = await startChild('direct', 'electron/headless.ts', (dir) => ['--port', '0', '--demo-from', demoFile, '--data-dir', path.join(dir, 'data')], (out) =>
      /open http:\/\/\S+\n/.test(out),
    );
    children.push(direct);
    const consoles = await startChild('consoles', 'bench/gateway-consoles.ts', (dir) => ['--nats', natsUrl, '--count', String(CONSOLES), '--dir', dir], (out) => out.includes('{"urls"'));
    children.push(consoles);

    const directUrl = new URL(/open (http:\/\/\S+)\n/.exec(direct.stdout)![1]!);
    const consoleUrls = (JSON.parse(consoles.stdout.slice(consoles.stdout.indexOf('{"urls"')).split('\n')[0]!) as { urls: string[] }).urls;
    if (consoleUrls.length !== CONSOLES) throw new Error(`gateway bench: ${consoleUrls.length} consoles started, wanted ${CONSOLES}`);

    const open = async (url: URL): Promise<BridgeClient> => {
      const c = await BridgeClient.open(url);
      clients.push(c);
      return c;
    };
    const directClients: BridgeClient[] = [];
    for (let i = 0; i < DIRECT_CLIENTS; i++) directClients.push(await open(directUrl));
    const consoleClients: BridgeClient[] = [];
    for (const u of consoleUrls) consoleClients.push(await open(new URL(u)));
    const directReceipts = directClients.map((c, i) => new Receipts(c, i === 0));
    const consoleReceipts = consoleClients.map((c) => new Receipts(c, false));

    // ---- The idle window: everything connected, no chart open; what each process burns anyway. ----
    // nats-server does the fan-out's copying: its CPU is told beside the gateway's, not added to it.
    const natsPid = pidWithArgument(nats.configFile);
    const natsCpu = (): number => (natsPid === undefined ? NaN : processCpuMicros(natsPid));
    const cpuNow = (): Cpu => ({ gateway: processCpuMicros(gateway.pid), direct: processCpuMicros(direct.pid), consoles: processCpuMicros(consoles.pid), nats: natsCpu() });
    // The link's first lease and the venues' first answers settle before idle is measured.
    await until('the direct app and console 1 to list SBER', async () => {
      const [a, b] = await Promise.all([directClients[0]!.request('instruments.get', { venue: CHART.venue, instrumentId: CHART.instrumentId }), consoleClients[0]!.request('instruments.get', { venue: CHART.venue, instrumentId: CHART.instrumentId })]);
      return a.ok && b.ok ? true : undefined;
    });
    // Start-up work (compiling, first leases, the venues' first snapshots) is not idle: let it pass.
    await sleep(SETTLE_SECONDS * 1000);
    const idle0 = cpuNow();
    await sleep(WINDOW_SECONDS * 1000);
    const idle = cpuSince(idle0, cpuNow());

    for (const [i, c] of directClients.entries()) await onChart(c, `direct client ${i}`);
    for (const [i, c] of consoleClients.entries()) await onChart(c, `console ${i}`);

    // ---- The candle window: every client on the chart, nothing else asked of anyone. ----
    const all = [...directReceipts, ...consoleReceipts];
    const cpu0 = cpuNow();
    for (const r of all) r.recording = true;
    await sleep(WINDOW_SECONDS * 1000);
    for (const r of all) r.recording = false;
    const cpu = cpuSince(cpu0, cpuNow());
    const directCandles = directReceipts.reduce((s, r) => s + r.candles, 0);
    const consoleCandles = consoleReceipts.reduce((s, r) => s + r.candles, 0);
    if (directCandles === 0 || consoleCandles === 0) throw new Error(`gateway bench: no candles in the window (direct ${directCandles}, consoles ${consoleCandles})`);
    const reference = directReceipts[0]!;
    const added: number[] = [];
    let unmatched = 0;
    for (const r of consoleReceipts) {
      for (const [k, t] of r.firstAt) {
        const td = reference.firstAt.get(k);
        if (td === undefined) unmatched += 1;
        else added.push(t - td);
      }
    }
    if (added.length === 0) throw new Error('gateway bench: no candle state reached both a console and the direct client');
    const addedSorted = sorted(added);
    const own = sorted(reference.ownLatency);
    const statesDirect = reference.firstAt.size;

    // ---- Order round trips, interleaved per round. ----
    const viaConsole = consoleClients[0]!;
    const viaDirect = directClients[0]!;
    const consoleOrder = await restingOrder(viaConsole, accountId);
    const directOrder = await restingOrder(viaDirect, accountId);
    const rt = { console: { place: [] as number[], cancel: [] as number[] }, direct: { place: [] as number[], cancel: [] as number[] } };
    for (let round = 0; round < ORDER_WARMUP + ORDER_ROUNDS; round++) {
      const runs = [
        async () => ({ path: 'console' as const, t: await roundTrip(viaConsole, consoleOrder(), 'console') }),
        async () => ({ path: 'direct' as const, t: await roundTrip(viaDirect, directOrder(), 'direct') }),
      ];
      if (round % 2 === 1) runs.reverse();
      for (const run of runs) {
        const { path: p, t } = await run();
        if (round < ORDER_WARMUP) continue;
        rt[p].place.push(t.place);
        rt[p].cancel.push(t.cancel);
      }
    }

    const load = `load average ${os.loadavg()[0]!.toFixed(1)}`;
    const perCandle = (us: number, n: number): number => us / n;
    const figures: Figure[] = [
      {
        name: `candle fan-out to ${CONSOLES} consoles: added latency p50`,
        value: percentile(addedSorted, 50),
        unit: 'ms',
        beside: { label: 'direct path, main arrival → client p50', value: percentile(own, 50) },
        note: `${added.length} console receipts matched to the direct client's (${unmatched} states a console saw and the direct client did not; ${statesDirect} states direct) in ${WINDOW_SECONDS} s; ${load}`,
      },
      {
        name: `candle fan-out to ${CONSOLES} consoles: added latency p99`,
        value: percentile(addedSorted, 99),
        unit: 'ms',
        beside: { label: 'direct path, main arrival → client p99', value: percentile(own, 99) },
      },
      {
        name: `gateway CPU per candle delivered (${CONSOLES} consoles)`,
        value: perCandle(cpu.gateway, consoleCandles),
        unit: 'µs',
        beside: { label: `direct app, ${DIRECT_CLIENTS} WebSocket clients`, value: perCandle(cpu.direct, directCandles) },
        note:
          `window ${WINDOW_SECONDS} s: gateway ${(cpu.gateway / 1000).toFixed(0)} ms CPU for ${consoleCandles} candles to consoles; ` +
          `direct app ${(cpu.direct / 1000).toFixed(0)} ms for ${directCandles}; the consoles' process ${(cpu.consoles / 1000).toFixed(0)} ms ` +
          `(${perCandle(cpu.consoles, consoleCandles).toFixed(1)} µs per candle), nats-server ${(cpu.nats / 1000).toFixed(0)} ms ` +
          `(${perCandle(cpu.nats, consoleCandles).toFixed(1)} µs per candle); an idle window as long before any chart was open: ` +
          `gateway ${(idle.gateway / 1000).toFixed(0)} ms, direct app ${(idle.direct / 1000).toFixed(0)} ms, consoles ${(idle.consoles / 1000).toFixed(0)} ms, ` +
          `nats-server ${(idle.nats / 1000).toFixed(0)} ms (at this chart's rate most of each figure is the process's fixed cost spread over the candles)`,
      },
    ];
    for (const m of ['place', 'cancel'] as const) {
      for (const p of [50, 99]) {
        figures.push({
          name: `orders.${m} round trip through the gateway p${p}`,
          value: percentile(sorted(rt.console[m]), p),
          unit: 'ms',
          beside: { label: `direct p${p}`, value: percentile(sorted(rt.direct[m]), p) },
          ...(m === 'place' && p === 50 ? { note: `${ORDER_ROUNDS} resting SBER limit orders each way (after ${ORDER_WARMUP} unmeasured), placed and cancelled one at a time, paths alternating first per round` } : {}),
        });
      }
    }
    return figures;
  } finally {
    for (const c of clients) c.close();
    for (const child of children.reverse()) await child.close().catch(() => undefined);
    await nats?.close().catch(() => undefined);
  }
}
