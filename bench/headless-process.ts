/**
 * The headless app as a separate process, started the way a user starts it: from the release
 * bundle with plain node, or from the sources through tsx (the development path). Each start
 * gets a fresh temp HOME, so no state of an earlier run (~/.switchboard) is read.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Bounds for failure only. */
const PATIENCE_MS = 120_000;

/**
 * How the app is started:
 * - bundle: `node dist/electron/headless.js`, what the release runs;
 * - tsx: `tsx electron/headless.ts`, what `npm run headless` runs (the tsx CLI starts a second
 *   node process with its loader, so the app's pid is not the spawned one);
 * - tsx-loader: `node --import tsx electron/headless.ts`, the same code through the same loader
 *   in one process, so its memory can be read by pid.
 */
export type StartMode = 'bundle' | 'tsx' | 'tsx-loader';

export const START_COMMANDS: Record<StartMode, readonly string[]> = {
  bundle: [process.execPath, 'dist/electron/headless.js'],
  tsx: [path.join(ROOT, 'node_modules', '.bin', 'tsx'), 'electron/headless.ts'],
  'tsx-loader': [process.execPath, '--import', 'tsx', 'electron/headless.ts'],
};

export interface HeadlessProcess {
  /** The spawned process (for tsx, the CLI that runs the app in a child). */
  pid: number;
  /** The page URL the app printed, token included. */
  url: URL;
  /** performance.now() just before spawn. */
  spawnedAt: number;
  /** performance.now() when the URL line arrived. */
  urlAt: number;
  /** Stops the app (SIGTERM, bounded) and removes its temp HOME. */
  close(): Promise<void>;
}

let built: Promise<void> | undefined;

/** `npm run build` once per bench run: the renderer and the bundles from today's sources. */
export function buildOnce(): Promise<void> {
  built ??= promisify(execFile)('npm', ['run', 'build'], { cwd: ROOT, maxBuffer: 64 << 20 }).then(() => {
    if (!existsSync(path.join(ROOT, 'dist', 'electron', 'headless.js'))) throw new Error('npm run build left no dist/electron/headless.js');
  });
  return built;
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

export async function startHeadlessProcess(mode: StartMode): Promise<HeadlessProcess> {
  const home = await mkdtemp(path.join(os.tmpdir(), 'switchboard-bench-home-'));
  const [command, ...entry] = START_COMMANDS[mode];
  const spawnedAt = performance.now();
  const child = spawn(command!, [...entry, '--port', '0'], { cwd: ROOT, env: { ...process.env, HOME: home }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  // Read, or a chatty development log would fill the pipe and stall the app.
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const close = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited(child);
      clearTimeout(timer);
    }
    await rm(home, { recursive: true, force: true });
  };
  try {
    const url = await new Promise<URL>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`${mode}: no URL line within ${PATIENCE_MS} ms; stderr: ${stderr}`)), PATIENCE_MS);
      child.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /open (http:\/\/\S+)\n/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(new URL(m[1]!));
        }
      });
      child.once('error', reject);
      child.once('exit', (code) => reject(new Error(`${mode}: exited (${code}) before its URL line; stderr: ${stderr}`)));
    });
    return { pid: child.pid!, url, spawnedAt, urlAt: performance.now(), close };
  } catch (err) {
    await close();
    throw err;
  }
}

/** Resident set size of one process in bytes (Linux /proc), as the kernel counts it now. */
export function rssOf(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(m[1]) * 1024;
}
