/**
 * UI bench: the real renderer in Chromium (playwright-core) on a synthetic far side — the
 * bench page renderer/bench/ui-bench.html, built here with vite. Figures: tick-to-screen
 * latency p50/p99 and the frame rate while 20 instruments update 5,000 times a second in
 * total (4 charts on screen, all 20 in the watchlist), and the time to load and draw 100k
 * candles. Then the same stream again with the depth ladder fed 1,000 whole books a second
 * (10 levels a side, every level changing): the frame rate, the candles' tick-to-screen and
 * the book's receivedAt → screen beside the candle-only figures of the same run. Ceilings: the
 * same page's idle frame rate, one frame interval, and setData of ready-made bars (the chart
 * library alone).
 */
import { createServer, type Server } from 'node:http';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { build } from 'vite';
import type { UiBenchOptions, UiBenchPage, UiBenchResult } from '../renderer/bench/ui-bench-types.js';
import type { Figure } from './figures.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

const OPTIONS: UiBenchOptions = { instruments: 20, updatesPerSecond: 5000, batchMs: 16, seconds: 10, candles: 100_000, booksPerSecond: 1000, bookDepth: 10 };

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.css': 'text/css',
};

async function buildPage(outDir: string): Promise<void> {
  await build({
    configFile: path.join(ROOT, 'renderer', 'vite.config.ts'),
    logLevel: 'warn',
    build: {
      outDir,
      emptyOutDir: true,
      rolldownOptions: { input: path.join(ROOT, 'renderer', 'bench', 'ui-bench.html') },
    },
  });
}

/** Module scripts and workers need http, not file://. */
function serve(dir: string): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const rel = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname).replace(/^\/+/, '');
    const file = path.join(dir, rel);
    if (!file.startsWith(dir)) {
      res.writeHead(403).end();
      return;
    }
    readFile(file).then(
      (body) => res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream' }).end(body),
      () => res.writeHead(404).end(),
    );
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const addr = server.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      resolve({ server, url: `http://127.0.0.1:${port}/bench/ui-bench.html` });
    }),
  );
}

/** The run with the ladder's books, beside the candle-only run above it. */
function bookFigures(r: UiBenchResult, frame: number): Figure[] {
  const b = r.withBooks;
  const load = `+ DOM ladder at ${OPTIONS.booksPerSecond} books/s`;
  return [
    { name: `frame rate (${load})`, value: b.fps, unit: 'fps', ceiling: r.idleFps, target: `≥ 60 fps held (candles only: ${r.fps.toFixed(1)})` },
    { name: `long frames (> 1.5 intervals, ${load})`, value: b.frames ? (100 * b.longFrames) / b.frames : NaN, unit: '%' },
    // Written: the end the charts' tick-to-screen uses (in the frame that paints it); shown: the next frame's start.
    { name: `book-to-screen p50, written (${load})`, value: b.bookWritten?.p50 ?? NaN, unit: 'ms', ceiling: frame },
    { name: `book-to-screen p99, written (${load})`, value: b.bookWritten?.p99 ?? NaN, unit: 'ms', ceiling: frame, target: `≤ 2 frames (${(2 * frame).toFixed(1)} ms)` },
    { name: `book-to-screen p50, next frame (${load})`, value: b.bookLatency?.p50 ?? NaN, unit: 'ms', ceiling: frame },
    { name: `book-to-screen p99, next frame (${load})`, value: b.bookLatency?.p99 ?? NaN, unit: 'ms', ceiling: frame },
    { name: `ladder paints (${OPTIONS.booksPerSecond * OPTIONS.seconds} books sent)`, value: b.ladderPaints ?? NaN, unit: 'n' },
    { name: `candle tick-to-screen p99 (${load})`, value: b.latency.p99 ?? NaN, unit: 'ms', ceiling: frame, target: `candles only: ${(r.latency.p99 ?? NaN).toFixed(1)} ms` },
  ];
}

export async function runUiBench(): Promise<Figure[]> {
  const out = await mkdtemp(path.join(os.tmpdir(), 'switchboard-ui-bench-'));
  let server: Server | undefined;
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    await buildPage(out);
    const served = await serve(out);
    server = served.server;
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    if (process.env.UI_BENCH_DEBUG) page.on('console', (m) => process.stderr.write(`page: ${m.text()}\n`));
    await page.goto(served.url);
    // These run in the page, where the bench put itself on the window.
    await page.waitForFunction(() => (globalThis as { uiBench?: unknown }).uiBench !== undefined);
    await page.evaluate(() => (globalThis as { uiBench?: UiBenchPage }).uiBench!.ready());
    const r: UiBenchResult = await page.evaluate((o) => (globalThis as { uiBench?: UiBenchPage }).uiBench!.run(o), OPTIONS);
    if (errors.length > 0) throw new Error(`the bench page failed: ${errors.join('; ')}`);
    const frame = 1000 / r.idleFps;
    const load = `${OPTIONS.instruments} instruments, ${OPTIONS.updatesPerSecond}/s`;
    return [
      { name: `tick-to-screen p50 (${load})`, value: r.latency.p50 ?? NaN, unit: 'ms', ceiling: frame },
      { name: `tick-to-screen p99 (${load})`, value: r.latency.p99 ?? NaN, unit: 'ms', ceiling: frame, target: `≤ 2 frames (${(2 * frame).toFixed(1)} ms)` },
      { name: `frame rate (${load})`, value: r.fps, unit: 'fps', ceiling: r.idleFps, target: '≥ 60 fps held' },
      { name: `long frames (> 1.5 intervals, ${load})`, value: r.frames ? (100 * r.longFrames) / r.frames : NaN, unit: '%' },
      { name: 'tick-to-screen samples', value: r.samples, unit: 'n' },
      ...bookFigures(r, frame),
      { name: `load and draw ${OPTIONS.candles / 1000}k candles (setData)`, value: r.loadAndDraw, unit: 'ms', ceiling: r.setDataOnly, target: '≤ 300 ms' },
      { name: `  of which convert + setData calls`, value: r.loadCall, unit: 'ms' },
    ];
  } finally {
    await browser.close();
    server?.close();
    await rm(out, { recursive: true, force: true });
  }
}
