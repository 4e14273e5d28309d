/**
 * What the Node entries (headless, gateway) share as processes: the --metrics flags read the
 * same way, a signal quits through the app's own shutdown within a bound, and a start that fails
 * becomes one line (a usage error the person fixes with a flag, exit 2) or a logged error (exit 1).
 */
import { installCrashGuard } from '../core/crash-guard.js';
import { logToStderr, openAppLog } from '../core/log-file.js';
import type { AppLog } from '../core/log-file.js';
import { createLogger } from '../core/log.js';
import type { Logger } from '../core/log.js';
import { EXIT_SLACK_MS, shutdownBoundMs } from '../core/shutdown.js';
import { MetricsAddressError, checkMetricsHost, parseMetricsAddress } from '../metrics/server.js';

/** A start-up problem the person starting the process fixes with a flag: told in one line, no stack. */
export class UsageError extends Error {
  override readonly name: string = 'UsageError';
}

/** --metrics HOST:PORT [--metrics-public], checked before anything starts; undefined without --metrics. */
export function metricsFlags(
  values: { metrics?: string | undefined; 'metrics-public'?: boolean | undefined },
  usage: (message: string, cause?: unknown) => Error,
): { host: string; port: number; allowPublic: boolean } | undefined {
  if (values['metrics-public'] === true && values.metrics === undefined) throw usage('--metrics-public goes with --metrics HOST:PORT');
  if (values.metrics === undefined) return undefined;
  try {
    const address = parseMetricsAddress(values.metrics);
    const allowPublic = values['metrics-public'] === true;
    checkMetricsHost(address.host, allowPublic);
    return { ...address, allowPublic };
  } catch (err) {
    if (err instanceof MetricsAddressError) throw usage(err.message, err);
    throw err;
  }
}

/**
 * SIGINT and SIGTERM quit through `shutdown` (orders in flight answered or recorded) then
 * `close`; whatever a venue does, the process ends a moment after the shutdown's own bound
 * (plus `extraMs` for what the caller adds to it).
 */
export function quitOnSignals(o: { log: Logger; shutdown: () => Promise<void>; close: () => Promise<void>; extraMs?: number }): void {
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    setTimeout(
      () => {
        o.log.error('shutdown did not finish in time; exiting anyway');
        process.exit(1);
      },
      shutdownBoundMs() + (o.extraMs ?? 0) + EXIT_SLACK_MS,
    ).unref();
    // Lines are written synchronously (core/log-file.ts): exiting loses none.
    o.shutdown()
      .then(() => o.close())
      .then(
        () => process.exit(0),
        () => process.exit(1),
      );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

/**
 * Opens the process's log in `dataDir` (its lines to stderr too), guards the process against
 * crashes before anything connects (from here on nothing a venue sends can end it), and starts.
 * A start that fails is logged, then told in one line where `usage` names it a usage error, or
 * as an error that points at the log.
 */
export async function startWithLog<T>(
  o: { dataDir: string; component: string; usage: (err: unknown) => UsageError | undefined },
  start: (appLog: AppLog) => Promise<T>,
): Promise<{ started: T; appLog: AppLog }> {
  const appLog = openAppLog({ dataDir: o.dataDir, component: o.component, stderr: logToStderr() });
  installCrashGuard(appLog.log.child('process'));
  try {
    return { started: await start(appLog), appLog };
  } catch (err) {
    appLog.log.error('could not start', err);
    const usage = o.usage(err);
    if (usage) throw usage;
    throw new Error(`could not start (${err instanceof Error ? err.message : String(err)}); see the log: ${appLog.file}`, { cause: err });
  }
}

/** Runs a CLI; a usage error is one line on stderr (exit 2), anything else is logged (exit 1). */
export function runScript(name: string, run: () => Promise<void>): void {
  run().catch((err: unknown) => {
    if (err instanceof UsageError) {
      process.stderr.write(`Switchboard ${name}: ${err.message}\n`);
      process.exit(2);
    }
    // To stderr: the log file may be what failed to open.
    createLogger(name).error(err instanceof Error ? err.message : 'could not start', err instanceof Error ? (err.cause ?? err) : err);
    process.exit(1);
  });
}
