/**
 * Quitting the headless app loses no order. The app runs as a trader runs it — its own
 * process (`node --import tsx electron/headless.ts --demo-from FILE`, HOME in a temp folder)
 * against a local T-Invest venue this test starts — and a WebSocket bridge client places
 * orders; SIGTERM arrives while they are in flight. What the client received and what the
 * app logged must account for every order, and the process must end.
 */
import { spawn } from 'node:child_process';
import type { ChildProcessByStdio } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { Order, OrderStatus } from '../../common/domain.js';
import type { MethodName, MethodRequest, MethodResults, Result } from '../../electron/contract.js';
import { BridgeClient } from '../bridge/bridge-client.js';
import type { ShutdownReport } from '../../electron/core/shutdown.js';
import { EXIT_SLACK_MS, shutdownBoundMs } from '../../electron/core/shutdown.js';
import { tinvestReadyLine } from '../../sim/ready-lines.js';
import { orderRequest, startOrderVenue } from '../venues/tinvest/order-helpers.js';
import type { OrderVenue } from '../venues/tinvest/order-helpers.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** Statuses that mean the venue answered for the order (kept, or done with it). */
const ACKNOWLEDGED: readonly OrderStatus[] = ['open', 'partially-filled', 'filled', 'cancelled'];

type Child = ChildProcessByStdio<null, Readable, Readable>;

let venue: OrderVenue | undefined;
const children: Child[] = [];
const clients: BridgeClient[] = [];
const dirs: string[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.terminate();
  for (const c of children.splice(0)) c.kill('SIGKILL');
  await venue?.close();
  venue = undefined;
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

interface Running {
  child: Child;
  exited: Promise<number | null>;
  home: string;
  url: URL;
  /** The log file's lines so far, parsed. */
  logLines(): { level: string; msg: string; detail?: unknown }[];
  stderr(): string;
}

/** Starts the headless app on the local venue's ready line, with HOME (and so its data folder) in `home`. */
async function startApp(v: OrderVenue, home: string): Promise<Running> {
  const demo = path.join(home, 'demo.jsonl');
  writeFileSync(demo, `${JSON.stringify(tinvestReadyLine(v.sim))}\n`);
  const env = { ...process.env, HOME: home };
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'electron', 'headless.ts'), '--port', '0', '--demo-from', demo], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let err = '';
  child.stderr.on('data', (d: Buffer) => {
    err += String(d);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (l) => {
      if (l.startsWith('Switchboard headless: open ')) resolve(l);
    });
    void exited.then((code) => reject(new Error(`the app exited (${code}) before it was up: ${err.slice(-2000)}`)));
  });
  const logFile = path.join(home, '.switchboard', 'logs', 'switchboard.log');
  return {
    child,
    exited,
    home,
    url: new URL(line.slice('Switchboard headless: open '.length)),
    logLines: () =>
      existsSync(logFile)
        ? readFileSync(logFile, 'utf8')
            .split('\n')
            .filter((l) => l.trim() !== '')
            .map((l) => JSON.parse(l) as { level: string; msg: string; detail?: unknown })
        : [],
    stderr: () => err,
  };
}

/** A bridge client as the renderer is: the app's origin, the token in the socket URL. */
/** The page's side of the bridge, keeping every order state it was told. */
class OrderClient {
  /** Every order state the client was told, in arrival order (answers and pushes alike). */
  readonly seen: Order[] = [];
  readonly closed: Promise<void>;

  private constructor(private readonly bridge: BridgeClient) {
    this.closed = bridge.closed;
    bridge.onBatch((b) => this.seen.push(...b.orders));
  }

  static async open(url: URL): Promise<OrderClient> {
    const bridge = await BridgeClient.open(url);
    clients.push(bridge);
    return new OrderClient(bridge);
  }

  invoke<M extends MethodName>(method: M, params: MethodRequest<M>): Promise<Result<MethodResults[M]>> {
    return this.bridge.request(method, params);
  }

  async place(params: MethodRequest<'orders.place'>): Promise<Result<Order>> {
    const r = await this.bridge.request('orders.place', params);
    if (r.ok) this.seen.push(r.value);
    return r;
  }

  /** The last state the client was told of each order. */
  last(): Map<string, OrderStatus> {
    return new Map(this.seen.map((o) => [o.clientOrderId, o.status]));
  }
}

async function until(what: string, cond: () => boolean | Promise<boolean>, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function liveClient(app: Running): Promise<OrderClient> {
  const client = await OrderClient.open(app.url);
  await until('T-Invest to be live with its account', async () => {
    const r = await client.invoke('venues.list', {});
    return r.ok && r.value.some((s) => s.id === 'tinvest' && s.state === 'live' && s.accounts.length > 0);
  });
  return client;
}

function tempHome(): string {
  const d = mkdtempSync(path.join(tmpdir(), 'sb-shutdown-'));
  dirs.push(d);
  return d;
}

function shutdownReport(app: Running): ShutdownReport | undefined {
  // The last one: a restarted app logs to the same file.
  return app.logLines().findLast((l) => l.msg.startsWith('shutdown:'))?.detail as ShutdownReport | undefined;
}

describe('quitting the headless app', () => {
  it('with 20 orders in flight on SIGTERM: each ends acknowledged or unknown, none lost, new ones are refused, and the process exits within the bound', async () => {
    venue = await startOrderVenue();
    const v = venue;
    const app = await startApp(v, tempHome());
    const client = await liveClient(app);

    // One order first: its answer tells the app's limiter the venue's PostOrder budget, which
    // it otherwise probes one call at a time.
    const first = orderRequest(v.sim.accountId, v.sber.uid, { price: '150.00' });
    expect(await client.place(first)).toMatchObject({ ok: true, value: { status: 'open' } });

    // Every unary call waits 4 s at the venue, so the orders are genuinely in flight; the first
    // five execute but their answers never come, and the order streams say nothing meanwhile.
    v.sim.faults.delayMs = 4_000;
    v.sim.faults.loseNextReply('PostOrder', 5, 'hang');
    v.sim.faults.stallStreams(true);
    const requests = Array.from({ length: 20 }, () => orderRequest(v.sim.accountId, v.sber.uid, { price: '150.00' }));
    const answers = requests.map((r) => client.place(r));
    await until('all 20 orders to reach the venue', () => v.sim.stats.calls('PostOrder') === 21);

    app.child.kill('SIGTERM');
    // Once the app says it is shutting down, a new order is refused, not sent.
    await until('the app to start shutting down', () => app.logLines().some((l) => l.msg.startsWith('shutting down:')));
    const late = await client.place(orderRequest(v.sim.accountId, v.sber.uid, { price: '150.00' }));
    expect(late).toEqual({ ok: false, code: 'unavailable', message: 'the app is shutting down' });

    // Bounded for failure only: the app's own hard exit is well inside this.
    const code = await Promise.race([app.exited, new Promise<'still running'>((r) => setTimeout(() => r('still running'), 120_000))]);
    expect(code, app.stderr().slice(-2000)).toBe(0);
    await client.closed;
    void Promise.allSettled(answers);

    // What the client was told: every one of the 20, in a state that accounts for it.
    const last = client.last();
    const told = requests.map((r) => last.get(r.clientOrderId));
    expect(told.filter((s) => s === undefined)).toEqual([]);
    for (const s of told) expect([...ACKNOWLEDGED, 'unknown']).toContain(s);
    // The five whose answers were lost can only be unknown; the venue holds all 20, placed once each.
    expect(told.filter((s) => s === 'unknown').length).toBeGreaterThanOrEqual(5);
    expect(v.sim.stats.calls('PostOrder')).toBe(21);
    expect(new Set([...v.sim.stats.orders.values()].map((o) => o.requestKey))).toEqual(new Set([first, ...requests].map((r) => r.clientOrderId)));

    // What the app logged agrees, and its shutdown took no longer than its bound (plus slack).
    const report = shutdownReport(app);
    expect(report).toBeDefined();
    expect(report!.inFlight).toBe(20);
    expect(report!.acknowledged + report!.unknown).toBe(20);
    expect(report!.unknown).toBe(told.filter((s) => s === 'unknown').length);
    expect(report!.tookMs).toBeLessThanOrEqual(shutdownBoundMs() + EXIT_SLACK_MS);
  }, 240_000);

  it('cancels the venue’s open orders on quit only when its setting is on, and the setting survives a restart', async () => {
    venue = await startOrderVenue();
    const v = venue;
    const home = tempHome();
    const resting = async (client: OrderClient, n: number): Promise<string[]> => {
      const reqs = Array.from({ length: n }, () => orderRequest(v.sim.accountId, v.sber.uid, { price: '150.00' }));
      for (const r of reqs) expect(await client.place(r)).toMatchObject({ ok: true, value: { status: 'open' } });
      return reqs.map((r) => r.clientOrderId);
    };
    const statusAtVenue = (ids: string[]): string[] => ids.map((id) => [...v.sim.stats.orders.values()].find((o) => o.requestKey === id)?.status ?? 'missing');

    // Off (the default): a quit leaves the orders resting.
    let app = await startApp(v, home);
    let client = await liveClient(app);
    expect(await client.invoke('quitSettings.get', {})).toEqual({ ok: true, value: { cancelOnQuit: { tinvest: false, kraken: false } } });
    const kept = await resting(client, 2);
    app.child.kill('SIGTERM');
    expect(await app.exited).toBe(0);
    expect(statusAtVenue(kept)).toEqual(['NEW', 'NEW']);
    expect(shutdownReport(app)).toMatchObject({ cancelledOnQuit: 0 });

    // Turned on: the next quit cancels what rests on the venue (the earlier run's orders too).
    app = await startApp(v, home);
    client = await liveClient(app);
    expect(await client.invoke('quitSettings.set', { venue: 'tinvest', cancelOnQuit: true })).toMatchObject({ ok: true });
    app.child.kill('SIGTERM');
    expect(await app.exited).toBe(0);
    expect(statusAtVenue(kept)).toEqual(['CANCELLED', 'CANCELLED']);
    expect(shutdownReport(app)).toMatchObject({ cancelledOnQuit: 2, cancelFailed: [] });

    // Kept across a restart: still on, and it still cancels.
    app = await startApp(v, home);
    client = await liveClient(app);
    expect(await client.invoke('quitSettings.get', {})).toEqual({ ok: true, value: { cancelOnQuit: { tinvest: true, kraken: false } } });
    const cancelled = await resting(client, 2);
    app.child.kill('SIGTERM');
    expect(await app.exited).toBe(0);
    expect(statusAtVenue(cancelled)).toEqual(['CANCELLED', 'CANCELLED']);
    expect(shutdownReport(app)).toMatchObject({ cancelledOnQuit: 2, cancelFailed: [] });
  }, 240_000);
});
