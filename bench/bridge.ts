/**
 * What the bridge costs per candle, and what the main process weighs with live subscriptions.
 *
 * - µs per candle of a bridge batch: 100 candles through the coalescer and serialized as the
 *   WebSocket transport sends them, next to the raw ceiling — JSON.stringify of the same
 *   candles as plain objects — measured in the same run.
 * - Main-process RSS with 50 live bridge subscriptions on the T-Invest simulator (our side in
 *   a plain-node child, the simulator in its own process, so only our side is weighed).
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import type { Candle } from '../common/domain.js';
import { Batcher } from '../electron/bridge/batcher.js';
import { encodePush } from '../electron/bridge/wire.js';
import type { Figure } from './figures.js';
import { cpuMicros } from './figures.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CANDLES_PER_BATCH = 100;
const ROUNDS = 3000;
const LIVE_SUBSCRIPTIONS = 50;

function candles(round: number): Candle[] {
  const out: Candle[] = [];
  for (let i = 0; i < CANDLES_PER_BATCH; i++) {
    const p = (250 + ((round * 7 + i) % 100) / 100).toFixed(2);
    out.push({
      venue: 'tinvest',
      instrumentId: `e6123145-9665-43e0-8413-${String(i).padStart(12, '0')}`,
      interval: '1m',
      time: 1_795_306_920 + round * 60,
      open: p,
      high: p,
      low: p,
      close: p,
      volume: String(10 + i),
    });
  }
  return out;
}

async function batchCost(): Promise<Figure[]> {
  const inputs = Array.from({ length: 64 }, (_, r) => candles(r));
  let sink = 0;
  const batcher = new Batcher({ send: (b) => (sink += encodePush('batch', b).length), intervalMs: 60_000 });
  const bridgeRound = (r: number): void => {
    for (const c of inputs[r % inputs.length]!) batcher.candle(c);
    batcher.flush();
  };
  const rawRound = (r: number): void => {
    sink += JSON.stringify(inputs[r % inputs.length]).length;
  };
  for (let r = 0; r < 300; r++) {
    bridgeRound(r);
    rawRound(r);
  }
  const perCandle = (us: number): number => us / (ROUNDS * CANDLES_PER_BATCH);
  const bridge = perCandle(await cpuMicros(() => { for (let r = 0; r < ROUNDS; r++) bridgeRound(r); }));
  const raw = perCandle(await cpuMicros(() => { for (let r = 0; r < ROUNDS; r++) rawRound(r); }));
  batcher.close();
  if (sink === 0) throw new Error('nothing serialized');
  return [
    { name: 'bridge batch: coalesce + serialize, per candle (100/batch)', value: bridge, unit: 'µs', ceiling: raw, target: '≤ 1 µs per candle' },
  ];
}

/**
 * The main process's weight, measured where it runs for real: bench/rss-driver.ts bundled by
 * esbuild and run by plain node in a child (no tsx or bench code in the process).
 */
async function liveRss(): Promise<Figure[]> {
  const outfile = path.join(ROOT, 'dist', 'bench', 'rss-driver.mjs');
  await build({
    entryPoints: [path.join(ROOT, 'bench', 'rss-driver.ts')],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'node',
    packages: 'external',
    logLevel: 'warning',
  });
  const out = await new Promise<string>((resolve, reject) => {
    const child = spawn(process.execPath, [outfile], {
      cwd: ROOT,
      env: { ...process.env, SWITCHBOARD_PROTO_DIR: path.join(ROOT, 'proto'), SWITCHBOARD_ROOT: ROOT },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let text = '';
    child.stdout.on('data', (d: Buffer) => (text += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(text) : reject(new Error(`rss driver exited ${code}`))));
  });
  const r = JSON.parse(out.trim().split('\n').pop() ?? '{}') as { rssBefore: number; rss: number; keys: number };
  return [
    {
      name: `main RSS, ${LIVE_SUBSCRIPTIONS} live subscriptions (${r.keys} venue keys) on the T-Invest sim`,
      value: r.rss / 2 ** 20,
      unit: 'MB',
      // The ceiling here is the same process before any venue was built.
      ceiling: r.rssBefore / 2 ** 20,
      target: '≤ 120 MB',
    },
  ];
}

export async function runBridgeBench(): Promise<Figure[]> {
  return [...(await batchCost()), ...(await liveRss())];
}
