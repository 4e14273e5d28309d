/**
 * What the bridge costs per candle, and what the main process weighs with live subscriptions.
 *
 * - µs per candle of a bridge batch: 100 candles through the coalescer and serialized as the
 *   WebSocket transport sends them, next to the raw ceiling — JSON.stringify of the same
 *   candles as plain objects — measured in the same run.
 * - Main-process RSS with 50 live bridge subscriptions on the T-Invest simulator (run as a
 *   child process, so only our side is weighed).
 */
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import type { Candle } from '../electron/domain.js';
import { INTERVALS } from '../electron/domain.js';
import { createApp, startDemoVenues } from '../electron/app.js';
import { Batcher } from '../electron/bridge/batcher.js';
import { Session } from '../electron/bridge/session.js';
import { encodePush } from '../electron/bridge/wire.js';
import { silentLogger } from '../electron/core/log.js';
import { defaultInstruments } from '../sim/tinvest/instruments.js';
import type { Figure } from './figures.js';
import { cpuMicros } from './figures.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CANDLES_PER_BATCH = 100;
const ROUNDS = 3000;
const LIVE_SUBSCRIPTIONS = 50;
const STREAM_SECONDS = 10;

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
    { name: 'bridge batch: coalesce + serialize, per candle (100/batch)', value: bridge, unit: 'µs', ceiling: raw, target: '≤ 2× ceiling' },
  ];
}

async function liveRss(): Promise<Figure[]> {
  const rssBefore = process.memoryUsage().rss;
  const demo = await startDemoVenues({ rootDir: ROOT, seed: 7, log: silentLogger });
  const app = await createApp({
    venues: demo.venues.filter((v) => v.venue === 'tinvest'),
    stateDir: os.tmpdir(), // only Kraken keeps state, and it is not started here
    connect: false,
    log: silentLogger,
  });
  const sessions: Session[] = [];
  try {
    await app.hub.connect('tinvest');
    // The simulator's priced instruments (its extra shares have reference data only).
    const keys = defaultInstruments()
      .filter((s) => s.marketSymbol !== undefined)
      .flatMap((s) => INTERVALS.map((interval) => ({ venue: 'tinvest' as const, instrumentId: s.uid, interval })));
    if (keys.length === 0) throw new Error('the simulator lists no instruments');
    // Clients as the WebSocket transport has them: every batch serialized.
    let bytes = 0;
    const push = (topic: 'batch' | 'diagnostics', payload: unknown): void => {
      bytes += JSON.stringify({ topic, payload }).length;
    };
    for (let n = 0; n < LIVE_SUBSCRIPTIONS; n++) {
      if (n % keys.length === 0) sessions.push(new Session({ hub: app.hub, transport: 'websocket', push }));
      const r = await sessions[sessions.length - 1]!.handle('candles.subscribe', keys[n % keys.length]);
      if (!r.ok) throw new Error(`subscribe failed: ${r.message}`);
    }
    await new Promise((r) => setTimeout(r, STREAM_SECONDS * 1000));
    if (bytes === 0) throw new Error('no batches flowed');
    const rss = process.memoryUsage().rss;
    const distinct = Math.min(keys.length, LIVE_SUBSCRIPTIONS);
    return [
      {
        name: `main RSS, ${LIVE_SUBSCRIPTIONS} live subscriptions (${distinct} venue keys) on the T-Invest sim`,
        value: rss / 2 ** 20,
        unit: 'MB',
        ceiling: rssBefore / 2 ** 20,
        // The ceiling here is this process before any venue was built.
        target: '≤ ceiling + 50 MB',
      },
    ];
  } finally {
    for (const s of sessions) s.close();
    await app.close();
    await demo.close();
  }
}

export async function runBridgeBench(): Promise<Figure[]> {
  return [...(await batchCost()), ...(await liveRss())];
}
