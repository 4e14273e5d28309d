/**
 * The candle cache (electron/store/candle-cache.ts), two figures:
 *
 * - A chart reopened on 20,000 cached bars: the headless app in this process on the local
 *   venues (the T-Invest one with 15 days of history, so 20k one-minute bars exist), its
 *   workspace in Chromium over the real WebSocket bridge. 20k bars of SBER 1m are loaded
 *   through the bridge first (4 pages of 5,000, as a trader scrolling back would), then chart
 *   1 (SBER) is switched to 5m and back to 1m in the running page: the 1m chart subscribes
 *   again and asks `candles.history` (its own 500 bars). Measured in the page: from that
 *   request leaving the WebSocket to the end of the first animation frame after its answer
 *   was applied (the chart draws in that frame), and the venue's GetCandles calls meanwhile
 *   (all of them: the adapter's own gap fills would count too). Beside: the same app with the
 *   cache disabled, which asks the local venue. Median of REOPENS reopens.
 * - The hot path: CPU per live candle through the hub with closed bars written through, beside
 *   the same hub without a cache.
 * - Database size per million candles: 1M synthetic one-minute bars (10 instruments × 100k,
 *   decimal text as venues send it) written through CandleCache into a fresh file, beside the
 *   same bars as raw CSV.
 */
import { execFile } from 'node:child_process';
import { statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { Candle, CandleKey } from '../common/domain.js';
import { silentLogger } from '../electron/core/log.js';
import { startHeadless } from '../electron/headless.js';
import { CandleCache, LIVE_BATCH_BARS, type CacheKey } from '../electron/store/candle-cache.js';
import { Hub } from '../electron/core/hub.js';
import { T0, candle, memoryVenues } from '../test/core/memory-venue.js';
import { openDatabase } from '../electron/store/db.js';
import { Market } from '../sim/market.js';
import { startKrakenSim } from '../sim/kraken/server.js';
import { defaultInstruments, marketSpecs } from '../sim/tinvest/instruments.js';
import { startTInvestSim, type TInvestSim } from '../sim/tinvest/server.js';
import { krakenReadyLine, tinvestReadyLine } from '../sim/ready-lines.js';
import { MemorySecretStore } from '../test/e2e/memory-secret-store.js';
import { BridgeClient } from '../test/bridge/bridge-client.js';
import type { Figure } from './figures.js';
import { cpuMicros, percentile } from './figures.js';
import { ROOT } from './headless-process.js';

const CHROMIUM = process.env['CHROMIUM'] ?? '/usr/bin/chromium';
/** SBER's instrument uid on the T-Invest demo venue (sim/tinvest/instruments.ts): chart 1 of the default workspace. */
const SBER_UID = 'e6123145-9665-43e0-8413-cd61b8aa9b13';
const CACHED_BARS = 20_000;
const PAGE_BARS = 5_000;
const REOPENS = 7;
/** Bounds for failure only. */
const PATIENCE_MS = 60_000;

/**
 * Runs in the page before its scripts: for every `candles.history` request it marks when it
 * left the WebSocket, when its answer arrived, and the end of the first animation frame after
 * the answer was handled (a message-channel task queued from that frame's rAF runs after every
 * rAF callback of the frame, the chart's paint among them).
 */
const PROBE = `(() => {
  const requests = [];
  window.__cacheBench = requests;
  const byId = new Map();
  const channel = new MessageChannel();
  const waiting = [];
  channel.port1.onmessage = () => { const r = waiting.shift(); if (r) r.drawn = performance.now(); };
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', (e) => {
        if (typeof e.data !== 'string' || byId.size === 0) return;
        let id;
        try { id = JSON.parse(e.data).id; } catch { return; }
        const r = byId.get(id);
        if (!r) return;
        byId.delete(id);
        r.answered = performance.now();
        // The bridge client's listener resolves the request; the chart sets its data in the
        // microtasks after this task, so its paint falls in the next frame.
        requestAnimationFrame(() => { waiting.push(r); channel.port2.postMessage(0); });
      });
    }
    send(data) {
      if (typeof data === 'string' && data.includes('"candles.history"')) {
        try {
          const m = JSON.parse(data);
          const r = { instrumentId: m.params.instrumentId, interval: m.params.interval, older: m.params.before !== undefined, sent: performance.now() };
          requests.push(r);
          byId.set(m.id, r);
        } catch {}
      }
      return super.send(data);
    }
  };
})();`;

interface HistoryMark {
  instrumentId: string;
  interval: string;
  older: boolean;
  sent: number;
  answered?: number;
  drawn?: number;
}

interface Reopen {
  /** Request sent → end of the first frame after the answer, ms. */
  drawMs: number;
  /** Request sent → answer received, ms. */
  answerMs: number;
  venueCalls: number;
}

async function historyMarks(page: Page): Promise<HistoryMark[]> {
  return page.evaluate('window.__cacheBench') as Promise<HistoryMark[]>;
}

/** The first SBER `interval` chart load (not an older page) after `from` marks, once drawn. */
async function drawn(page: Page, from: number, interval: string): Promise<HistoryMark & { answered: number; drawn: number }> {
  return until(`a drawn ${interval} SBER chart`, async () => {
    const m = (await historyMarks(page)).slice(from).find((r) => r.instrumentId === SBER_UID && r.interval === interval && !r.older);
    return m?.answered !== undefined && m.drawn !== undefined ? { ...m, answered: m.answered, drawn: m.drawn } : undefined;
  });
}

async function until<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  const end = Date.now() + PATIENCE_MS;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`cache bench: no ${what} within ${PATIENCE_MS} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Loads (and with the cache, caches) CACHED_BARS bars of SBER 1m through the bridge, as scrolling back does. */
async function loadBars(url: string): Promise<number> {
  const client = await BridgeClient.open(new URL(url));
  try {
    const key = { venue: 'tinvest', instrumentId: SBER_UID, interval: '1m' } as const;
    let bars: Candle[] = await client.value('candles.history', { ...key, limit: PAGE_BARS });
    while (bars.length < CACHED_BARS) {
      const page = await client.value('candles.history', { ...key, before: bars[0]!.time, limit: PAGE_BARS });
      if (page.length === 0) break;
      bars = [...page, ...bars];
    }
    return bars.length;
  } finally {
    client.close();
  }
}

async function reopens(browser: Browser, tinvest: TInvestSim, kraken: Awaited<ReturnType<typeof startKrakenSim>>, cache: boolean): Promise<{ runs: Reopen[]; loaded: number }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'switchboard-cache-bench-'));
  const app = await startHeadless({
    port: 0,
    demoLines: [tinvestReadyLine(tinvest), krakenReadyLine(kraken)],
    stateDir: dir,
    dataDir: dir,
    secretStore: new MemorySecretStore(),
    log: silentLogger,
    ...(cache ? {} : { candleCache: false as const }),
  });
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  try {
    const loaded = await loadBars(app.url);
    await context.addInitScript({ content: PROBE });
    const page = await context.newPage();
    await page.goto(app.url);
    await drawn(page, 0, '1m');
    await page.getByRole('button', { name: 'Select chart 1' }).click();
    const timeframe = (iv: string) => page.getByRole('radiogroup', { name: 'Timeframe' }).getByRole('radio', { name: iv, exact: true });
    const runs: Reopen[] = [];
    // A reopen: chart 1 goes to 5m and, once drawn, back to 1m; the 1m load is measured.
    for (let i = 0; i < REOPENS; i++) {
      const before5m = (await historyMarks(page)).length;
      await timeframe('5m').click();
      await drawn(page, before5m, '5m');
      const from = (await historyMarks(page)).length;
      const calls = tinvest.stats.calls('GetCandles');
      await timeframe('1m').click();
      const m = await drawn(page, from, '1m');
      runs.push({ drawMs: m.drawn - m.sent, answerMs: m.answered - m.sent, venueCalls: tinvest.stats.calls('GetCandles') - calls });
    }
    return { runs, loaded };
  } finally {
    await context.close();
    await app.shutdown();
    await app.close();
    await rm(dir, { recursive: true, force: true });
  }
}

const median = (xs: number[]): number => percentile([...xs].sort((a, b) => a - b), 50);

async function reopenFigures(): Promise<Figure[]> {
  // The page the app serves, from today's sources (the app itself runs from them in this process).
  await promisify(execFile)('npm', ['run', 'build:renderer'], { cwd: ROOT, maxBuffer: 64 << 20 });
  // 15 days of one-minute history: 20k bars of SBER exist before the run starts.
  const market = new Market({ seed: 1, symbols: marketSpecs(defaultInstruments()), historySeconds: 15 * 86_400 });
  market.start();
  const tinvest = await startTInvestSim({ seed: 1, market });
  const kraken = await startKrakenSim({ seed: 1 });
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const cached = await reopens(browser, tinvest, kraken, true);
    const plain = await reopens(browser, tinvest, kraken, false);
    const list = (rs: Reopen[], k: keyof Reopen): string => rs.map((r) => r[k].toFixed(k === 'venueCalls' ? 0 : 1)).join(' ');
    return [
      {
        name: `chart reopen on ${cached.loaded} cached bars: history request → first draw (median of ${REOPENS})`,
        value: median(cached.runs.map((r) => r.drawMs)),
        unit: 'ms',
        target: '≤ 100 ms',
        beside: { label: 'cache disabled, the local venue asked', value: median(plain.runs.map((r) => r.drawMs)) },
        note: `runs: cached ${list(cached.runs, 'drawMs')}; no cache ${list(plain.runs, 'drawMs')}; request → answer: cached ${list(cached.runs, 'answerMs')}, no cache ${list(plain.runs, 'answerMs')} ms`,
      },
      {
        name: 'chart reopen on cached bars: venue history calls during the reopen (max)',
        value: Math.max(...cached.runs.map((r) => r.venueCalls)),
        unit: 'calls',
        target: '0',
        beside: { label: 'cache disabled', value: Math.max(...plain.runs.map((r) => r.venueCalls)) },
        note: `GetCandles per reopen: cached ${list(cached.runs, 'venueCalls')}; no cache ${list(plain.runs, 'venueCalls')}`,
      },
    ];
  } finally {
    await browser.close();
    await kraken.close();
    await tinvest.close();
    market.stop();
  }
}

/** 1M one-minute bars as a venue sends them: prices with two decimals, whole volumes. */
function* syntheticBars(instruments: number, perInstrument: number): Generator<{ key: CacheKey; bars: Candle[] }> {
  const start = Math.floor(Date.now() / 60_000) * 60 - perInstrument * 60;
  for (let k = 0; k < instruments; k++) {
    const key: CacheKey = { venue: 'tinvest', mode: 'live', instrumentId: `instrument-${k}`, interval: '1m' };
    let cents = 25_000 + k * 1_000;
    const chunk = 10_000;
    for (let i0 = 0; i0 < perInstrument; i0 += chunk) {
      const bars: Candle[] = [];
      for (let i = i0; i < Math.min(perInstrument, i0 + chunk); i++) {
        const open = cents;
        cents = Math.max(100, cents + ((i * 7919 + k * 104_729) % 41) - 20);
        const high = Math.max(open, cents) + (i % 5);
        const low = Math.min(open, cents) - (i % 3);
        bars.push({ ...key, time: start + i * 60, open: (open / 100).toFixed(2), high: (high / 100).toFixed(2), low: (low / 100).toFixed(2), close: (cents / 100).toFixed(2), volume: String(1 + ((i * 31) % 5000)) });
      }
      yield { key, bars };
    }
  }
}

async function sizeFigure(): Promise<Figure[]> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'switchboard-cache-size-'));
  try {
    const file = path.join(dir, 'switchboard.db');
    const db = openDatabase({ file });
    const cache = new CandleCache(db, { log: silentLogger });
    const empty = statSync(file).size;
    let csv = 'time,open,high,low,close,volume\n'.length;
    let rows = 0;
    const t0 = performance.now();
    for (const { key, bars } of syntheticBars(10, 100_000)) {
      cache.store(key, bars, { from: bars[0]!.time, to: bars[bars.length - 1]!.time + 60 });
      rows += bars.length;
      for (const c of bars) csv += `${c.time},${c.open},${c.high},${c.low},${c.close},${c.volume}\n`.length;
    }
    const writeS = (performance.now() - t0) / 1000;
    cache.close();
    // Everything in the main file, the log emptied: the size a copied or backed-up file has.
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
    const bytes = statSync(file).size;
    const perMillion = (b: number): number => (b / rows) * 1e6 / 2 ** 20;
    return [
      {
        name: 'database size per million candles (1M one-minute bars)',
        value: perMillion(bytes),
        unit: 'MB',
        beside: { label: 'the same bars as raw CSV', value: perMillion(csv) },
        note: `${rows} bars in ${writeS.toFixed(1)} s through CandleCache.store (10k per transaction); empty schema ${(empty / 1024).toFixed(0)} KB; the candles table's time index is included`,
      },
    ];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * The hot path with write-through: 200k live candles of 50 keys (10 updates per bar, so 20k
 * bars close and are written) through the hub, CPU per candle with a cache on a durable file
 * beside the same hub without one.
 */
async function hotPathFigure(): Promise<Figure[]> {
  const KEYS = 50;
  const BARS = 400;
  const UPDATES = 10;
  const run = async (withCache: boolean): Promise<{ us: number; written: number }> => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'switchboard-cache-hot-'));
    const db = withCache ? openDatabase({ file: path.join(dir, 'switchboard.db') }) : undefined;
    const cache = db ? new CandleCache(db, { log: silentLogger }) : undefined;
    const hub = new Hub(cache ? { candleCache: cache } : {});
    const venues = memoryVenues();
    hub.addVenue(venues.factory);
    await hub.connect('tinvest');
    const keys: CandleKey[] = Array.from({ length: KEYS }, (_, k) => ({ venue: 'tinvest', instrumentId: `id-${k}`, interval: '1m' }));
    for (const key of keys) hub.retain(key);
    const venue = venues.current();
    const candles: Candle[][] = keys.map((key) => Array.from({ length: UPDATES }, (_, u) => candle(key, 0, 100 + u)));
    try {
      const us = await cpuMicros(() => {
        for (let b = 0; b < BARS; b++) {
          for (let u = 0; u < UPDATES; u++) {
            for (let k = 0; k < KEYS; k++) venue.emit({ ...candles[k]![u]!, time: T0 + b * 60 });
          }
        }
        cache?.flush();
      });
      return { us: us / (KEYS * BARS * UPDATES), written: cache?.stats().liveBarsWritten ?? 0 };
    } finally {
      await hub.close();
      cache?.close();
      db?.close();
      await rm(dir, { recursive: true, force: true });
    }
  };
  // Warm both paths once, then measure interleaved.
  await run(false);
  await run(true);
  const plain = await run(false);
  const cached = await run(true);
  return [
    {
      name: 'hub, µs CPU per live candle with closed bars written through',
      value: cached.us,
      unit: 'µs',
      beside: { label: 'the same hub without a cache', value: plain.us },
      note: `${KEYS * BARS * UPDATES} candles of ${KEYS} keys, ${cached.written} closed bars written (one transaction per ${LIVE_BATCH_BARS} bars, synchronous=FULL): a bar closes every ${UPDATES} updates here, live markets close one per key per minute`,
    },
  ];
}

export async function runCandleCacheBench(): Promise<Figure[]> {
  const t0 = performance.now();
  const reopen = await reopenFigures();
  const t1 = performance.now();
  const hot = await hotPathFigure();
  const t2 = performance.now();
  const size = await sizeFigure();
  const t3 = performance.now();
  const s = (ms: number): string => (ms / 1000).toFixed(0);
  const last = size[size.length - 1]!;
  // Bounded: the suite says what it took, part by part.
  last.note = `${last.note ?? ''}. Suite wall time ${s(t3 - t0)} s: reopen ${s(t1 - t0)} s (renderer build included), hot path ${s(t2 - t1)} s, size ${s(t3 - t2)} s`;
  return [...reopen, ...hot, ...size];
}
