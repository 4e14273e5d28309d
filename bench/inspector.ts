/**
 * What the wire inspector costs the Kraken ingest path: CPU µs per message of ohlc and of the
 * book (every checksum verified, to sink.book as the app takes it) through the real adapter,
 * three ways in the same run on the same frames, over the Kraken bench's replay server
 * (bench/kraken.ts): no inspector (no `wire` option: the adapter's silent tap), the inspector
 * closed (the app's WireTaps passed, nothing attached: what every trader pays), and, for
 * information, the inspector open (a view open, every frame kept in its ring). Closed / none
 * is the figure that matters (target ≤ 1.02×). Then the inspector's own side, off the
 * adapter: keeping a frame while a view is open, and a view's read of it (decode, redaction).
 *
 * The same three ways on T-Invest's market-data candle path: the real adapter over loopback gRPC
 * against the T-Invest bench's child venue (bench/tinvest.ts), CPU µs per candle from wire bytes
 * to sink.candle; there the tap wraps grpc-js's deserializer, so "closed" is one property read
 * per message and "open" copies each message's bytes into the ring.
 *
 * The adapters emit into their tap since the record/replay work of issue 13; measured before
 * that merge, closed and open equal none, as they should with no emit point at all.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKrakenVenue } from '../electron/venues/kraken/adapter.js';
import { WireInspector } from '../electron/inspector/wire-inspector.js';
import { decodeWireBytes } from '../electron/app/wire-decoders.js';
import { redact } from '../electron/core/log.js';
import { WireTaps, wallClock } from '../electron/net/wire-tap.js';
import { adapterRun, bookFrames, ohlcFrames, startServer } from './kraken.js';
import { startCandleLoopback } from './tinvest.js';
import { cpuMicros } from './figures.js';
import type { Figure } from './figures.js';

const MESSAGES = 40_000;
/** Many short rounds: on a shared 2-core box a single round can be off by ±10% whichever way it runs. */
const ROUNDS = 15;
/** Frames through the inspector's own side, per round. */
const DIRECT_FRAMES = 50_000;
/** T-Invest candles measured per run (after the adapter's warm-up), and rounds of the three ways. */
const TINVEST_CANDLES = 40_000;
const TINVEST_ROUNDS = 9;

type Way = 'none' | 'closed' | 'open';
const WAYS: readonly Way[] = ['none', 'closed', 'open'];

/** One adapter run of `channel` with the inspector `way`; the tap is fresh each run, so nothing carries over. */
async function run(way: Way, port: number, channel: 'ohlc' | 'book-sink', dir: string): Promise<number> {
  if (way === 'none') return adapterRun(createKrakenVenue, port, channel, MESSAGES, dir);
  const wire = new WireTaps();
  if (way === 'closed') return adapterRun(createKrakenVenue, port, channel, MESSAGES, dir, wire);
  const inspector = new WireInspector({ wire, redact, decode: decodeWireBytes });
  const { viewId } = inspector.open({});
  try {
    return await adapterRun(createKrakenVenue, port, channel, MESSAGES, dir, wire);
  } finally {
    inspector.close(viewId);
  }
}

/** One T-Invest candle run with the inspector `way`, on a fresh tap as for Kraken. */
async function runTInvest(way: Way, loop: Awaited<ReturnType<typeof startCandleLoopback>>): Promise<number> {
  if (way === 'none') return loop.run(undefined);
  const wire = new WireTaps();
  if (way === 'closed') return loop.run(wire);
  const inspector = new WireInspector({ wire, redact, decode: decodeWireBytes });
  const { viewId } = inspector.open({});
  try {
    return await loop.run(wire);
  } finally {
    inspector.close(viewId);
  }
}

/** The inspector's side alone: µs per frame kept (open view, the adapter's emit) and per frame read (decode + redact). */
async function direct(frames: readonly string[]): Promise<{ keep: number; read: number }> {
  const wire = new WireTaps();
  const inspector = new WireInspector({ wire, redact, decode: decodeWireBytes });
  const { viewId } = inspector.open({});
  const n = Math.min(frames.length, DIRECT_FRAMES);
  const keep = await cpuMicros(() => {
    for (let i = 0; i < n; i++) {
      if (wire.active) wire.emit({ venue: 'kraken', connection: 'public', dir: 'in', kind: 'frame', at: wallClock(), text: frames[i]! });
    }
  });
  // The ring holds the last 500: reading them is what a view pays per frame it shows.
  let shown = 0;
  const read = await cpuMicros(() => {
    shown = inspector.read(viewId, 0).frames.length;
  });
  inspector.close(viewId);
  return { keep: keep / n, read: read / Math.max(1, shown) };
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

export async function runInspectorBench(): Promise<Figure[]> {
  const dir = mkdtempSync(join(tmpdir(), 'inspector-bench-'));
  const file = join(dir, 'frames.json');
  const ohlc = ohlcFrames(MESSAGES);
  const book = bookFrames(MESSAGES);
  writeFileSync(file, JSON.stringify({ ohlc, book }));
  const { child, port } = await startServer(file);
  const runs: Record<'ohlc' | 'book-sink', Record<Way, number>>[] = [];
  const directRuns: { keep: number; read: number }[] = [];
  try {
    // Round 0 warms the JIT on every path. Each later round runs the three ways back to back,
    // starting with a different one each round, so no way always goes first on a busy machine.
    for (let round = 0; round <= ROUNDS; round++) {
      const r = { ohlc: {} as Record<Way, number>, 'book-sink': {} as Record<Way, number> };
      for (const channel of ['ohlc', 'book-sink'] as const) {
        for (let k = 0; k < WAYS.length; k++) {
          const way = WAYS[(round + k) % WAYS.length]!;
          r[channel][way] = await run(way, port, channel, dir);
        }
      }
      const d = await direct(book);
      if (round > 0) {
        runs.push(r);
        directRuns.push(d);
      }
    }
  } finally {
    child.kill();
    rmSync(dir, { recursive: true, force: true });
  }
  // T-Invest: the same rotation of the three ways, round 0 the warm-up.
  const tinvest: Record<Way, number>[] = [];
  const loop = await startCandleLoopback(TINVEST_CANDLES);
  try {
    for (let round = 0; round <= TINVEST_ROUNDS; round++) {
      const r = {} as Record<Way, number>;
      for (let k = 0; k < WAYS.length; k++) {
        const way = WAYS[(round + k) % WAYS.length]!;
        r[way] = await runTInvest(way, loop);
      }
      if (round > 0) tinvest.push(r);
    }
  } finally {
    await loop.close();
  }
  const r2 = (x: number): number => Math.round(x * 100) / 100;
  const r3 = (x: number): number => Math.round(x * 1000) / 1000;
  const m = (f: (x: (typeof runs)[number]) => number): number => median(runs.map(f));
  /** The least disturbed round of a way: what the code costs when the machine lets it run. */
  const best = (f: (x: (typeof runs)[number]) => number): number => Math.min(...runs.map(f));
  const figures: Figure[] = [];
  for (const [channel, label] of [
    ['ohlc', 'kraken ws ohlc'],
    ['book-sink', 'kraken ws book 10 + checksum → sink.book'],
  ] as const) {
    const none = m((x) => x[channel].none);
    figures.push(
      { name: `${label}: CPU per message, no inspector`, value: r2(none), unit: 'µs' },
      { name: `${label}: CPU per message, inspector closed`, value: r2(m((x) => x[channel].closed)), unit: 'µs', beside: { label: 'no inspector', value: r2(none) } },
      { name: `${label}: CPU per message, inspector open`, value: r2(m((x) => x[channel].open)), unit: 'µs', beside: { label: 'no inspector', value: r2(none) } },
      {
        name: `${label}: inspector closed / none (best rounds)`,
        value: r3(best((x) => x[channel].closed) / best((x) => x[channel].none)),
        unit: '×',
        target: '≤ 1.02',
        note: `median of per-round ratios ${r3(m((x) => x[channel].closed / x[channel].none))}; rounds: ${runs.map((x) => (x[channel].closed / x[channel].none).toFixed(3)).join(' ')}`,
      },
      { name: `${label}: inspector open / none (median, for information)`, value: r3(m((x) => x[channel].open / x[channel].none)), unit: '×' },
    );
  }
  {
    const label = 'tinvest marketdata candle (loopback gRPC → sink.candle)';
    const tm = (f: (x: Record<Way, number>) => number): number => median(tinvest.map(f));
    const tbest = (f: (x: Record<Way, number>) => number): number => Math.min(...tinvest.map(f));
    const none = tm((x) => x.none);
    figures.push(
      { name: `${label}: CPU per candle, no inspector`, value: r2(none), unit: 'µs' },
      { name: `${label}: CPU per candle, inspector closed`, value: r2(tm((x) => x.closed)), unit: 'µs', beside: { label: 'no inspector', value: r2(none) } },
      { name: `${label}: CPU per candle, inspector open`, value: r2(tm((x) => x.open)), unit: 'µs', beside: { label: 'no inspector', value: r2(none) } },
      {
        name: `${label}: inspector closed / none (best rounds)`,
        value: r3(tbest((x) => x.closed) / tbest((x) => x.none)),
        unit: '×',
        target: '≤ 1.02',
        note: `median of per-round ratios ${r3(tm((x) => x.closed / x.none))}; rounds: ${tinvest.map((x) => (x.closed / x.none).toFixed(3)).join(' ')}`,
      },
      { name: `${label}: inspector open / none (median, for information)`, value: r3(tm((x) => x.open / x.none)), unit: '×' },
    );
  }
  figures.push(
    { name: 'inspector open: CPU per frame kept (emit into the ring)', value: r3(median(directRuns.map((d) => d.keep))), unit: 'µs' },
    { name: 'inspector: CPU per frame read (re-indent + redact, book frames)', value: r2(median(directRuns.map((d) => d.read))), unit: 'µs' },
  );
  return figures;
}
