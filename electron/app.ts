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
import type { VenueId, VenueMode } from '../common/domain.js';
import { VENUE_IDS } from '../common/domain.js';
import { Hub } from './core/hub.js';
import type { VenueFactory } from './core/hub.js';
import type { Logger } from './core/log.js';
import { createLogger, logRedactor, registerSecret } from './core/log.js';
import type { RiskLimits } from './core/orders.js';
import { VenueModes } from './app/venue-modes.js';
import type { VenueCredentials } from './credentials.js';
import { noSecretStore } from './vault/no-secret-store.js';
import { redactingStore } from './vault/redacting-store.js';
import type { SecretStore } from './vault/secret-store.js';
import { DEAD_MAN_SWITCH_SEC, KRAKEN_REST_URL, KRAKEN_WS_PRIVATE_URL, KRAKEN_WS_PUBLIC_URL } from './venues/kraken/constants.js';
import { HOSTS as TINVEST_HOSTS } from './venues/tinvest/constants.js';
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
  /** Dead man's switch timeout in s, 0 = off. Default: armed for 60 s on live, off in demo. */
  deadManSwitchSec?: number;
}

export type VenueConfig = TInvestConfig | KrakenConfig;

export interface TInvestEndpoint {
  endpoint: string;
  tls?: TInvestConfig['tls'];
}

export interface KrakenEndpoints {
  rest: string;
  ws: string;
  wsAuth: string;
}

/** Where stored credentials sign in. Kraken spot has no sandbox: its keys are live keys. */
export interface VenueEndpoints {
  tinvest: { sandbox: TInvestEndpoint; live: TInvestEndpoint };
  kraken: KrakenEndpoints;
}

export const VENUE_ENDPOINTS: VenueEndpoints = {
  tinvest: { sandbox: { endpoint: TINVEST_HOSTS.sandbox }, live: { endpoint: TINVEST_HOSTS.live } },
  kraken: { rest: KRAKEN_REST_URL, ws: KRAKEN_WS_PUBLIC_URL, wsAuth: KRAKEN_WS_PRIVATE_URL },
};

/** Sandbox/live endpoints pointed elsewhere: tests aim them at the local simulators. */
export interface EndpointOverrides {
  tinvest?: Partial<VenueEndpoints['tinvest']>;
  kraken?: KrakenEndpoints;
}

export interface AppOptions {
  /** Builds as configured: the simulator's demo venues, or venues with their own keys. */
  venues: VenueConfig[];
  /** Where configured venues keep state. */
  stateDir: string;
  /**
   * Survives restarts: the state of venues signed in with stored credentials (Kraken's nonce
   * floor) and the mode chosen for each venue. Default: stateDir.
   */
  dataDir?: string;
  /** Where credentials are stored: the OS keyring (headless) or safeStorage (Electron); none = refused. */
  secretStore?: SecretStore;
  endpointOverrides?: EndpointOverrides;
  risk?: RiskLimits;
  /** Connect every venue in the background once built (default true). */
  connect?: boolean;
  version?: string;
  log?: Logger;
}

export interface App {
  hub: Hub;
  /** Venue modes and stored credentials, for the bridge. */
  modes: VenueModes;
  log: Logger;
  version: string;
  /** The venues that could be built. */
  venues: VenueId[];
  close(): Promise<void>;
}

export const MODE_SELECTION_FILE = 'venue-modes.json';

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

/** The config that signs in with stored credentials, or undefined for a mode the venue lacks. */
export function credentialedConfig(
  venue: VenueId,
  mode: VenueMode,
  creds: VenueCredentials,
  overrides: EndpointOverrides = {},
): VenueConfig | undefined {
  if (venue === 'tinvest' && 'token' in creds && (mode === 'sandbox' || mode === 'live')) {
    const at = overrides.tinvest?.[mode] ?? VENUE_ENDPOINTS.tinvest[mode];
    const cfg: TInvestConfig = { venue, mode, endpoint: at.endpoint, token: creds.token };
    if (at.tls !== undefined) cfg.tls = at.tls;
    if (creds.accountId !== undefined) cfg.accountId = creds.accountId;
    return cfg;
  }
  if (venue === 'kraken' && 'apiKey' in creds && mode === 'live') {
    const at = overrides.kraken ?? VENUE_ENDPOINTS.kraken;
    return { venue, mode, rest: at.rest, ws: at.ws, wsAuth: at.wsAuth, apiKey: creds.apiKey, apiSecret: creds.apiSecret };
  }
  return undefined;
}

function factoryOf(fn: unknown, cfg: VenueConfig, stateDir: string): VenueFactory {
  // `fn` is the adapter module's export of that name, checked to be a function on load.
  for (const secret of cfg.venue === 'tinvest' ? [cfg.token] : [cfg.apiKey, cfg.apiSecret]) registerSecret(secret);
  if (cfg.venue === 'tinvest') {
    const { venue: _v, ...rest } = cfg;
    return (sink) => (fn as typeof createTInvestVenue)({ ...rest, sink });
  }
  const { venue: _v, ...rest } = cfg;
  // Real money rests on live keys: the venue cancels it if this process dies. Demo orders are
  // the simulator's, and a debugger pause must not wipe them, so there it is off unless asked.
  const deadManSwitchSec = cfg.deadManSwitchSec ?? (cfg.mode === 'live' ? DEAD_MAN_SWITCH_SEC : 0);
  return (sink) => (fn as typeof createKrakenVenue)({ ...rest, sink, stateDir, deadManSwitchSec });
}

export async function createApp(opts: AppOptions): Promise<App> {
  const log = opts.log ?? createLogger('app');
  const hub = new Hub({ log: log.child('hub'), ...(opts.risk ? { risk: opts.risk } : {}) });
  const dataDir = opts.dataDir ?? opts.stateDir;
  const adapters = new Map<VenueId, unknown>();
  for (const id of VENUE_IDS) {
    const fn = await loadFactoryExport(id, log);
    if (fn !== undefined) adapters.set(id, fn);
  }
  const configured = new Map<VenueId, VenueMode>();
  for (const cfg of opts.venues) if (!configured.has(cfg.venue)) configured.set(cfg.venue, cfg.mode);

  const build = (venue: VenueId, mode: VenueMode, creds: VenueCredentials | null): VenueFactory | undefined => {
    const fn = adapters.get(venue);
    if (fn === undefined) return undefined;
    if (creds !== null) {
      const cfg = credentialedConfig(venue, mode, creds, opts.endpointOverrides);
      return cfg && factoryOf(fn, cfg, path.join(dataDir, 'state'));
    }
    const cfg = opts.venues.find((c) => c.venue === venue && c.mode === mode);
    return cfg && factoryOf(fn, cfg, opts.stateDir);
  };
  const modes = new VenueModes({
    hub,
    // Every secret stored or read through the vault is masked in the log from then on.
    store: redactingStore(opts.secretStore ?? noSecretStore, logRedactor),
    build,
    selectionFile: path.join(dataDir, MODE_SELECTION_FILE),
    log: log.child('modes'),
  });
  const built = await modes.setup(configured);
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
    modes,
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
