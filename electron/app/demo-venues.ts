/**
 * The local demo venues (sim/cli.ts) in a process of their own, and their ready lines. How
 * the process starts is the entry's business (a DemoLauncher): the headless entry runs a Node
 * child from the bundle (dist/sim/cli.js), or from sources through tsx in development; the
 * Electron entry a utilityProcess, because the release build's RunAsNode fuse is off. Either
 * way the process watches for its parent and ends when the app dies, even by SIGKILL.
 *
 * `--demo-from FILE` skips all this: the lines come from a file `npm run sim` wrote.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { Logger } from '../core/log.js';
import { createLogger } from '../core/log.js';

/** The app's root: electron/app/ in sources and dist/electron/ in the bundle are both two levels down. */
export const APP_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** A started demo venues process, as any launcher gives it. */
export interface DemoProcess {
  /** Ready lines, one JSON object per venue. */
  stdout: NodeJS.ReadableStream;
  /** Its log lines; null when the launcher doesn't pipe them. */
  stderr: NodeJS.ReadableStream | null;
  /** Called once when it ends, with how. */
  onExit(listener: (how: string) => void): void;
  /** Asks it to stop (SIGTERM or the platform's equivalent). */
  stop(): void;
  /** Ends it now. */
  kill(): void;
}

/** Starts the demo venues process with the simulator's arguments. */
export type DemoLauncher = (args: readonly string[]) => DemoProcess;

/** The bundled simulator, or undefined when this is a run from sources. */
export function bundledSimEntry(root = APP_ROOT): string | undefined {
  const entry = path.join(root, 'dist', 'sim', 'cli.js');
  return import.meta.url.endsWith('.js') && existsSync(entry) ? entry : undefined;
}

/**
 * A Node child: the bundled simulator when running from the bundle, else sim/cli.ts through
 * tsx (a devDependency, present wherever sources run). Its stdin is a pipe we hold: when this
 * process dies the pipe closes and the child ends.
 */
export function nodeDemoLauncher(opts: { root?: string; execPath?: string; env?: NodeJS.ProcessEnv } = {}): DemoLauncher {
  const root = opts.root ?? APP_ROOT;
  return (args) => {
    const bundled = bundledSimEntry(root);
    const entryArgs = bundled
      ? [bundled]
      : ['--import', pathToFileURL(createRequire(path.join(root, 'package.json')).resolve('tsx')).href, path.join(root, 'sim', 'cli.ts')];
    const child = spawn(opts.execPath ?? process.execPath, [...entryArgs, ...args, '--exit-with-parent', 'stdin'], {
      cwd: root,
      env: opts.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    // Kept from the start: a process started early may end before anyone listens.
    let how: string | undefined;
    const listeners: ((how: string) => void)[] = [];
    const ended = (text: string): void => {
      if (how !== undefined) return;
      how = text;
      for (const l of listeners.splice(0)) l(text);
    };
    child.once('exit', (code, signal) => ended(signal ?? `code ${code}`));
    child.once('error', (err) => ended(err.message));
    return {
      stdout: child.stdout,
      stderr: child.stderr,
      onExit: (listener) => {
        if (how !== undefined) listener(how);
        else listeners.push(listener);
      },
      stop: () => child.kill('SIGTERM'),
      kill: () => child.kill('SIGKILL'),
    };
  };
}

/**
 * Starts the demo venues now, with the arguments the app will ask for, and hands that process
 * to the first launch that asks for exactly them (the release entry starts them before loading
 * the app). Any other launch starts a process of its own. One never taken ends with this
 * process, as every demo venues process does.
 */
/**
 * The demo venues' arguments as an entry's app will ask for them, so the entry can start them
 * before the app loads; undefined when the app won't start them (--demo-from, a console's
 * --gateway, or, where the demo is opt-in, no --demo) or the flags are wrong (the CLI says so).
 */
export function demoArgsOf(argv: readonly string[], o: { optIn: boolean }): string[] | undefined {
  try {
    const { values } = parseArgs({
      args: [...argv],
      options: { demo: { type: 'boolean' }, seed: { type: 'string' }, 'demo-from': { type: 'string' }, gateway: { type: 'string' } },
      strict: false,
    });
    if (values['demo-from'] !== undefined || values.gateway !== undefined) return undefined;
    if (o.optIn && values.demo !== true) return undefined;
    const seed = values.seed === undefined ? 1 : Number(values.seed);
    return typeof seed === 'number' && Number.isInteger(seed) && seed >= 0 ? ['--seed', String(seed)] : undefined;
  } catch {
    return undefined;
  }
}

export function prestartedLauncher(args: readonly string[], base: DemoLauncher): DemoLauncher {
  let early: DemoProcess | undefined = base(args);
  return (requested) => {
    const same = requested.length === args.length && requested.every((a, i) => a === args[i]);
    if (early && same) {
      const taken = early;
      early = undefined;
      return taken;
    }
    return base(requested);
  };
}

export interface DemoOptions {
  launcher?: DemoLauncher;
  seed?: number;
  log?: Logger;
  /** Give up when no venue has reported by then (default 60 s). */
  timeoutMs?: number;
  /** After the first ready line, wait this long for the rest before going on without them. */
  settleMs?: number;
  /** How many ready lines make the set complete (default 2: every venue the simulator runs). */
  expected?: number;
}

export interface DemoVenues {
  /** The ready lines read, one per venue. */
  lines: unknown[];
  close(): Promise<void>;
}

export class DemoVenuesError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DemoVenuesError';
  }
}

/** Starts the demo venues and reads their ready lines; rejects with DemoVenuesError saying why when none came. */
export async function startDemoVenues(opts: DemoOptions = {}): Promise<DemoVenues> {
  const log = opts.log ?? createLogger('demo');
  const simLog = log.child('sim');
  let proc: DemoProcess;
  try {
    proc = (opts.launcher ?? nodeDemoLauncher())(['--seed', String(opts.seed ?? 1)]);
  } catch (err) {
    throw new DemoVenuesError(`the demo venues could not be started: ${err instanceof Error ? err.message : String(err)}`);
  }
  let exitedHow: string | undefined;
  const exited = new Promise<void>((resolve) =>
    proc.onExit((how) => {
      exitedHow = how;
      resolve();
    }),
  );
  if (proc.stderr) createInterface({ input: proc.stderr }).on('line', (l) => simLog.info(l));
  const stop = async (): Promise<void> => {
    if (exitedHow !== undefined) return;
    proc.stop();
    const timer = setTimeout(() => proc.kill(), 5000);
    await exited;
    clearTimeout(timer);
  };

  const lines: unknown[] = [];
  const expected = opts.expected ?? 2;
  const timeoutMs = opts.timeoutMs ?? 60_000;
  try {
    await new Promise<void>((resolve, reject) => {
      let settle: ReturnType<typeof setTimeout> | undefined;
      const reader = createInterface({ input: proc.stdout });
      const done = (err?: Error): void => {
        clearTimeout(deadline);
        clearTimeout(settle);
        reader.close();
        if (err) reject(err);
        else resolve();
      };
      const deadline = setTimeout(() => {
        if (lines.length > 0) done();
        else done(new DemoVenuesError(`the demo venues reported nothing within ${timeoutMs} ms`));
      }, timeoutMs);
      void exited.then(() => done(lines.length > 0 ? undefined : new DemoVenuesError(`the demo venues exited (${exitedHow}) before they were ready`)));
      reader.on('line', (text) => {
        try {
          lines.push(JSON.parse(text));
        } catch {
          simLog.warn('ignoring a stdout line that is not JSON');
          return;
        }
        if (lines.length >= expected) return done();
        clearTimeout(settle);
        settle = setTimeout(() => done(), opts.settleMs ?? 500);
      });
    });
  } catch (err) {
    await stop();
    throw err;
  }
  return { lines, close: stop };
}

/** What the app tells the trader when it opens without its demo venues (AppInfo.notices). */
export function demoUnavailableNotice(err: unknown, logFile?: string): string {
  const why = err instanceof Error ? err.message : String(err);
  return `Demo mode is unavailable: ${why}. Sandbox and live connections are unaffected.${logFile ? ` See the log: ${logFile}` : ''}`;
}

/** The ready lines `npm run sim` printed, saved to a file (`npm run sim > venues.jsonl`). */
export async function readDemoFile(file: string): Promise<unknown[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new DemoVenuesError(`cannot read ${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const lines: unknown[] = [];
  for (const [i, l] of text.split('\n').entries()) {
    if (l.trim() === '') continue;
    try {
      lines.push(JSON.parse(l));
    } catch {
      throw new DemoVenuesError(`${file}:${i + 1} is not a JSON line; expected the output of npm run sim`);
    }
  }
  if (lines.length === 0) throw new DemoVenuesError(`${file} holds no ready lines; expected the output of npm run sim`);
  return lines;
}
