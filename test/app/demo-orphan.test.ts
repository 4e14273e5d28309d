/**
 * The demo venues' process ends with the app even when the app gets no chance to stop it:
 * the headless entry is started as a script, killed with SIGKILL, and its demo child must go
 * (sim/cli.ts --exit-with-parent, electron/app/demo-venues.ts). Before that fix each crash
 * left one more simulator running.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { ROOT_DIR } from '../../electron/headless.js';
import { headlessBuildOptions, simBuildOptions } from '../../scripts/build-main.js';
import { build } from 'esbuild';

/** Bounds for failure only. */
const PATIENCE_MS = 60_000;

/** The pids of a process's children, from every thread's list (Linux /proc). */
async function childrenOf(pid: number): Promise<number[]> {
  const tasks = await readdir(`/proc/${pid}/task`);
  const lists = await Promise.all(tasks.map((t) => readFile(`/proc/${pid}/task/${t}/children`, 'utf8').catch(() => '')));
  return lists.flatMap((l) => l.split(/\s+/).filter((s) => s !== '').map(Number));
}

async function commandLine(pid: number): Promise<string> {
  return (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).split('\0').join(' ');
}

/** Running, or ended: gone, or a zombie waiting for whoever adopted it to reap it (it holds nothing). */
async function isRunning(pid: number): Promise<boolean> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  if (stat === undefined) return false;
  // The state follows the parenthesised command name, which may itself hold spaces.
  const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  return state !== 'Z' && state !== 'X';
}

async function until<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + PATIENCE_MS;
  while (Date.now() < deadline) {
    const v = await probe();
    if (v !== undefined) return v;
    await sleep(200);
  }
  throw new Error(`gave up waiting for ${what}`);
}

let app: ChildProcess | undefined;
let demoPid: number | undefined;
let dir: string | undefined;
afterEach(async () => {
  if (app?.exitCode === null && app.signalCode === null) app.kill('SIGKILL');
  // Never leave a simulator behind, whatever the test saw.
  if (demoPid !== undefined && (await isRunning(demoPid))) process.kill(demoPid, 'SIGKILL');
  if (dir) await rm(dir, { recursive: true, force: true });
  app = demoPid = dir = undefined;
});

/** The bundle `npm run build:main` makes (built here, fresh: it runs the bundled simulator). */
const BUNDLE = path.join(ROOT_DIR, 'dist', 'electron', 'headless.js');

describe('the demo venues process', () => {
  it('After kill -9 of the app no demo venue process is left', async () => {
    await killAndWatch(['--import', 'tsx', 'electron/headless.ts']);
  }, 120_000);

  it('After kill -9 of the bundled app (dist/electron/headless.js) no demo venue process is left', async () => {
    // The release-tree test rebuilds dist/ too, but only after every other test file has run.
    await Promise.all([build(headlessBuildOptions()), build(simBuildOptions())]);
    await killAndWatch([BUNDLE]);
  }, 120_000);
});

/** Starts the headless entry, finds its demo venues child, SIGKILLs the app and waits for the child to end. */
async function killAndWatch(entry: string[]): Promise<void> {
  dir = await mkdtemp(path.join(os.tmpdir(), 'sb-orphan-'));
  const child = spawn(process.execPath, [...entry, '--port', '0', '--data-dir', path.join(dir, 'data')], {
    cwd: ROOT_DIR,
    env: { ...process.env, NODE_ENV: 'production' },
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  app = child;
  let stdout = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
  await until('the URL line', async () => (/^Switchboard headless: open http:\/\/127\.0\.0\.1:\d+\/\?token=/m.test(stdout) ? true : undefined));
  const pid = child.pid!;
  const demo = await until('the demo venues child', async () => {
    for (const c of await childrenOf(pid)) if ((await commandLine(c)).includes(path.join('sim', 'cli'))) return c;
    return undefined;
  });
  demoPid = demo;
  expect(await isRunning(demo)).toBe(true);

  child.kill('SIGKILL');
  await new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));
  expect(child.signalCode).toBe('SIGKILL');
  await until('the demo venues process to end', async () => ((await isRunning(demo)) ? undefined : true));
  expect(await isRunning(demo)).toBe(false);
}
