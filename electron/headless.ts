/**
 * Node entry without Electron: the same app behind the WebSocket transport, serving the
 * built renderer to a browser. As a script (`tsx electron/headless.ts --port P --seed N`) it
 * starts the demo venues, prints exactly one line — the URL to open — and runs until
 * SIGINT/SIGTERM. Logs go to stderr. As a script it contains what escapes (core/crash-guard.ts):
 * logged, and the app keeps running.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { createApp, startDemoVenues } from './app.js';
import type { DemoVenues, EndpointOverrides, VenueConfig } from './app.js';
import type { Logger } from './core/log.js';
import { createLogger } from './core/log.js';
import { installCrashGuard } from './core/crash-guard.js';
import type { RiskLimits } from './core/orders.js';
import { startWebSocketBridge } from './bridge/websocket.js';
import { KeyringStore } from './vault/keyring-store.js';
import type { SecretStore } from './vault/secret-store.js';

export const ROOT_DIR = fileURLToPath(new URL('..', import.meta.url));

export interface HeadlessOptions {
  host?: string;
  port?: number;
  rendererDir?: string;
  /** Start the local simulated venues (default true). */
  demo?: boolean;
  seed?: number;
  /** Venues besides the demo ones. */
  venues?: VenueConfig[];
  stateDir?: string;
  /** Kept across runs: the chosen venue modes and credentialed venues' state. Default ~/.switchboard. */
  dataDir?: string;
  /** Default: the OS keyring (Secret Service on Linux). */
  secretStore?: SecretStore;
  /** Sandbox/live endpoints aimed elsewhere (tests: the local simulators). */
  endpointOverrides?: EndpointOverrides;
  risk?: RiskLimits;
  log?: Logger;
}

export interface Headless {
  url: string;
  token: string;
  port: number;
  close(): Promise<void>;
}

function packageVersion(): string {
  try {
    const pkg: unknown = JSON.parse(readFileSync(path.join(ROOT_DIR, 'package.json'), 'utf8'));
    const v = typeof pkg === 'object' && pkg !== null ? (pkg as { version?: unknown }).version : undefined;
    return typeof v === 'string' ? v : '0.0.0';
  } catch {
    return '0.0.0';
  }
}

export async function startHeadless(opts: HeadlessOptions = {}): Promise<Headless> {
  const log = opts.log ?? createLogger('headless');
  const rendererDir = opts.rendererDir ?? path.join(ROOT_DIR, 'renderer', 'dist');
  if (!existsSync(path.join(rendererDir, 'index.html'))) {
    log.warn(`no renderer build at ${rendererDir}; run npm run build:renderer`);
  }
  const cleanups: (() => Promise<void>)[] = [];
  const closeAll = async (): Promise<void> => {
    for (const c of cleanups.splice(0).reverse()) await c().catch((err: unknown) => log.warn('shutdown step failed', err));
  };
  try {
    // Real venues keep state across runs (Kraken's nonce floor); demo state (throwaway keys)
    // lives and dies with the run.
    let stateDir = opts.stateDir;
    if (stateDir === undefined && (opts.venues?.length ?? 0) > 0) {
      stateDir = path.join(os.homedir(), '.switchboard', 'state');
    } else if (stateDir === undefined) {
      const tmp = await mkdtemp(path.join(os.tmpdir(), 'switchboard-'));
      cleanups.push(() => rm(tmp, { recursive: true, force: true }));
      stateDir = tmp;
    }
    const venues = [...(opts.venues ?? [])];
    if (opts.demo ?? true) {
      const demoOpts = { rootDir: ROOT_DIR, log: log.child('demo') };
      const demo: DemoVenues = await startDemoVenues(opts.seed === undefined ? demoOpts : { ...demoOpts, seed: opts.seed });
      cleanups.push(() => demo.close());
      venues.push(...demo.venues);
    }
    const app = await createApp({
      venues,
      stateDir,
      dataDir: opts.dataDir ?? path.join(os.homedir(), '.switchboard'),
      secretStore: opts.secretStore ?? new KeyringStore(),
      version: packageVersion(),
      log: log.child('app'),
      ...(opts.endpointOverrides ? { endpointOverrides: opts.endpointOverrides } : {}),
      ...(opts.risk ? { risk: opts.risk } : {}),
    });
    cleanups.push(() => app.close());
    const server = await startWebSocketBridge({
      hub: app.hub,
      modes: app.modes,
      version: app.version,
      log: log.child('ws'),
      rendererDir,
      host: opts.host ?? '127.0.0.1',
      port: opts.port ?? 0,
    });
    cleanups.push(() => server.close());
    return { url: server.url, token: server.token, port: server.port, close: closeAll };
  } catch (err) {
    await closeAll();
    throw err;
  }
}

/** The script's behaviour, shared with scripts/start.ts: start, print the URL line, stop on a signal. */
export async function runHeadlessCli(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: { host: { type: 'string' }, port: { type: 'string' }, seed: { type: 'string' } },
    strict: true,
  });
  const opts: HeadlessOptions = {};
  if (values.host !== undefined) opts.host = values.host;
  if (values.port !== undefined) opts.port = Number(values.port);
  if (values.seed !== undefined) opts.seed = Number(values.seed);
  for (const [name, v] of [['port', opts.port], ['seed', opts.seed]] as const) {
    if (v !== undefined && (!Number.isInteger(v) || v < 0)) throw new Error(`--${name} wants a non-negative integer`);
  }
  // Before anything connects: from here on nothing a venue sends can end the process.
  installCrashGuard(createLogger('headless:process'));
  const headless = await startHeadless(opts);
  process.stdout.write(`Switchboard headless: open ${headless.url}\n`);
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    headless.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

const invokedAsScript = process.argv[1] !== undefined && pathToFileURL(path.resolve(process.argv[1])).href === import.meta.url;
if (invokedAsScript) {
  runHeadlessCli(process.argv.slice(2)).catch((err: unknown) => {
    createLogger('headless').error('could not start', err);
    process.exit(1);
  });
}
