/**
 * A desk in one test process: Debian's nats-server (one node or a 3-node cluster), both local
 * venues, a gateway on them (in process, its own data folder kept across restarts) and consoles
 * (headless in console mode, each a real WebSocket bridge with a BridgeClient on it). The
 * failure tests, the two-console Chromium test and the bench build on it.
 */
import { spawn } from 'node:child_process';
import type { ChildProcessByStdio } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { Candle, Instrument, Order, OrderRequest, VenueId } from '../../common/domain.js';
import { mul, nearestSteps } from '../../common/decimal.js';
import { silentLogger } from '../../electron/core/log.js';
import type { Logger } from '../../electron/core/log.js';
import { startGateway } from '../../electron/gateway-cli.js';
import type { Gateway } from '../../electron/gateway-cli.js';
import { startHeadless } from '../../electron/headless.js';
import type { Headless } from '../../electron/headless.js';
import type { NatsLinkOptions } from '../../electron/gateway/nats-link.js';
import type { PushBatch } from '../../electron/contract.js';
import { startKrakenSim, type KrakenSim } from '../../sim/kraken/server.js';
import { krakenReadyLine, tinvestReadyLine } from '../../sim/ready-lines.js';
import { startTInvestSim, type TInvestSim } from '../../sim/tinvest/server.js';
import { BridgeClient } from '../bridge/bridge-client.js';
import { RecordingSecretStore } from '../e2e/recording-secret-store.js';

export interface DeskConsole {
  name: string;
  app: Headless;
  client: BridgeClient;
  /** Every batch this console's client received, in order. */
  batches: PushBatch[];
  /** When each batch above arrived (Date.now(), by index). */
  receivedAt: number[];
  /** Every order update pushed to it: client order id → the updates, in order. */
  orderEvents: Map<string, Order[]>;
  close(): Promise<void>;
}

export interface DeskOptions {
  /** The NATS server(s) the gateway and consoles use, and per role the user to log in as. */
  nats: () => NatsLinkOptions;
  natsAs?: (role: 'gateway' | 'console') => NatsLinkOptions;
  replicas?: number;
  leaseMs?: number;
  /** The Kraken account's verification tier (its trading rate limit); default starter. */
  krakenTier?: KrakenSim['tier'];
  log?: Logger;
  /** Serve the gateway's /metrics on a free loopback port. */
  metrics?: boolean;
}

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SERVING_LINE = 'Switchboard gateway: serving on ';

/** A gateway in its own process (`tsx electron/gateway-entry.ts`), so a test can SIGKILL it. */
export interface GatewayChild {
  readonly gatewayId: string;
  /** Resolves with the exit code (null after a signal). */
  readonly exited: Promise<number | null>;
  /** SIGKILL: nothing settled, nothing flushed; resolves once the process is gone. */
  kill(): Promise<void>;
  /** SIGTERM: the CLI's clean shutdown. */
  stop(): Promise<number | null>;
  /** The last 20k characters the gateway wrote to stderr. */
  stderr(): string;
}

export class Desk {
  tinvest!: TInvestSim;
  kraken!: KrakenSim;
  gateway: Gateway | undefined;
  gatewayChild: GatewayChild | undefined;
  readonly consoles: DeskConsole[] = [];
  private dir = '';
  private rendererDir = '';
  private readonly secrets = new RecordingSecretStore();

  constructor(private readonly o: DeskOptions) {}

  get dataDir(): string {
    return path.join(this.dir, 'gateway-data');
  }

  async start(): Promise<void> {
    this.dir = await mkdtemp(path.join(os.tmpdir(), 'sb-desk-'));
    this.rendererDir = path.join(this.dir, 'renderer');
    await mkdir(this.rendererDir);
    await writeFile(path.join(this.rendererDir, 'index.html'), '<!doctype html><title>Switchboard</title>');
    this.tinvest = await startTInvestSim({ seed: 14 });
    this.kraken = await startKrakenSim({ seed: 14, ...(this.o.krakenTier ? { tier: this.o.krakenTier } : {}) });
    await this.startGateway();
  }

  private natsFor(role: 'gateway' | 'console'): NatsLinkOptions {
    return this.o.natsAs?.(role) ?? this.o.nats();
  }

  async startGateway(): Promise<Gateway> {
    this.gateway = await startGateway({
      nats: this.natsFor('gateway'),
      demoLines: [tinvestReadyLine(this.tinvest), krakenReadyLine(this.kraken)],
      dataDir: this.dataDir,
      stateDir: path.join(this.dir, 'gateway-state'),
      secretStore: this.secrets,
      log: this.o.log ?? silentLogger,
      ...(this.o.replicas === undefined ? {} : { replicas: this.o.replicas }),
      ...(this.o.leaseMs === undefined ? {} : { leaseMs: this.o.leaseMs }),
      ...(this.o.metrics ? { metrics: { host: '127.0.0.1', port: 0 } } : {}),
    });
    return this.gateway;
  }

  /**
   * The gateway as `npm run gateway` runs it, on the same data folder as the in-process one and
   * on the venues this desk started (--demo-from), HOME in the desk's folder.
   */
  async startGatewayChild(): Promise<GatewayChild> {
    const nats = this.natsFor('gateway');
    const demoFile = path.join(this.dir, 'demo-venues.jsonl');
    await writeFile(demoFile, [tinvestReadyLine(this.tinvest), krakenReadyLine(this.kraken)].map((l) => JSON.stringify(l)).join('\n') + '\n');
    const home = path.join(this.dir, 'gateway-home');
    await mkdir(home, { recursive: true });
    const args = [path.join(ROOT, 'electron', 'gateway-entry.ts'), '--nats', nats.servers.join(','), '--data-dir', this.dataDir, '--demo-from', demoFile];
    if (nats.user !== undefined) args.push('--nats-user', nats.user);
    if (nats.password !== undefined) {
      const file = path.join(this.dir, 'gateway-nats-password');
      await writeFile(file, nats.password, { mode: 0o600 });
      args.push('--nats-password-file', file);
    }
    if (this.o.replicas !== undefined) args.push('--replicas', String(this.o.replicas));
    // Its temporary state folder too: a SIGKILLed gateway cannot remove it, the desk's close does.
    const tmp = path.join(this.dir, 'gateway-tmp');
    await mkdir(tmp, { recursive: true });
    const env: NodeJS.ProcessEnv = { ...process.env, HOME: home, TMPDIR: tmp };
    delete env.SWITCHBOARD_NATS_PASSWORD;
    const child: ChildProcessByStdio<null, Readable, Readable> = spawn(process.execPath, ['--import', 'tsx', ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => {
      err = (err + String(d)).slice(-20_000);
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const line = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout }).on('line', (l) => {
        if (l.startsWith(SERVING_LINE)) resolve(l);
      });
      void exited.then((code) => reject(new Error(`the gateway exited (${String(code)}) before it served: ${err.slice(-2000)}`)));
    });
    const gatewayId = line.slice(line.lastIndexOf(' as ') + 4);
    const handle: GatewayChild = {
      gatewayId,
      exited,
      kill: async () => {
        child.kill('SIGKILL');
        await exited;
      },
      stop: async () => {
        child.kill('SIGTERM');
        return exited;
      },
      stderr: () => err,
    };
    this.gatewayChild = handle;
    return handle;
  }

  /** A clean restart: orders in flight settled and stored, then a new gateway on the same data. */
  async restartGateway(): Promise<Gateway> {
    await this.stopGateway();
    return this.startGateway();
  }

  async stopGateway(): Promise<void> {
    const g = this.gateway;
    this.gateway = undefined;
    if (!g) return;
    await g.shutdown();
    await g.close();
  }

  async addConsole(name: string, nats: NatsLinkOptions = this.natsFor('console')): Promise<DeskConsole> {
    const app = await startHeadless({
      port: 0,
      gateway: nats,
      consoleId: `${name}-${randomUUID().slice(0, 6)}`,
      rendererDir: this.rendererDir,
      dataDir: path.join(this.dir, `console-${name}`),
      log: this.o.log ?? silentLogger,
    });
    const client = await BridgeClient.open(new URL(app.url));
    const batches: PushBatch[] = [];
    const receivedAt: number[] = [];
    const orderEvents = new Map<string, Order[]>();
    client.onBatch((b) => {
      batches.push(b);
      receivedAt.push(Date.now());
      for (const o of b.orders) {
        const list = orderEvents.get(o.clientOrderId);
        if (list) list.push(o);
        else orderEvents.set(o.clientOrderId, [o]);
      }
    });
    const c: DeskConsole = {
      name,
      app,
      client,
      batches,
      receivedAt,
      orderEvents,
      close: async () => {
        client.close();
        await app.shutdown();
        await app.close();
      },
    };
    this.consoles.push(c);
    return c;
  }

  /** A limit buy far enough under the market to rest, on the instrument's steps (the caller adds a client order id). */
  async restingOrder(c: DeskConsole, venue: VenueId, query: string): Promise<(clientOrderId?: string) => OrderRequest> {
    const found = await c.client.value('instruments.search', { venue, query, limit: 20 });
    const inst = found.find((i) => i.tradable);
    if (!inst) throw new Error(`no tradable ${venue} instrument for ${query}`);
    const full: Instrument = await c.client.value('instruments.get', { venue, instrumentId: inst.id });
    const bars: Candle[] = await c.client.value('candles.history', { venue, instrumentId: full.id, interval: '1m', limit: 1 });
    const price = nearestSteps(mul(bars.at(-1)!.close, '0.9'), full.priceStep).down;
    const accountId = venue === 'kraken' ? 'spot' : this.tinvest.accountId;
    return (clientOrderId = randomUUID()) => ({ venue, accountId, instrumentId: full.id, side: 'buy', type: 'limit', quantity: full.minQty, price, clientOrderId });
  }

  async close(): Promise<void> {
    for (const c of this.consoles.splice(0)) await c.close().catch(() => undefined);
    await this.stopGateway().catch(() => undefined);
    const child = this.gatewayChild;
    this.gatewayChild = undefined;
    await child?.kill().catch(() => undefined);
    await this.tinvest?.close();
    await this.kraken?.close();
    if (this.dir) await rm(this.dir, { recursive: true, force: true });
  }
}
