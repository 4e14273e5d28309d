/**
 * Node entry without Electron: the same app behind the WebSocket transport, serving the
 * built renderer to a browser. As a script (`tsx electron/headless.ts [--port N] [--data-dir DIR]
 * [--new-token] [--seed N] [--config FILE] [--demo-from FILE] [--host H] [--metrics HOST:PORT [--metrics-public]]`) it starts the demo
 * venues, prints exactly one line — the URL to open — and runs until SIGINT/SIGTERM.
 *
 * What a restart keeps: the port (DEFAULT_HEADLESS_PORT unless --port), hence the page's
 * origin and the workspace the browser saved for it; the access token (`<dataDir>/headless-token`,
 * replaced by --new-token), hence an open tab reconnects by itself. Logs go to
 * `<dataDir>/logs/switchboard.log` (JSON lines, rotated) and, in development, to stderr; never
 * to stdout. As a script it contains what escapes (core/crash-guard.ts): logged, and the app
 * keeps running.
 */
import { existsSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { WireTaps } from './net/wire-tap.js';
import { ConfigError, readConfigFile } from './app/config-file.js';
import { APP_ROOT, DemoVenuesError, readDemoFile } from './app/demo-venues.js';
import type { DemoLauncher } from './app/demo-venues.js';
import { packageVersion, startCore } from './app/start-core.js';
import type { CoreOptions } from './app/start-core.js';
import type { Logger } from './core/log.js';
import { createLogger } from './core/log.js';
import { logToStderr, openAppLog } from './core/log-file.js';
import { keptToken } from './bridge/token-file.js';
import { PortInUseError, startWebSocketBridge } from './bridge/websocket.js';
import { MetricsListenError } from './metrics/server.js';
import { UsageError, metricsFlags, quitOnSignals, runScript, startWithLog } from './app/node-process.js';
import { fixedMetricsServer } from './metrics/server-switch.js';
import { attachConsole, consoleBridgeDeps } from './gateway/console/attach.js';
import type { ConsoleLink } from './gateway/console/attach.js';
import { describeServers, NatsLinkUsageError, natsOptionsFromFlags } from './gateway/nats-link.js';
import type { NatsLinkOptions } from './gateway/nats-link.js';

/** The repository root, or the release folder: where renderer/dist and package.json are. */
export const ROOT_DIR = APP_ROOT;

/**
 * The port headless mode listens on unless told otherwise. Fixed, so the page's origin — and
 * with it the workspace the browser keeps per origin — survives a restart; in the dynamic
 * range (49152–65535), where no service is registered, and away from its round numbers.
 */
export const DEFAULT_HEADLESS_PORT = 52_417;

/** A start-up problem the person starting the app fixes with a flag: told in one line, no stack. */
export class HeadlessUsageError extends UsageError {
  override readonly name = 'HeadlessUsageError';
}

/** The one line for a port in use: which port, and the flag that picks another. */
export function portInUseLine(err: PortInUseError): string {
  return (
    `Port ${err.port} on ${err.host} is already in use (is Switchboard already running?). ` +
    'Start with --port N to listen on another port, or --port 0 for any free one; the saved workspace belongs to the port.'
  );
}

export interface HeadlessOptions extends Omit<CoreOptions, 'component' | 'dataDir'> {
  host?: string;
  /** Default DEFAULT_HEADLESS_PORT; 0 = any free port (tests). */
  port?: number;
  /** Replace the access token kept in dataDir with a fresh one (--new-token). */
  newToken?: boolean;
  rendererDir?: string;
  /**
   * Kept across runs: the log, the access token, the chosen venue modes, which venues have
   * stored credentials and those venues' state. Default ~/.switchboard.
   */
  dataDir?: string;
  /** Attach to a gateway instead of running a core here (--gateway; docs/gateway.md): a console. */
  gateway?: NatsLinkOptions;
  /** A console's id on the gateway (default: made up per start). */
  consoleId?: string;
}

export interface Headless {
  url: string;
  token: string;
  port: number;
  /** The log file, when this app writes one. */
  logFile: string | undefined;
  /** The app's wire tap: what crossed each venue connection, while a consumer listens (tests emit into it too). */
  wire: WireTaps;
  /** http://host:port/metrics, when --metrics asked for it. */
  metricsUrl: string | undefined;
  /** A console's link to its gateway (--gateway). */
  gateway?: ConsoleLink;
  /** Quits without losing an order (App.shutdown); then close(). */
  shutdown(): Promise<void>;
  close(): Promise<void>;
}

/** Throws PortInUseError when the port can't be listened on now; the bridge's own listen still decides. */
async function ensurePortFree(port: number, host: string): Promise<void> {
  const probe = net.createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', (err: Error) => reject('code' in err && err.code === 'EADDRINUSE' ? new PortInUseError(port, host, err) : err));
    probe.listen(port, host, () => probe.close(() => resolve()));
  });
}

/** Where the app keeps what outlives a run: modes, venue state, logs. */
export function defaultDataDir(): string {
  return path.join(os.homedir(), '.switchboard');
}

export async function startHeadless(opts: HeadlessOptions = {}): Promise<Headless> {
  const dataDir = opts.dataDir ?? defaultDataDir();
  const host = opts.host ?? '127.0.0.1';
  const port = opts.port ?? DEFAULT_HEADLESS_PORT;
  // Before anything starts: a taken port (often the app already running) is told at once.
  if (port !== 0) await ensurePortFree(port, host);
  if (opts.gateway) return startConsole(opts, opts.gateway, dataDir, host, port);
  const core = await startCore({ ...coreOptions(opts), dataDir, component: 'headless' });
  const { app, log, appLog, metrics, metricsServer } = core;
  try {
    const rendererDir = rendererDirOf(opts, log);
    const { token } = await keptToken({ dataDir, renew: opts.newToken ?? false, log: log.child('token') });
    const server = await startWebSocketBridge({
      hub: app.hub,
      modes: app.modes,
      inspector: app.inspector,
      alerts: app.alerts,
      recording: app.recorder,
      version: app.version,
      log: log.child('ws'),
      // A browser tab can't open folders: it shows where the log is.
      ...(appLog ? { logs: { folder: appLog.folder, file: appLog.file } } : {}),
      notices: core.notices,
      metrics,
      metricsServer: fixedMetricsServer(metricsServer),
      rendererDir,
      host,
      port,
      token,
    });
    core.onClose(() => server.close());
    log.info(`started, version ${app.version}, listening on ${server.port}`, { dataDir });
    const shutdown = async (): Promise<void> => {
      await app.shutdown();
    };
    return { url: server.url, token: server.token, port: server.port, logFile: appLog?.file, wire: app.wire, metricsUrl: metricsServer?.url, shutdown, close: core.close };
  } catch (err) {
    await core.close();
    throw err;
  }
}

/** What of the headless options the core takes. */
function coreOptions(opts: HeadlessOptions): Omit<CoreOptions, 'dataDir' | 'component'> {
  const { host: _host, port: _port, newToken: _newToken, rendererDir: _rendererDir, dataDir: _dataDir, gateway: _gateway, consoleId: _consoleId, ...core } = opts;
  return core;
}

function rendererDirOf(opts: HeadlessOptions, log: Logger): string {
  const rendererDir = opts.rendererDir ?? path.join(ROOT_DIR, 'renderer', 'dist');
  if (!existsSync(path.join(rendererDir, 'index.html'))) {
    log.warn(`no renderer build at ${rendererDir}; run npm run build:renderer`);
  }
  return rendererDir;
}

/**
 * A console: no core, no venues, no journal here. The page talks to this process as always; this
 * process forwards to the gateway over NATS (electron/gateway/console/).
 */
async function startConsole(opts: HeadlessOptions, nats: NatsLinkOptions, dataDir: string, host: string, port: number): Promise<Headless> {
  const ownLog = opts.log === undefined && opts.appLog === undefined ? openAppLog({ dataDir, component: 'console', stderr: logToStderr() }) : undefined;
  const appLog = opts.appLog ?? ownLog;
  const log = opts.log ?? appLog?.log ?? createLogger('console');
  const closers: (() => Promise<void>)[] = [];
  if (ownLog) closers.push(() => Promise.resolve(ownLog.close()));
  const close = async (): Promise<void> => {
    for (const c of closers.splice(0).reverse()) await c().catch((err: unknown) => log.warn('shutdown step failed', err));
  };
  try {
    const version = packageVersion();
    const link = await attachConsole({ nats, version, log: log.child('gateway'), ...(opts.consoleId === undefined ? {} : { consoleId: opts.consoleId }) });
    closers.push(() => link.close());
    const { token } = await keptToken({ dataDir, renew: opts.newToken ?? false, log: log.child('token') });
    const server = await startWebSocketBridge({
      ...consoleBridgeDeps(link),
      version,
      log: log.child('ws'),
      ...(appLog ? { logs: { folder: appLog.folder, file: appLog.file } } : {}),
      notices: () => link.notices(),
      rendererDir: rendererDirOf(opts, log),
      host,
      port,
      token,
    });
    closers.push(() => server.close());
    log.info(`console started, version ${version}, listening on ${server.port}, gateway ${describeServers(nats)}`, { dataDir });
    return {
      url: server.url,
      token: server.token,
      port: server.port,
      logFile: appLog?.file,
      wire: link.wire,
      metricsUrl: undefined,
      gateway: link,
      // Nothing of the desk's orders lives here: quitting a console leaves them to the gateway.
      shutdown: () => link.leave(),
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

/** The script's behaviour, shared with scripts/start.ts: start, print the URL line, stop on a signal. */
export async function runHeadlessCli(argv: string[], extra: { demoLauncher?: DemoLauncher } = {}): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      host: { type: 'string' },
      port: { type: 'string' },
      seed: { type: 'string' },
      config: { type: 'string' },
      'demo-from': { type: 'string' },
      'data-dir': { type: 'string' },
      'new-token': { type: 'boolean' },
      metrics: { type: 'string' },
      'metrics-public': { type: 'boolean' },
      record: { type: 'boolean' },
      gateway: { type: 'string' },
      'nats-user': { type: 'string' },
      'nats-password-file': { type: 'string' },
      'nats-ca': { type: 'string' },
    },
    strict: true,
  });
  const opts: HeadlessOptions = extra.demoLauncher ? { demoLauncher: extra.demoLauncher } : {};
  if (values.host !== undefined) opts.host = values.host;
  if (values.port !== undefined) opts.port = Number(values.port);
  if (values.seed !== undefined) opts.seed = Number(values.seed);
  for (const [name, v] of [['port', opts.port], ['seed', opts.seed]] as const) {
    if (v !== undefined && (!Number.isInteger(v) || v < 0)) throw new HeadlessUsageError(`--${name} wants a non-negative integer`);
  }
  if (opts.port !== undefined && opts.port > 65_535) throw new HeadlessUsageError('--port wants a port number, 0 to 65535');
  if (values['new-token'] === true) opts.newToken = true;
  // checked before anything starts, so a public address without the flag is one line.
  const metrics = metricsFlags(values, (message, cause) => new HeadlessUsageError(message, { cause }));
  if (metrics) opts.metrics = metrics;
  if (values.record === true) opts.record = true;
  if (values.gateway === undefined) {
    for (const flag of ['nats-user', 'nats-password-file', 'nats-ca'] as const) {
      if (values[flag] !== undefined) throw new HeadlessUsageError(`--${flag} goes with --gateway nats://host:4222`);
    }
  } else {
    // A console runs no venues: flags about venues belong to the gateway.
    for (const flag of ['seed', 'config', 'demo-from', 'metrics', 'record'] as const) {
      if (values[flag] !== undefined) throw new HeadlessUsageError(`--${flag} is the gateway's to set; a console (--gateway) runs no venues`);
    }
    try {
      opts.gateway = natsOptionsFromFlags({ servers: values.gateway, user: values['nats-user'], passwordFile: values['nats-password-file'], caFile: values['nats-ca'] });
    } catch (err) {
      if (err instanceof NatsLinkUsageError) throw new HeadlessUsageError(err.message, { cause: err });
      throw err;
    }
  }
  const dataDir = values['data-dir'] === undefined ? defaultDataDir() : path.resolve(values['data-dir']);
  opts.dataDir = dataDir;
  // A bad config or demo file is the trader's to fix: one line naming the file and the field.
  try {
    if (values.config !== undefined) opts.config = await readConfigFile(values.config);
    if (values['demo-from'] !== undefined) opts.demoLines = await readDemoFile(values['demo-from']);
  } catch (err) {
    if (err instanceof ConfigError || err instanceof DemoVenuesError) throw new HeadlessUsageError(err.message, { cause: err });
    throw err;
  }
  const { started: headless, appLog } = await startWithLog(
    {
      dataDir,
      component: 'headless',
      usage: (err) => {
        if (err instanceof PortInUseError) return new HeadlessUsageError(portInUseLine(err), { cause: err });
        if (err instanceof MetricsListenError) return new HeadlessUsageError(err.message, { cause: err });
        return undefined;
      },
    },
    (log) => startHeadless({ ...opts, appLog: log }),
  );
  process.stdout.write(`Switchboard headless: open ${headless.url}\n`);
  if (headless.metricsUrl !== undefined) appLog.log.info(`metrics: ${headless.metricsUrl}`);
  // Orders in flight are answered or recorded unknown, and clients see it, before the bridge closes.
  quitOnSignals({ log: appLog.log, shutdown: () => headless.shutdown(), close: () => headless.close() });
}

/** The script: runs the CLI, and turns a failure into one line (a usage error, exit 2) or a logged error (exit 1). */
export function runHeadlessScript(argv: string[], extra: { demoLauncher?: DemoLauncher } = {}): void {
  runScript('headless', () => runHeadlessCli(argv, extra));
}

// From sources (`tsx electron/headless.ts`); the release bundle starts from headless-entry.ts.
const invokedAsScript = process.argv[1] !== undefined && pathToFileURL(path.resolve(process.argv[1])).href === import.meta.url;
if (invokedAsScript) runHeadlessScript(process.argv.slice(2));
