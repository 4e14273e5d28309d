/**
 * The gateway bench's child processes: each a plain `node --import tsx ENTRY` (one process, so
 * its pid is the one /proc reports CPU for), with a fresh temp HOME, ready when its stdout
 * matches a pattern, stopped by SIGTERM (SIGKILL after a bound) with its temp folder removed.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ROOT } from './headless-process.js';

/** Bounds for failure only: the box is a busy 2-core machine. */
const READY_PATIENCE_MS = 180_000;
const STOP_PATIENCE_MS = 30_000;

export interface BenchChild {
  name: string;
  pid: number;
  /** The temp folder of this child (its HOME; data folders go under it). */
  dir: string;
  /** Everything the child printed on stdout until it was ready. */
  stdout: string;
  close(): Promise<void>;
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/**
 * Spawns `node --import tsx entry ...args(dir)` from the repository root and waits until `ready`
 * holds for its stdout so far. `args` gets the child's temp folder, for data folders.
 */
export async function startChild(name: string, entry: string, args: (dir: string) => string[], ready: (stdout: string) => boolean): Promise<BenchChild> {
  const dir = await mkdtemp(path.join(os.tmpdir(), `sb-bench-${name}-`));
  // stdin stays a pipe we hold: the venues' process (--exit-with-parent stdin) ends with us even on SIGKILL.
  const child = spawn(process.execPath, ['--import', 'tsx', entry, ...args(dir)], { cwd: ROOT, env: { ...process.env, HOME: dir }, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  let stdout = '';
  // Read both, or a chatty log would fill the pipe and stall the child.
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  child.stdout!.on('data', (d: Buffer) => (stdout = (stdout + d.toString()).slice(-64_000)));
  const close = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_PATIENCE_MS);
      await exited(child);
      clearTimeout(timer);
    }
    child.stdin!.destroy();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${name}: not ready within ${READY_PATIENCE_MS} ms; stderr: ${stderr}`)), READY_PATIENCE_MS);
      const check = (): void => {
        if (!ready(stdout)) return;
        clearTimeout(timer);
        child.stdout!.off('data', check);
        resolve();
      };
      child.stdout!.on('data', check);
      child.once('error', reject);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`${name}: exited (${code}) before it was ready; stderr: ${stderr}`));
      });
    });
    return { name, pid: child.pid!, dir, stdout, close };
  } catch (err) {
    await close();
    throw err;
  }
}

let ticksPerSecond: number | undefined;

/** CPU time (user + system, all threads) a process has used so far, in µs, from /proc/PID/stat. */
export function processCpuMicros(pid: number): number {
  ticksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK']).toString().trim());
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) is in parentheses and may hold spaces: count fields after it.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(rest[11]);
  const stime = Number(rest[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) throw new Error(`unreadable /proc/${pid}/stat`);
  return ((utime + stime) / ticksPerSecond) * 1e6;
}

/**
 * The pid of the process whose command line holds `argument` exactly (nats-server started by
 * the test harness with its own config file, which the harness does not hand out a pid for).
 */
export function pidWithArgument(argument: string): number | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let cmdline: string;
    try {
      cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
    } catch {
      continue; // Ended while we looked, or not ours to read.
    }
    if (cmdline.split('\0').includes(argument)) return Number(entry);
  }
  return undefined;
}
