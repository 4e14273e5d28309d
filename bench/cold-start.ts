/**
 * Cold start: from spawning the headless app to the first live candle it pushes over the
 * WebSocket bridge, median of 5, for the release bundle (`node dist/electron/headless.js`)
 * beside the development path (`tsx electron/headless.ts`), runs interleaved so both see the
 * same machine. Each run: a fresh temp HOME, the demo venues started by the app, one bridge
 * client that subscribes to SBER 1m on the T-Invest demo venue as soon as the URL line is out
 * (as the page does for its first chart), and the clock stops at the first batch carrying a
 * candle of that key. The renderer build is not part of it (the release ships it built).
 */
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { BridgeClient } from '../test/bridge/bridge-client.js';
import type { Figure } from './figures.js';
import { percentile } from './figures.js';
import { buildOnce, ROOT, startHeadlessProcess, type StartMode } from './headless-process.js';

const RUNS = 5;
/** SBER's instrument uid on the T-Invest demo venue (sim/tinvest/instruments.ts): the first chart. */
const SBER_UID = 'e6123145-9665-43e0-8413-cd61b8aa9b13';
const PATIENCE_MS = 120_000;

interface Start {
  /** Spawn to the URL line, seconds. */
  url: number;
  /** Spawn to the first candle of the subscribed key pushed over the bridge, seconds. */
  candle: number;
}

async function coldStart(mode: StartMode): Promise<Start> {
  const app = await startHeadlessProcess(mode);
  let client: BridgeClient | undefined;
  try {
    client = await BridgeClient.open(app.url);
    const first = client.nextBatch((b) => b.candles.some((c) => c.venue === 'tinvest' && c.instrumentId === SBER_UID && c.interval === '1m'), PATIENCE_MS);
    // Awaited below; until then a timeout must not count as unhandled.
    first.catch(() => undefined);
    const r = await client.request('candles.subscribe', { venue: 'tinvest', instrumentId: SBER_UID, interval: '1m' });
    if (!r.ok) throw new Error(`${mode}: subscribe failed: ${r.code} ${r.message}`);
    await first;
    const now = performance.now();
    return { url: (app.urlAt - app.spawnedAt) / 1000, candle: (now - app.spawnedAt) / 1000 };
  } finally {
    client?.close();
    await app.close();
  }
}

/**
 * Seconds from spawning `node args` until `done(stdout so far)` holds or the process exits
 * cleanly; then it is stopped. The parts of the bundle's start, each alone.
 */
function timeNode(args: string[], done: (out: string) => boolean): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['pipe', 'pipe', 'ignore'] });
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`node ${args.join(' ')}: not done within ${PATIENCE_MS} ms`));
    }, PATIENCE_MS);
    const finish = (): void => {
      clearTimeout(timer);
      resolve((performance.now() - t0) / 1000);
      child.kill('SIGTERM');
    };
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (done(out)) finish();
    });
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? finish() : reject(new Error(`node ${args.join(' ')} exited ${code}`))));
  });
}

/**
 * The app's modules loaded and evaluated, nothing started: the chunk the entry imports once it
 * has started the demo venues (headless-entry.ts), which runs nothing when only imported.
 */
function importAppChunk(): string[] {
  const dir = path.join(ROOT, 'dist', 'electron');
  const chunk = readdirSync(dir).find((n) => /^headless-headless-.*\.js$/.test(n));
  if (!chunk) throw new Error(`no headless-headless-*.js chunk in ${dir}: is the bundle built?`);
  return ['--input-type=module', '-e', `await import(${JSON.stringify(`./dist/electron/${chunk}`)})`];
}
/** The demo venues' bundle as the app starts it, until both venues printed their ready line. */
const DEMO_VENUES = ['dist/sim/cli.js', '--seed', '1', '--exit-with-parent', 'stdin'];
const bothReady = (out: string): boolean => out.split('\n').filter((l) => l.startsWith('{')).length >= 2;

const median = (xs: number[]): number => percentile([...xs].sort((a, b) => a - b), 50);

export async function runColdStartBench(): Promise<Figure[]> {
  await buildOnce();
  // Other work on the box moves this figure more than anything in the app: print it beside the runs.
  const load = os.loadavg()[0]!.toFixed(1);
  const runs: Record<'bundle' | 'tsx', Start[]> = { bundle: [], tsx: [] };
  for (let i = 0; i < RUNS; i++) {
    runs.bundle.push(await coldStart('bundle'));
    runs.tsx.push(await coldStart('tsx'));
  }
  const parts = { import: [] as number[], demo: [] as number[] };
  for (let i = 0; i < RUNS; i++) {
    parts.import.push(await timeNode(importAppChunk(), () => false));
    parts.demo.push(await timeNode(DEMO_VENUES, bothReady));
  }
  const all = (mode: 'bundle' | 'tsx', k: keyof Start): string => runs[mode].map((s) => s[k].toFixed(2)).join(' ');
  return [
    {
      name: `cold start → first live candle over the bridge, bundle (median of ${RUNS})`,
      value: median(runs.bundle.map((s) => s.candle)),
      unit: 's',
      target: '≤ 1.5 s',
      beside: { label: 'tsx electron/headless.ts', value: median(runs.tsx.map((s) => s.candle)) },
      note: `runs: bundle ${all('bundle', 'candle')}; tsx ${all('tsx', 'candle')}; load average ${load} at the start, ${os.loadavg()[0]!.toFixed(1)} at the end`,
    },
    {
      name: `cold start → URL line, bundle (median of ${RUNS})`,
      value: median(runs.bundle.map((s) => s.url)),
      unit: 's',
      beside: { label: 'tsx electron/headless.ts', value: median(runs.tsx.map((s) => s.url)) },
      note: `runs: bundle ${all('bundle', 'url')}; tsx ${all('tsx', 'url')}`,
    },
    // The two big parts of spawn → URL line, each timed alone; the entry runs them side by side (headless-entry.ts).
    { name: `part, alone: node loads the app's chunk of dist/electron/headless.js (median of ${RUNS})`, value: median(parts.import), unit: 's' },
    { name: `part, alone: demo venues (dist/sim/cli.js) spawn → ready (median of ${RUNS})`, value: median(parts.demo), unit: 's' },
  ];
}
