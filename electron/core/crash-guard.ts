/**
 * Process-level containment, the last net under the per-connection one: an exception or a
 * rejected promise nobody handled is logged (redacted, like every log line) and the app keeps
 * running — one venue's bad frame must never take every connection, the order list and every
 * open tab with it. Both entries (electron/main.ts, electron/headless.ts) install it.
 *
 * Not in test runs: under vitest (VITEST set) or NODE_ENV=test nothing is installed, so an
 * escaped error still fails the test that caused it, as vitest does by default.
 */
import type { Logger } from './log.js';

/** Lines per window before the guard only counts; a loop that throws must not flood the log. */
const MAX_LINES_PER_WINDOW = 20;
const WINDOW_MS = 60_000;

export interface CrashGuardOptions {
  env?: NodeJS.ProcessEnv;
  now?: () => number;
}

export function isTestRun(env: NodeJS.ProcessEnv = process.env): boolean {
  return env['VITEST'] !== undefined || env['NODE_ENV'] === 'test';
}

/** Installs the handlers (unless this is a test run); returns how to remove them. */
export function installCrashGuard(log: Logger, opts: CrashGuardOptions = {}): () => void {
  if (isTestRun(opts.env ?? process.env)) return () => undefined;
  const now = opts.now ?? Date.now;
  let windowStart = now();
  let lines = 0;
  let suppressed = 0;
  const report = (what: string, err: unknown): void => {
    const t = now();
    if (t - windowStart >= WINDOW_MS) {
      if (suppressed > 0) log.error(`${suppressed} more uncaught errors in the last minute were not logged`);
      windowStart = t;
      lines = 0;
      suppressed = 0;
    }
    if (lines >= MAX_LINES_PER_WINDOW) {
      suppressed += 1;
      return;
    }
    lines += 1;
    try {
      log.error(`${what}; contained, the app keeps running`, err);
    } catch {
      // A logger that throws here would turn containment into a crash loop.
    }
  };
  const onException = (err: Error, origin: string): void => report(origin === 'unhandledRejection' ? 'unhandled rejection' : 'uncaught exception', err);
  const onRejection = (reason: unknown): void => report('unhandled rejection', reason);
  process.on('uncaughtException', onException);
  process.on('unhandledRejection', onRejection);
  return () => {
    process.off('uncaughtException', onException);
    process.off('unhandledRejection', onRejection);
  };
}
