/**
 * The hostile-venue run for Kraken: the real adapter (createKrakenVenue) subscribes one candle
 * key on a hostile venue on 127.0.0.1, which sends `frames` frames made by
 * sim/hostile/kraken/frames.ts. The report compares what the adapter did with what the frames
 * were: malformed counted = invalid sent, candles delivered = the valid candles that are news
 * under the adapter's newer-copy rule, the series equal to the one built from valid frames alone.
 */
import type { Candle } from '../../common/domain.js';
import { candleKeyId } from '../../common/domain.js';
import { createKrakenVenue } from '../../electron/venues/kraken/adapter.js';
import type { ConnectionReporter, VenueSink } from '../../electron/venues/venue.js';
import { IGNORE_MARKET, SILENT_REPORTER } from '../../electron/venues/venue.js';
import { hostileKrakenFrames } from '../../sim/hostile/kraken/frames.js';
import type { FuzzCandle } from '../../sim/hostile/kraken/frames.js';
import { startHostileKraken } from '../../sim/hostile/kraken/server.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FuzzOptions, FuzzReport } from './report.js';

/** Frames in flight before the runner waits for the adapter to catch up (bounded memory, steady pace). */
const BATCH = 256;
/** The adapter must have read a batch within this; otherwise the run is reported as stuck. */
const CATCH_UP_MS = 60_000;

interface Counts {
  messages: number;
  malformed: number;
  reconnects: number;
  details: Map<string, number>;
}

export async function runKrakenFuzz(opts: FuzzOptions): Promise<FuzzReport> {
  const started = Date.now();
  let crashes = 0;
  const onCrash = (e: unknown): void => {
    crashes++;
    opts.log?.(`kraken fuzz: escaped error ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  };
  process.on('uncaughtException', onCrash);
  process.on('unhandledRejection', onCrash);

  const counts: Counts = { messages: 0, malformed: 0, reconnects: 0, details: new Map() };
  const delivered = new Map<number, Candle>();
  let deliveredCandles = 0;
  const reporter: ConnectionReporter = {
    ...SILENT_REPORTER,
    message: () => void counts.messages++,
    reconnect: () => void counts.reconnects++,
    malformed: (detail) => {
      counts.malformed++;
      counts.details.set(detail, (counts.details.get(detail) ?? 0) + 1);
    },
  };
  const sink: VenueSink = {
    candle: (c) => {
      deliveredCandles++;
      delivered.set(c.time, c);
    },
    order: () => undefined,
    subscriptionFailed: (k, e) => opts.log?.(`kraken fuzz: subscription ${candleKeyId(k)} failed: ${e.message}`),
    connection: (name) => (name === 'ws-public' ? reporter : SILENT_REPORTER),
    ...IGNORE_MARKET,
  };

  const hostile = await startHostileKraken();
  const stateDir = mkdtempSync(join(tmpdir(), 'kraken-fuzz-'));
  const venue = createKrakenVenue({ rest: hostile.rest, ws: hostile.ws, wsAuth: hostile.ws, mode: 'demo', sink, stateDir });
  let invalid = 0;
  let validCandles = 0;
  const expected = new Map<number, FuzzCandle>();
  let last: { time: number; trades: number } | undefined;
  const wrongKinds = new Map<string, number>();
  try {
    await venue.connect();
    venue.subscribeCandles({ venue: 'kraken', instrumentId: 'XXBTZUSD', interval: '1m' });
    await until(() => counts.reconnects === 0 && hostile.connections === 1 && counts.messages >= 2 && hostile.subscribed > 0, 10_000, 'subscribed');
    const frames = hostileKrakenFrames(opts.seed, opts.frames, Math.floor(Date.now() / 1000));
    let sent = 0;
    while (sent < opts.frames) {
      const n = Math.min(BATCH, opts.frames - sent);
      for (let i = 0; i < n; i++) {
        const f = frames.next().value!;
        hostile.send(f.text);
        if (!f.valid) invalid++;
        if (f.candle) {
          // The adapter's rule: a copy is news unless an older candle or fewer trades than the last one handed on.
          const c = f.candle;
          if (last === undefined || c.time > last.time || (c.time === last.time && c.trades >= last.trades)) {
            last = { time: c.time, trades: c.trades };
            validCandles++;
            expected.set(c.time, c);
          }
        }
        if (opts.log && !f.valid) wrongKinds.set(f.kind, (wrongKinds.get(f.kind) ?? 0) + 1);
      }
      sent += n;
      await until(() => counts.messages >= hostile.sent, CATCH_UP_MS, `the adapter to read frame ${sent}`);
      if (opts.log && sent % 100_000 < BATCH) opts.log(`kraken fuzz: ${sent} frames, ${counts.malformed} malformed, ${deliveredCandles} candles, ${Math.round((Date.now() - started) / 1000)} s`);
    }
  } finally {
    await venue.close().catch(onCrash);
    await hostile.close();
    rmSync(stateDir, { recursive: true, force: true });
    // Let anything that would still escape do so while we listen.
    await new Promise((r) => setTimeout(r, 50));
    process.off('uncaughtException', onCrash);
    process.off('unhandledRejection', onCrash);
  }
  let seriesEqual = delivered.size === expected.size;
  for (const [time, c] of expected) {
    const d = delivered.get(time);
    if (!d || d.open !== c.open || d.high !== c.high || d.low !== c.low || d.close !== c.close || d.volume !== c.volume) {
      seriesEqual = false;
      break;
    }
  }
  if (opts.log) {
    opts.log(`kraken fuzz: malformed by reason ${JSON.stringify(Object.fromEntries(counts.details))}`);
    opts.log(`kraken fuzz: invalid by mutation ${JSON.stringify(Object.fromEntries(wrongKinds))}`);
    if (counts.reconnects > 0) opts.log(`kraken fuzz: ${counts.reconnects} reconnects`);
  }
  return {
    venue: 'kraken',
    frames: opts.frames,
    invalid,
    malformedCounted: counts.malformed,
    validCandles,
    deliveredCandles,
    seriesEqual,
    crashes,
    seconds: Math.round((Date.now() - started) / 100) / 10,
  };
}

async function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`kraken fuzz: timed out waiting for ${what}`);
    await new Promise((r) => setImmediate(r));
  }
}
