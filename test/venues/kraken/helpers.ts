/** Shared pieces of the Kraken adapter tests: a recording sink, temp state dirs, polling. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Candle, CandleKey, ConnectionState, LimiterHeadroom, OrderEvidence, OrderStatus, VenueErrorInfo } from '../../../common/domain.js';
import { candleKeyId } from '../../../common/domain.js';
import type { ConnectionReporter, Venue, VenueSink } from '../../../electron/venues/venue.js';
import { MarketRecorder } from '../market-recorder.js';
import type { Market } from '../../../sim/market.js';
import type { KrakenSim } from '../../../sim/kraken/server.js';

export interface ConnectionLog {
  states: { state: ConnectionState; reason: string }[];
  messages: number;
  reconnects: number;
  malformed: string[];
  /** The frames kept with each malformed report, in the same order. */
  malformedFrames: (string | undefined)[];
  clockSkews: number[];
  errors: VenueErrorInfo[];
  subscriptions: { pending: number; confirmed: number };
  limiters: LimiterHeadroom[];
}

export class RecordingSink extends MarketRecorder implements VenueSink {
  /** candle key id → open time → latest candle. */
  readonly candles = new Map<string, Map<number, Candle>>();
  readonly candleLog: Candle[] = [];
  /** Every piece of order evidence the adapter reported, in order. */
  readonly evidence: OrderEvidence[] = [];
  readonly conns = new Map<string, ConnectionLog>();

  candle(c: Candle): void {
    const id = candleKeyId(c);
    let m = this.candles.get(id);
    if (!m) this.candles.set(id, (m = new Map()));
    m.set(c.time, c);
    this.candleLog.push(c);
  }

  order(ev: OrderEvidence): void {
    this.evidence.push(ev);
  }

  /** The evidence about one client order id. */
  about(clientOrderId: string): OrderEvidence[] {
    return this.evidence.filter((e) => e.clientOrderId === clientOrderId);
  }

  /** Every status the venue reported for the order (no ranking: the core's job). */
  statuses(clientOrderId: string): Set<OrderStatus> {
    return new Set(this.about(clientOrderId).flatMap((e) => (e.status !== undefined ? [e.status] : [])));
  }

  /** Keys the venue refused or never confirmed, with why, in order. */
  readonly subscriptionFailures: { key: CandleKey; err: VenueErrorInfo }[] = [];

  subscriptionFailed(key: CandleKey, err: VenueErrorInfo): void {
    this.subscriptionFailures.push({ key, err });
  }

  connection(name: string): ConnectionReporter {
    const log: ConnectionLog = { states: [], messages: 0, reconnects: 0, malformed: [], malformedFrames: [], clockSkews: [], errors: [], subscriptions: { pending: 0, confirmed: 0 }, limiters: [] };
    this.conns.set(name, log);
    return {
      state: (state, reason) => log.states.push({ state, reason }),
      message: () => void log.messages++,
      reconnect: () => void log.reconnects++,
      malformed: (d, f) => {
        log.malformed.push(d);
        log.malformedFrames.push(f);
      },
      clockSkew: (ms) => void log.clockSkews.push(ms),
      error: (e) => void log.errors.push(e),
      pingRtt: () => undefined,
      subscriptions: (pending, confirmed) => void (log.subscriptions = { pending, confirmed }),
      limiters: (l) => void (log.limiters = l),
      breakers: () => undefined,
    };
  }

  conn(name: string): ConnectionLog {
    const c = this.conns.get(name);
    if (!c) throw new Error(`no connection ${name}`);
    return c;
  }

  state(name: string): ConnectionState | undefined {
    return this.conns.get(name)?.states.at(-1)?.state;
  }
}

const dirs: string[] = [];

export function tempStateDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'kraken-state-'));
  dirs.push(d);
  return d;
}

export function removeStateDirs(): void {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
}

/** Polls until `check` returns true; fails with `what` after `timeoutMs`. */
export async function waitFor(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** A clock running `factor` times faster than real time, from now on. */
export function fastClock(factor: number): () => number {
  const start = Date.now();
  return () => start + (Date.now() - start) * factor;
}

/** The teardown every live-venue test needs: adapter first, then the venue, then the market. */
export async function closeAll(venue: Venue | undefined, sim: KrakenSim | undefined, market: Market | undefined): Promise<void> {
  await venue?.close();
  await sim?.close();
  market?.stop();
  removeStateDirs();
}
