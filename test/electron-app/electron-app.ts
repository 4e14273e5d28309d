/**
 * The real desktop app for the Electron end-to-end tests: the built main process
 * (dist/electron/main.js) in the Electron binary, launched by Playwright's `_electron`, its one
 * window as a Playwright Page the e2e Workspace drives. `npm run test:electron` builds first
 * and runs these only where the binary exists (scripts/test-electron.ts).
 *
 * Playwright connects over Node's inspector, so the binary must keep the nodeCliInspect fuse
 * (a development binary does; release fuses are for the release build only). With an
 * executablePath it injects no loader, so it adds none of its own Chromium switches (notably
 * not `--password-store=basic`): the app pins the password store itself, as it does for users.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { _electron, type ElectronApplication, type Page } from 'playwright-core';
import { ROOT_DIR } from '../../electron/headless.js';
import { findElectronBinary } from '../../scripts/start.js';
import { PATIENCE_MS, Workspace } from '../e2e/workspace-page.js';

/** What `npm run build` leaves, and the app needs: main, preload, the demo venues, the renderer. */
const BUILT = ['dist/electron/main.js', 'dist/electron/preload.cjs', 'dist/sim/cli.js', 'renderer/dist/index.html'];

/** Throws (never skips): these tests run only when asked for, so a missing part is a failure. */
export function requireElectron(): string {
  const binary = findElectronBinary(ROOT_DIR);
  if (!binary) throw new Error('no Electron binary (node_modules/electron/dist or ELECTRON_OVERRIDE_DIST_PATH): run these with `npm run test:electron`');
  const missing = BUILT.filter((f) => !existsSync(path.join(ROOT_DIR, f)));
  if (missing.length > 0) throw new Error(`not built: ${missing.join(', ')}; run \`npm run build\` first (npm run test:electron does)`);
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
    throw new Error('no display: run under xvfb-run (npm run test:electron does where there is none)');
  }
  return binary;
}

export interface Desktop {
  app: ElectronApplication;
  /** The app's one window. */
  page: Page;
  w: Workspace;
  /** Uncaught page errors and console errors, as they happen. */
  problems: string[];
  /** The main process's own output (stdout and stderr), for a failure to show. */
  output: string[];
  /** Quits the app the way a user does and waits for its process to end. */
  close(): Promise<void>;
}

export interface LaunchOptions {
  /** --data-dir: settings, state, logs and the credentials vault; the same folder is a restart. */
  dataDir: string;
  /** --config FILE. */
  config?: string;
  /** The environment, e.g. the private Secret Service's (secret-service.ts). */
  env: Record<string, string>;
}

/** Keeps the last lines of a stream of the main process. */
function keepTail(stream: NodeJS.ReadableStream | null, into: string[]): void {
  stream?.on('data', (b: Buffer) => {
    into.push(...b.toString().split('\n').filter((l) => l !== ''));
    if (into.length > 400) into.splice(0, into.length - 400);
  });
}

/**
 * Starts the app on its own demo venues (it starts them in a utility process, as for a user).
 * Chromium's switches take their value after `=`: `--data-dir DIR` would leave DIR as an argument.
 */
export async function launchDesktop(o: LaunchOptions): Promise<Desktop> {
  const executablePath = requireElectron();
  const app = await _electron.launch({
    executablePath,
    args: [ROOT_DIR, `--data-dir=${o.dataDir}`, ...(o.config ? [`--config=${o.config}`] : [])],
    cwd: ROOT_DIR,
    env: o.env,
    // Chromium's own OS sandbox, as users run it; Chromium refuses it to root, so a root CI
    // runs without it (the window's sandbox preference, which the test checks, is unchanged).
    chromiumSandbox: process.getuid?.() !== 0,
    timeout: PATIENCE_MS,
  });
  const output: string[] = [];
  keepTail(app.process().stdout, output);
  keepTail(app.process().stderr, output);
  const exited = new Promise<void>((resolve) => app.process().once('exit', () => resolve()));
  const close = async (): Promise<void> => {
    if (app.process().exitCode !== null || app.process().signalCode !== null) return;
    // Quitting closes the venues first (main.ts, before-quit); bounded, then the process goes.
    const forced = setTimeout(() => app.process().kill('SIGKILL'), PATIENCE_MS);
    await app.close().catch(() => undefined);
    await exited;
    clearTimeout(forced);
  };
  try {
    const page = await app.firstWindow({ timeout: PATIENCE_MS });
    const problems: string[] = [];
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    page.on('console', (msg) => {
      if (msg.type() === 'error') problems.push(`console error: ${msg.text()}`);
    });
    await page.waitForLoadState('load', { timeout: PATIENCE_MS });
    return { app, page, w: new Workspace(page), problems, output, close };
  } catch (err) {
    await close();
    throw new Error(`the app did not open its window: ${err instanceof Error ? err.message : String(err)}\n${output.slice(-40).join('\n')}`, { cause: err });
  }
}
