/**
 * The headless app as a trader runs it: its own process (`node --import tsx
 * electron/headless.ts`), HOME in a temp folder, one data folder, demo mode on venues this
 * test started (`--demo-from`). Resolves once the app printed its URL.
 */
import { spawn } from 'node:child_process';
import type { ChildProcessByStdio } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const URL_LINE = 'Switchboard headless: open ';

export type HeadlessChild = ChildProcessByStdio<null, Readable, Readable>;

export interface RunningApp {
  child: HeadlessChild;
  exited: Promise<unknown>;
  url: URL;
  /** The last 20k characters the app wrote to stderr. */
  stderr(): string;
}

export async function spawnHeadless(opts: { home: string; dataDir: string; demoFile: string }, children: HeadlessChild[]): Promise<RunningApp> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(ROOT, 'electron', 'headless.ts'), '--port', '0', '--data-dir', opts.dataDir, '--demo-from', opts.demoFile],
    { cwd: ROOT, env: { ...process.env, HOME: opts.home }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  children.push(child);
  let err = '';
  child.stderr.on('data', (d: Buffer) => {
    err = (err + String(d)).slice(-20_000);
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (l) => {
      if (l.startsWith(URL_LINE)) resolve(l);
    });
    void exited.then((code) => reject(new Error(`the app exited (${String(code)}) before it was up: ${err.slice(-2000)}`)));
  });
  return { child, exited, url: new URL(line.slice(URL_LINE.length)), stderr: () => err };
}
