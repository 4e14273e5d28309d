/**
 * What the bridge costs per candle, and what the main process weighs with live subscriptions.
 *
 * - µs per candle of a bridge batch: 100 candles through the coalescer and serialized as the
 *   WebSocket transport sends them, next to the raw ceiling — JSON.stringify of the same
 *   candles as plain objects — measured in the same run.
 * - µs per batch carrying a 25-level book updated 1,000 times a second: each 25 ms batch takes
 *   25 book updates (coalesced to the latest) beside the same 100 candles, coalesced and
 *   serialized, next to the candle-only batch of the same run and the raw JSON.stringify of
 *   what the batch carries.
 * - Main-process RSS with 50 live bridge subscriptions on the T-Invest demo venue: the headless
 *   app started from the release bundle, beside the same app through tsx (the development
 *   path), each driven over its WebSocket bridge; the demo venues run in their own process,
 *   so only the app is weighed.
 */
import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Candle, Instrument, OrderBook } from '../common/domain.js';
import { INTERVALS, marketKeyId } from '../common/domain.js';
import { BATCH_INTERVAL_MS, Batcher } from '../electron/bridge/batcher.js';
import { encodePush } from '../electron/bridge/wire.js';
import type { Figure } from './figures.js';
import { cpuMicros } from './figures.js';
import { BridgeClient } from '../test/bridge/bridge-client.js';
import { buildOnce, rssOf, startHeadlessProcess, type StartMode } from './headless-process.js';

const CANDLES_PER_BATCH = 100;
const ROUNDS = 3000;
const LIVE_SUBSCRIPTIONS = 50;
const STREAM_SECONDS = Number(process.env['RSS_STREAM_SECONDS'] ?? 10);

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

const BOOK_DEPTH = 25;
const BOOK_UPDATES_PER_SECOND = 1000;
const BOOK_UPDATES_PER_BATCH = (BOOK_UPDATES_PER_SECOND * BATCH_INTERVAL_MS) / 1000;
const BOOK_ROUNDS = 3000;

/** A 25-level T-Invest book as the adapter reports it after update `n`: prices move, sizes change. */
function bookUpdate(n: number): OrderBook {
  const mid = 25_000 + (n % 40);
  const level = (i: number, side: 1 | -1): { price: string; quantity: string } => ({
    price: ((mid + side * (i + 1)) / 100).toFixed(2),
    quantity: String(1 + ((n * 31 + i * 7) % 500)),
  });
  return {
    venue: 'tinvest',
    instrumentId: 'e6123145-9665-43e0-8413-cd61b8aa9b13',
    depth: BOOK_DEPTH,
    bids: Array.from({ length: BOOK_DEPTH }, (_, i) => level(i, -1)),
    asks: Array.from({ length: BOOK_DEPTH }, (_, i) => level(i, 1)),
    time: 1_795_306_920_000 + n,
    receivedAt: 1_795_306_920_003 + n,
    health: { verification: 'snapshot', verified: n, failures: 0, resyncs: 0, consistent: true },
  };
}

/**
 * Per batch: 25 book updates (1,000 a second over a 25 ms window) and 100 candles through the
 * coalescer and the WebSocket encoding, beside the same batches without the book. The candle
 * path is the one the candle figure measures; the book adds one map write per update and one
 * book per batch.
 */
async function bookBatchCost(): Promise<Figure[]> {
  const inputs = Array.from({ length: 64 }, (_, r) => candles(r));
  const books = Array.from({ length: 256 }, (_, n) => bookUpdate(n));
  const keyId = marketKeyId({ venue: 'tinvest', instrumentId: books[0]!.instrumentId, stream: 'book', depth: BOOK_DEPTH });
  let sink = 0;
  let bookBytes = 0;
  const withBook = new Batcher({ send: (b) => (bookBytes += encodePush('batch', b).length), intervalMs: 60_000 });
  const candleOnly = new Batcher({ send: (b) => (sink += encodePush('batch', b).length), intervalMs: 60_000 });
  const bookRound = (r: number): void => {
    for (const c of inputs[r % inputs.length]!) withBook.candle(c);
    for (let u = 0; u < BOOK_UPDATES_PER_BATCH; u++) withBook.book(books[(r * BOOK_UPDATES_PER_BATCH + u) % books.length]!, keyId);
    withBook.flush();
  };
  const candleRound = (r: number): void => {
    for (const c of inputs[r % inputs.length]!) candleOnly.candle(c);
    candleOnly.flush();
  };
  const rawRound = (r: number): void => {
    sink += JSON.stringify({ candles: inputs[r % inputs.length], books: [books[(r * BOOK_UPDATES_PER_BATCH + BOOK_UPDATES_PER_BATCH - 1) % books.length]] }).length;
  };
  for (let r = 0; r < 300; r++) {
    bookRound(r);
    candleRound(r);
    rawRound(r);
  }
  const perBatch = (us: number): number => us / BOOK_ROUNDS;
  const book = perBatch(await cpuMicros(() => { for (let r = 0; r < BOOK_ROUNDS; r++) bookRound(r); }));
  const plain = perBatch(await cpuMicros(() => { for (let r = 0; r < BOOK_ROUNDS; r++) candleRound(r); }));
  const raw = perBatch(await cpuMicros(() => { for (let r = 0; r < BOOK_ROUNDS; r++) rawRound(r); }));
  const batchesPerSecond = 1000 / BATCH_INTERVAL_MS;
  const bytes = bookBytes / (BOOK_ROUNDS + 300);
  withBook.close();
  candleOnly.close();
  if (sink === 0 || bookBytes === 0) throw new Error('nothing serialized');
  return [
    {
      name: `bridge batch with a ${BOOK_DEPTH}-level book at ${BOOK_UPDATES_PER_SECOND} updates/s (${BOOK_UPDATES_PER_BATCH} per batch) + 100 candles, per batch`,
      value: book,
      unit: 'µs',
      ceiling: raw,
      target: '≤ 1× ceiling',
      beside: { label: 'the same 100 candles without the book', value: plain },
      note: `${(bytes / 1024).toFixed(1)} KiB per batch; at ${batchesPerSecond} batches/s the book adds ${(((book - plain) * batchesPerSecond) / 1000).toFixed(2)} ms CPU per second`,
    },
  ];
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

interface Weight {
  /** Right after the URL line, before any subscription. */
  idle: number;
  /** After STREAM_SECONDS with LIVE_SUBSCRIPTIONS live. */
  live: number;
  keys: number;
  candles: number;
}

/**
 * The main process's weight with live subscriptions, measured on the app as it runs: the
 * headless process started from the release bundle or through tsx's loader, driven from here
 * over its WebSocket bridge (so no bench code is in the weighed process), its VmRSS read from
 * /proc. Its demo venues run in their own process and are not weighed.
 */
async function weigh(mode: StartMode): Promise<Weight> {
  const app = await startHeadlessProcess(mode);
  const clients: BridgeClient[] = [];
  try {
    const idle = rssOf(app.pid);
    const open = async (): Promise<BridgeClient> => {
      const c = await BridgeClient.open(app.url);
      clients.push(c);
      return c;
    };
    const first = await open();
    // The demo venue lists its instruments once it is connected.
    let instruments: Instrument[] = [];
    const deadline = Date.now() + 120_000;
    while (instruments.length === 0) {
      if (Date.now() > deadline) throw new Error(`${mode}: the T-Invest demo venue listed no instruments`);
      const r = await first.request('instruments.search', { venue: 'tinvest', query: '', limit: 50 });
      if (r.ok) instruments = r.value;
      if (instruments.length === 0) await sleep(100);
    }
    const keys = instruments.flatMap((i) => INTERVALS.map((interval) => ({ venue: 'tinvest' as const, instrumentId: i.id, interval })));
    // One key per client at most once: a client round per pass over the keys, as charts of several tabs would.
    let client = first;
    for (let n = 0; n < LIVE_SUBSCRIPTIONS; n++) {
      if (n > 0 && n % keys.length === 0) client = await open();
      const r = await client.request('candles.subscribe', keys[n % keys.length]!);
      if (!r.ok) throw new Error(`${mode}: subscribe failed: ${r.code} ${r.message}`);
    }
    await sleep(STREAM_SECONDS * 1000);
    const candles = clients.reduce((sum, c) => sum + c.candles, 0);
    if (candles === 0) throw new Error(`${mode}: no candles flowed`);
    return { idle, live: rssOf(app.pid), keys: Math.min(keys.length, LIVE_SUBSCRIPTIONS), candles };
  } finally {
    for (const c of clients) c.close();
    await app.close();
  }
}

async function liveRss(): Promise<Figure[]> {
  await buildOnce();
  const bundle = await weigh('bundle');
  const tsx = await weigh('tsx-loader');
  const mb = (b: number): number => b / 2 ** 20;
  return [
    {
      name: `main RSS, ${LIVE_SUBSCRIPTIONS} live subscriptions (${bundle.keys} venue keys), bundle`,
      value: mb(bundle.live),
      unit: 'MB',
      target: '≤ 120 MB',
      beside: { label: 'node --import tsx electron/headless.ts', value: mb(tsx.live) },
      note: `load average ${os.loadavg()[0]!.toFixed(1)}; idle after the URL line: bundle ${mb(bundle.idle).toFixed(1)} MB, tsx ${mb(tsx.idle).toFixed(1)} MB; candles received in ${STREAM_SECONDS} s: bundle ${bundle.candles}, tsx ${tsx.candles}`,
    },
  ];
}

export async function runBridgeBench(): Promise<Figure[]> {
  return [...(await batchCost()), ...(await bookBatchCost()), ...(await liveRss())];
}
