/**
 * The hostile-venue run for T-Invest: the real adapter's market-data stream against
 * sim/hostile/tinvest on 127.0.0.1, fed `frames` labelled MarketDataResponse messages (real
 * shapes, mutated at the protobuf and at the value level). The report holds the adapter's
 * malformed counter against the venue's own count of invalid frames, the candles delivered
 * against the valid ones, and the series built against the one the valid frames alone make.
 *
 * Used by test/venues/tinvest/hostile.test.ts (tens of thousands of frames) and by
 * scripts/fuzz-venues.ts (a million).
 */
import type { Candle, CandleKey } from '../../common/domain.js';
import { candleKeyId } from '../../common/domain.js';
import type { ConnectionReporter, VenueSink } from '../../electron/venues/venue.js';
import { SILENT_REPORTER } from '../../electron/venues/venue.js';
import { createTInvestVenue } from '../../electron/venues/tinvest/adapter.js';
import { HostileScript } from '../../sim/hostile/tinvest/frames.js';
import type { ExpectedCandle } from '../../sim/hostile/tinvest/frames.js';
import { startHostileTInvest } from '../../sim/hostile/tinvest/server.js';
import type { HostileCall } from '../../sim/hostile/tinvest/server.js';
import type { FuzzOptions, FuzzReport } from './report.js';

const KEYS = 4;

/** Counts what the adapter reports; compares each delivered candle with the next valid one of its key. */
class FuzzSink implements VenueSink {
  malformed = 0;
  messages = 0;
  delivered = 0;
  mismatches: string[] = [];
  states: string[] = [];
  /** Valid candles sent and not yet delivered, per instrument, in order. */
  readonly waiting = new Map<string, ExpectedCandle[]>();
  private readonly heads = new Map<string, number>();

  expect(c: ExpectedCandle): void {
    let q = this.waiting.get(c.uid);
    if (!q) this.waiting.set(c.uid, (q = []));
    q.push(c);
  }

  pending(): number {
    let n = 0;
    for (const [uid, q] of this.waiting) n += q.length - (this.heads.get(uid) ?? 0);
    return n;
  }

  candle(c: Candle): void {
    this.delivered++;
    const q = this.waiting.get(c.instrumentId);
    const head = this.heads.get(c.instrumentId) ?? 0;
    const want = q?.[head];
    const got = { uid: c.instrumentId, time: c.time, open: c.open, high: c.high, low: c.low, close: c.close, volume: c.volume };
    if (!want || JSON.stringify(want) !== JSON.stringify(got)) {
      if (this.mismatches.length < 5) this.mismatches.push(`got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
      return;
    }
    if (q && head + 1 >= 4096) {
      q.splice(0, head + 1);
      this.heads.set(c.instrumentId, 0);
    } else this.heads.set(c.instrumentId, head + 1);
  }

  order(): void {}

  subscriptionFailed(key: CandleKey): void {
    this.mismatches.push(`subscription of ${candleKeyId(key)} failed`);
  }

  book(): void {}
  trades(): void {}
  quote(): void {}
  marketFailed(): void {}

  connection(name: string): ConnectionReporter {
    return {
      ...SILENT_REPORTER,
      malformed: () => void this.malformed++,
      message: () => {
        if (name === 'marketdata') this.messages++;
      },
      state: (s) => {
        if (name === 'marketdata') this.states.push(s);
      },
    };
  }
}

export async function runTInvestFuzz(opts: FuzzOptions): Promise<FuzzReport> {
  const t0 = performance.now();
  let crashes = 0;
  const crashed = (e: unknown): void => {
    crashes++;
    opts.log?.(`crash: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  };
  process.on('uncaughtException', crashed);
  process.on('unhandledRejection', crashed);

  let resolveCall: (c: HostileCall) => void = () => undefined;
  const subscribed = new Set<string>();
  const callReady = new Promise<HostileCall>((r) => (resolveCall = r));
  const host = await startHostileTInvest({
    instruments: KEYS,
    onSubscribe: (call, items, action) => {
      if (action !== 1) return;
      for (const x of items) subscribed.add(x.instrumentId);
      if (subscribed.size >= KEYS) resolveCall(call);
    },
  });
  const sink = new FuzzSink();
  const venue = createTInvestVenue({ endpoint: host.endpoint, token: 'fuzz', mode: 'demo', tls: false, sink, pingDelayMs: 5_000 });
  let invalid = 0;
  let validCandles = 0;
  let sent = 0;
  try {
    await venue.connect();
    for (const i of host.instruments) venue.subscribeCandles({ venue: 'tinvest', instrumentId: i.uid, interval: '1m' });
    const call = await callReady;
    const script = new HostileScript({ seed: opts.seed, subscribed: host.instruments, others: host.others, now: Date.now });
    const every = Math.max(1, Math.floor(opts.frames / 10));
    while (sent < opts.frames) {
      if (call.closed) throw new Error(`the stream ended after ${sent} frames`);
      const f = script.frame();
      if (!f.valid) invalid++;
      if (f.candle) {
        validCandles++;
        sink.expect(f.candle);
      }
      sent++;
      if (!call.write(f.bytes)) await call.drain();
      // Let the client side run now and then: one process holds both ends.
      if (sent % 256 === 0) await new Promise<void>((r) => setImmediate(r));
      if (sent % every === 0) opts.log?.(`tinvest fuzz: ${sent} frames, ${invalid} invalid, ${sink.malformed} counted, ${sink.delivered} candles delivered`);
    }
    // Every frame written (answers to pings and subscriptions included) has been handled.
    const deadline = Date.now() + 60_000 + opts.frames / 5;
    while (sink.messages < host.written && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    // Candles held by a gap fill come out when it ends.
    while (sink.pending() > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  } finally {
    await venue.close();
    await host.close();
    process.off('uncaughtException', crashed);
    process.off('unhandledRejection', crashed);
  }
  for (const m of sink.mismatches) opts.log?.(`mismatch: ${m}`);
  const seconds = (performance.now() - t0) / 1000;
  return {
    venue: 'tinvest',
    frames: sent,
    invalid,
    malformedCounted: sink.malformed,
    validCandles,
    deliveredCandles: sink.delivered,
    seriesEqual: sink.mismatches.length === 0 && sink.pending() === 0 && sink.states.filter((s) => s === 'reconnecting').length === 0,
    crashes,
    seconds: Number(seconds.toFixed(2)),
  };
}
