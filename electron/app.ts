/**
 * Composition root: builds the hub and the venues from configs, and can start the local
 * demo venues. Imports no electron, so the Electron entry and the headless entry share it.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import type { VenueId, VenueMode } from './domain.js';
import { VENUE_IDS } from './domain.js';
import { Hub } from './core/hub.js';
import type { VenueFactory } from './core/hub.js';
import type { Logger } from './core/log.js';
import { createLogger, registerSecret } from './core/log.js';
// Types only: the modules themselves load at run time (see loadFactoryExport).
import type { createKrakenVenue } from './venues/kraken/adapter.js';
import type { createTInvestVenue } from './venues/tinvest/adapter.js';

export interface TInvestConfig {
  venue: 'tinvest';
  mode: VenueMode;
  /** host:port */
  endpoint: string;
  token: string;
  accountId?: string;
  /** true (default), extra trusted roots, or false for a loopback simulator. */
  tls?: boolean | { rootCertsPem?: string };
  appName?: string;
}

export interface KrakenConfig {
  venue: 'kraken';
  mode: VenueMode;
  rest: string;
  ws: string;
  wsAuth: string;
  /** Absent: public market data only. */
  apiKey?: string;
  apiSecret?: string;
}

export type VenueConfig = TInvestConfig | KrakenConfig;

export interface AppOptions {
  venues: VenueConfig[];
  stateDir: string;
  /** Connect every venue in the background once built (default true). */
  connect?: boolean;
  version?: string;
  log?: Logger;
}

export interface App {
  hub: Hub;
  log: Logger;
  version: string;
  /** The venues that could be built. */
  venues: VenueId[];
  close(): Promise<void>;
}


const FACTORY_EXPORTS: Readonly<Record<VenueId, string>> = {
  tinvest: 'createTInvestVenue',
  kraken: 'createKrakenVenue',
};

/**
 * Adapters load by name at run time so the app still starts when one is missing or broken:
 * that venue is skipped with a log line instead of taking the others down. The specifier
 * names the .ts source on purpose: tsx and vitest load it as is, and esbuild turns the
 * template into a glob over electron/venues/<venue>/adapter.ts and bundles what it finds
 * (a .js pattern would match nothing there).
 */
async function loadFactoryExport(venue: VenueId, log: Logger): Promise<unknown> {
  try {
    const mod = (await import(`./venues/${venue}/adapter.ts`)) as Record<string, unknown>;
    const fn = mod[FACTORY_EXPORTS[venue]];
    if (typeof fn !== 'function') {
      log.warn(`${venue}: adapter has no ${FACTORY_EXPORTS[venue]}; skipping the venue`);
      return undefined;
    }
    return fn;
  } catch (err) {
    log.warn(`${venue}: adapter not available; skipping the venue`, err);
    return undefined;
  }
}

async function factoryFor(cfg: VenueConfig, stateDir: string, log: Logger): Promise<VenueFactory | undefined> {
  const fn = await loadFactoryExport(cfg.venue, log);
  if (fn === undefined) return undefined;
  // Checked to be a function above; the module's export of that name has this signature.
  if (cfg.venue === 'tinvest') {
    const { venue: _v, ...rest } = cfg;
    return (sink) => (fn as typeof createTInvestVenue)({ ...rest, sink });
  }
  const { venue: _v, ...rest } = cfg;
  return (sink) => (fn as typeof createKrakenVenue)({ ...rest, sink, stateDir });
}

export async function createApp(opts: AppOptions): Promise<App> {
  const log = opts.log ?? createLogger('app');
  const hub = new Hub({ log: log.child('hub') });
  const built: VenueId[] = [];
  for (const cfg of opts.venues) {
    for (const secret of cfg.venue === 'tinvest' ? [cfg.token] : [cfg.apiKey, cfg.apiSecret]) registerSecret(secret);
    const factory = await factoryFor(cfg, opts.stateDir, log);
    if (!factory) continue;
    try {
      hub.addVenue(factory);
      built.push(cfg.venue);
    } catch (err) {
      log.warn(`${cfg.venue}: could not be built; skipping the venue`, err);
    }
  }
  if (opts.connect ?? true) {
    for (const id of built) {
      hub.connect(id).then(
        () => log.info(`${id}: connected`),
        (err: unknown) => log.warn(`${id}: connect failed`, err),
      );
    }
  }
  return {
    hub,
    log,
    version: opts.version ?? '0.0.0',
    venues: built,
    close: () => hub.close(),
  };
}

export interface DemoOptions {
  /** The repository (or app) root holding sim/cli.ts and node_modules. */
  rootDir: string;
  seed?: number;
  /** The Node binary; Electron passes its own with ELECTRON_RUN_AS_NODE in env. */
  execPath?: string;
  env?: NodeJS.ProcessEnv;
  log?: Logger;
  /** Give up when the simulator hasn't reported every venue by then (default 60 s). */
  timeoutMs?: number;
  /** After the first ready line, wait this long for the rest before going on without them. */
  settleMs?: number;
}

export interface DemoVenues {
  venues: VenueConfig[];
  close(): Promise<void>;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown): v is string {
  return typeof v === 'string' && v.length > 0;
}

/** A simulator's ready line as a venue config, or undefined when it isn't one we understand. */
export function demoConfig(line: unknown): VenueConfig | undefined {
  if (!isRecord(line)) return undefined;
  if (line.venue === 'tinvest' && str(line.endpoint) && str(line.token)) {
    const cfg: TInvestConfig = {
      venue: 'tinvest',
      mode: 'demo',
      endpoint: line.endpoint,
      token: line.token,
      tls: line.tls === true && str(line.caPem) ? { rootCertsPem: line.caPem } : false,
    };
    if (str(line.accountId)) cfg.accountId = line.accountId;
    return cfg;
  }
  if (line.venue === 'kraken' && str(line.rest) && str(line.ws) && str(line.wsAuth) && str(line.apiKey) && str(line.apiSecret)) {
    return {
      venue: 'kraken',
      mode: 'demo',
      rest: line.rest,
      ws: line.ws,
      wsAuth: line.wsAuth,
      apiKey: line.apiKey,
      apiSecret: line.apiSecret,
    };
  }
  return undefined;
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

/** Starts sim/cli.ts as a child process and reads its ready lines into venue configs. */
export async function startDemoVenues(opts: DemoOptions): Promise<DemoVenues> {
  const log = opts.log ?? createLogger('demo');
  const tsx = createRequire(path.join(opts.rootDir, 'package.json')).resolve('tsx');
  const child = spawn(
    opts.execPath ?? process.execPath,
    ['--import', pathToFileURL(tsx).href, path.join(opts.rootDir, 'sim', 'cli.ts'), '--seed', String(opts.seed ?? 1)],
    { cwd: opts.rootDir, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  // An app that dies without closing must not leave the simulator behind.
  const killOnExit = (): void => {
    child.kill('SIGTERM');
  };
  process.once('exit', killOnExit);
  const simLog = log.child('sim');
  createInterface({ input: child.stderr! }).on('line', (l) => simLog.info(l));

  const configs = new Map<VenueId, VenueConfig>();
  try {
    await new Promise<void>((resolve, reject) => {
      let settle: ReturnType<typeof setTimeout> | undefined;
      const done = (err?: Error): void => {
        clearTimeout(deadline);
        clearTimeout(settle);
        child.off('exit', onExit);
        lines.close();
        if (err) reject(err);
        else resolve();
      };
      const deadline = setTimeout(() => {
        if (configs.size > 0) done();
        else done(new Error(`simulator reported no venue within ${opts.timeoutMs ?? 60_000} ms`));
      }, opts.timeoutMs ?? 60_000);
      const onExit = (code: number | null, signal: string | null): void =>
        done(new Error(`simulator exited (${signal ?? `code ${code}`}) before it was ready`));
      child.once('exit', onExit);
      const lines = createInterface({ input: child.stdout! });
      lines.on('line', (text) => {
        let parsed: unknown;
        try {
          parsed = JSON.parse(text);
        } catch {
          simLog.warn('ignoring a stdout line that is not JSON');
          return;
        }
        const cfg = demoConfig(parsed);
        if (!cfg) {
          simLog.warn(`ignoring a ready line for an unknown venue: ${isRecord(parsed) ? String(parsed.venue) : '?'}`);
          return;
        }
        configs.set(cfg.venue, cfg);
        if (VENUE_IDS.every((id) => configs.has(id))) return done();
        clearTimeout(settle);
        settle = setTimeout(() => done(), opts.settleMs ?? 500);
      });
    });
  } catch (err) {
    process.off('exit', killOnExit);
    await stopChild(child);
    throw err;
  }
  for (const id of VENUE_IDS) if (!configs.has(id)) log.warn(`${id}: the simulator did not start it; going on without it`);
  return {
    venues: [...configs.values()],
    close: async () => {
      process.off('exit', killOnExit);
      await stopChild(child);
    },
  };
}
