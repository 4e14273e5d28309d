/**
 * Test helpers for the T-Invest adapter: a recording sink, polling waits, and the venue's
 * truth (the simulator's market) as domain candles.
 */
import type { BreakerState, Candle, CandleKey, ConnectionState, Interval, LimiterHeadroom, OrderEvidence, VenueErrorInfo } from '../../../common/domain.js';
import { INTERVAL_SECONDS, candleKeyId } from '../../../common/domain.js';
import { formatScaled } from '../../../common/decimal.js';
import type { ConnectionReporter, VenueSink } from '../../../electron/venues/venue.js';
import { MarketRecorder } from '../market-recorder.js';
import type { Market } from '../../../sim/market.js';

export interface ConnectionRecord {
  states: { state: ConnectionState; reason: string }[];
  messages: number;
  reconnects: number;
  malformed: string[];
  /** The frames kept with each malformed report, in the same order. */
  malformedFrames: (string | undefined)[];
  clockSkews: number[];
  errors: VenueErrorInfo[];
  rtts: number[];
  subscriptions: { pending: number; confirmed: number };
  limiters: LimiterHeadroom[];
  breakers: BreakerState[];
}

export class RecordingSink extends MarketRecorder implements VenueSink {
  readonly candles: Candle[] = [];
  /** Order evidence the adapter reported through the sink, in order. */
  readonly orders: OrderEvidence[] = [];
  /** Order evidence the adapter's calls resolved with (recorded by the order tests' wrapper). */
  readonly answers: OrderEvidence[] = [];
  readonly connections = new Map<string, ConnectionRecord>();
  /** Order updates and connection states in the one order they happened: "order <key> <status> <source>", "state <conn> <state>". */
  readonly timeline: string[] = [];

  candle(c: Candle): void {
    this.candles.push(c);
  }

  order(ev: OrderEvidence): void {
    this.orders.push(ev);
    this.timeline.push(`order ${ev.clientOrderId} ${ev.status ?? ev.kind} ${ev.source}`);
  }

  /** Records what a call resolved with, beside the sink's evidence. */
  answer(ev: OrderEvidence): void {
    this.answers.push(ev);
  }

  /** Everything the adapter said about orders, the sink's and the calls' answers. */
  evidence(): OrderEvidence[] {
    return [...this.orders, ...this.answers];
  }

  /** Keys the venue refused or never confirmed, with why, in order. */
  readonly subscriptionFailures: { key: CandleKey; err: VenueErrorInfo }[] = [];

  subscriptionFailed(key: CandleKey, err: VenueErrorInfo): void {
    this.subscriptionFailures.push({ key, err });
  }

  connection(name: string): ConnectionReporter {
    const rec = this.record(name);
    return {
      state: (state, reason) => {
        rec.states.push({ state, reason });
        this.timeline.push(`state ${name} ${state}`);
      },
      message: () => void (rec.messages += 1),
      reconnect: () => void (rec.reconnects += 1),
      malformed: (d, f) => {
        rec.malformed.push(d);
        rec.malformedFrames.push(f);
      },
      clockSkew: (ms) => void rec.clockSkews.push(ms),
      error: (e) => rec.errors.push(e),
      pingRtt: (ms) => rec.rtts.push(ms),
      subscriptions: (pending, confirmed) => (rec.subscriptions = { pending, confirmed }),
      limiters: (l) => (rec.limiters = l),
      breakers: (b) => (rec.breakers = b),
    };
  }

  record(name: string): ConnectionRecord {
    let rec = this.connections.get(name);
    if (!rec) {
      rec = {
        states: [],
        messages: 0,
        reconnects: 0,
        malformed: [],
        malformedFrames: [],
        clockSkews: [],
        errors: [],
        rtts: [],
        subscriptions: { pending: 0, confirmed: 0 },
        limiters: [],
        breakers: [],
      };
      this.connections.set(name, rec);
    }
    return rec;
  }

  state(name: string): ConnectionState | undefined {
    return this.connections.get(name)?.states.at(-1)?.state;
  }

  /** Candles of one key in the order they were emitted. */
  emitted(keyId: string): Candle[] {
    return this.candles.filter((c) => candleKeyId(c) === keyId);
  }

  /** The series a consumer ends up with: the last candle per open time, ascending. */
  series(keyId: string): Candle[] {
    const byTime = new Map<number, Candle>();
    for (const c of this.emitted(keyId)) byTime.set(c.time, c);
    return [...byTime.values()].sort((a, b) => a.time - b.time);
  }
}

export async function waitFor(what: string, cond: () => boolean, timeoutMs = 10_000, everyMs = 20): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/**
 * Waits for `cond`, giving up only when `progress` (any measure that changes while the work
 * moves on) has stood still for `stallMs`. A loaded machine is slow, not stuck; a fixed deadline
 * can't tell the two apart, a stall can.
 */
export async function waitForProgress(what: string, cond: () => boolean, progress: () => string | number, stallMs = 10_000, everyMs = 100): Promise<void> {
  let seen = progress();
  let movedAt = Date.now();
  while (!cond()) {
    const now = progress();
    if (now !== seen) {
      seen = now;
      movedAt = Date.now();
    } else if (Date.now() - movedAt > stallMs) {
      throw new Error(`no progress towards ${what} for ${stallMs} ms (stuck at ${String(now)})`);
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export interface TruthCandle {
  time: number;
  open: string;
  high: string;
  low: string;
  close: string;
  volume: string;
}

/** The simulator market's candles of one symbol as the venue sends them (prices exact, volume in lots). */
export function truth(market: Market, symbol: string, interval: Interval, fromSec: number, toSec: number): TruthCandle[] {
  const { priceScale } = market.info(symbol);
  return market.candles(symbol, INTERVAL_SECONDS[interval], fromSec, toSec).map((c) => ({
    time: c.time,
    open: formatScaled(c.open, priceScale),
    high: formatScaled(c.high, priceScale),
    low: formatScaled(c.low, priceScale),
    close: formatScaled(c.close, priceScale),
    volume: c.volume.toString(),
  }));
}

export function plain(c: Candle): TruthCandle {
  return { time: c.time, open: c.open, high: c.high, low: c.low, close: c.close, volume: c.volume };
}
