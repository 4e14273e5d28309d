/**
 * The core of a Node process without Electron, started the same way by headless mode (which puts
 * the WebSocket bridge in front of it) and by the gateway (which serves consoles over NATS):
 * the log, the demo venues, the app (hub, venues, journal, vault), the metrics endpoint.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createApp } from './create-app.js';
import type { App, AppOptions } from './create-app.js';
import type { AppConfig } from './config-file.js';
import { APP_ROOT, demoUnavailableNotice, startDemoVenues } from './demo-venues.js';
import type { DemoLauncher } from './demo-venues.js';
import type { Logger } from '../core/log.js';
import { createLogger } from '../core/log.js';
import { logToStderr, openAppLog } from '../core/log-file.js';
import type { AppLog } from '../core/log-file.js';
import type { RiskLimits } from '../core/orders.js';
import { KeyringStore } from '../vault/keyring-store.js';
import type { SecretStore } from '../vault/secret-store.js';
import { AppMetrics } from '../metrics/app-metrics.js';
import { startMetricsServer } from '../metrics/server.js';
import type { MetricsServer } from '../metrics/server.js';

export interface CoreOptions {
  /** Start the local demo venues (default true, unless demoLines are given). */
  demo?: boolean;
  /** How the demo venues' process starts (default: a Node child, app/demo-venues.ts). */
  demoLauncher?: DemoLauncher;
  /** Demo venues already running: their ready lines (--demo-from, tests). */
  demoLines?: readonly unknown[];
  seed?: number;
  /** The config file applied: where sandbox and live connect, venue options. */
  config?: AppConfig;
  stateDir?: string;
  /** Kept across runs: the log, the chosen venue modes, the journal, venues' state. */
  dataDir: string;
  /** Default: the OS keyring (Secret Service on Linux). */
  secretStore?: SecretStore;
  risk?: RiskLimits;
  candleCache?: AppOptions['candleCache'];
  /** Where lines go instead of the log file (tests, embedding); the caller owns them. */
  log?: Logger;
  /** The log file the caller opened; else one in dataDir named after `component`. */
  appLog?: AppLog;
  /** Serve GET /metrics here; a non-loopback host needs allowPublic. */
  metrics?: { host: string; port: number; allowPublic?: boolean };
  record?: boolean;
  /** Names the log file and the log's lines: headless, gateway. */
  component: string;
}

export interface Core {
  app: App;
  log: Logger;
  /** The log file, when this process writes one. */
  appLog: AppLog | undefined;
  metrics: AppMetrics;
  metricsServer: MetricsServer | undefined;
  /** What the person at the screen should know about this start, with the app's own. */
  notices(): string[];
  /** Runs `fn` when the core closes, before what was opened earlier (last in, first out). */
  onClose(fn: () => Promise<void>): void;
  /** Closes everything opened, newest first; never throws. */
  close(): Promise<void>;
}

export function packageVersion(): string {
  try {
    const pkg: unknown = JSON.parse(readFileSync(path.join(APP_ROOT, 'package.json'), 'utf8'));
    const v = typeof pkg === 'object' && pkg !== null ? (pkg as { version?: unknown }).version : undefined;
    return typeof v === 'string' ? v : '0.0.0';
  } catch {
    return '0.0.0';
  }
}

export async function startCore(opts: CoreOptions): Promise<Core> {
  const dataDir = opts.dataDir;
  // Opened here only when nobody passed a log or a file; then closing the core closes it too.
  const ownLog = opts.log === undefined && opts.appLog === undefined ? openAppLog({ dataDir, component: opts.component, stderr: logToStderr() }) : undefined;
  const appLog = opts.appLog ?? ownLog;
  const log = opts.log ?? appLog?.log ?? createLogger(opts.component);
  const cleanups: (() => Promise<void>)[] = [];
  if (ownLog) cleanups.push(() => Promise.resolve(ownLog.close()));
  const closeAll = async (): Promise<void> => {
    for (const c of cleanups.splice(0).reverse()) await c().catch((err: unknown) => log.warn('shutdown step failed', err));
  };
  try {
    // Venues on stored credentials keep state in dataDir/state (Kraken's nonce floor); demo
    // state (the local venues' throwaway keys) lives and dies with the run.
    let stateDir = opts.stateDir;
    if (stateDir === undefined) {
      const tmp = await mkdtemp(path.join(os.tmpdir(), 'switchboard-'));
      cleanups.push(() => rm(tmp, { recursive: true, force: true }));
      stateDir = tmp;
    }
    const notices: string[] = [];
    let demoLines = opts.demoLines;
    if (demoLines === undefined && (opts.demo ?? true)) {
      try {
        const demo = await startDemoVenues({
          log: log.child('demo'),
          ...(opts.seed === undefined ? {} : { seed: opts.seed }),
          ...(opts.demoLauncher ? { launcher: opts.demoLauncher } : {}),
        });
        cleanups.push(() => demo.close());
        demoLines = demo.lines;
      } catch (err) {
        // The app still opens: sandbox and live don't need the demo venues.
        log.error('the demo venues could not start', err);
        notices.push(demoUnavailableNotice(err, appLog?.file));
      }
    }
    const app = await createApp({
      // --record: the recorder listens before any venue connects, so the file starts with the connect.
      ...(opts.record ? { record: true } : {}),
      ...(demoLines ? { demoLines } : {}),
      ...(opts.config ? { config: opts.config } : {}),
      stateDir,
      dataDir,
      // Building it opens nothing: each call reaches the keyring, and the app calls only to
      // store, read for a stored mode, or delete (vault/credential-index.ts).
      secretStore: opts.secretStore ?? new KeyringStore(),
      version: packageVersion(),
      log: log.child('app'),
      ...(opts.risk ? { risk: opts.risk } : {}),
      ...(opts.candleCache === undefined ? {} : { candleCache: opts.candleCache }),
    });
    cleanups.push(() => app.close());
    // the metrics read the hub at scrape time; the endpoint is its own server.
    const metrics = new AppMetrics({ diagnostics: () => app.hub.diagnostics.snapshot(), ackLatency: app.hub.journal.ackLatency, version: app.version });
    let metricsServer: MetricsServer | undefined;
    if (opts.metrics) {
      metricsServer = await startMetricsServer({ metrics, ...opts.metrics, log: log.child('metrics') });
      const s = metricsServer;
      cleanups.push(() => s.close());
    }
    return {
      app,
      log,
      appLog,
      metrics,
      metricsServer,
      notices: () => [...notices, ...app.notices],
      onClose: (fn) => cleanups.push(fn),
      close: closeAll,
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}
