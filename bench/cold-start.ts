/**
 * Cold start: from spawning the headless app to the first live candle it pushes over the
 * WebSocket bridge, median of 5, for the release bundle (`node dist/electron/headless.js`)
 * beside the development path (`tsx electron/headless.ts`), runs interleaved so both see the
 * same machine. Each run: a fresh temp HOME, the demo venues started by the app, one bridge
 * client that subscribes to SBER 1m on the T-Invest demo venue as soon as the URL line is out
 * (as the page does for its first chart), and the clock stops at the first batch carrying a
 * candle of that key. The renderer build is not part of it (the release ships it built).
 */
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { BridgeClient } from './bridge-client.js';
import type { Figure } from './figures.js';
import { percentile } from './figures.js';
import { buildOnce, startHeadlessProcess, type StartMode } from './headless-process.js';

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
  ];
}
