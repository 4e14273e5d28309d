/**
 * Per-key candle flow that keeps the emitted series equal to the venue's truth across stream
 * drops. While a stream is down or a gap is being filled, live candles wait in a small buffer
 * (latest per open time); the fill replays GetCandles from the last candle seen through now,
 * then the buffer, through one guard: per open time never go back in time, and within one
 * period only a larger volume replaces what was sent (a candle is an aggregate of trades, so
 * its volume only grows while it forms).
 *
 * GetCandles on the real venue leaves out the still-forming 1-minute candle (§2.2); when the
 * fill could not see the period forming at its end, that period is "to settle": if no live
 * update for it arrives before a later period starts, it is fetched once more, closed.
 */
import type { Candle, CandleKey } from '../../../common/domain.js';
import { candleOpen } from '../../../common/domain.js';
import { cmpPlain } from '../../../common/candle-sanity.js';
import { Backoff } from '../../net/backoff.js';
import type { BackoffOptions } from '../../net/backoff.js';
import type { VenueError } from '../venue.js';
import { isRetryable, toVenueError } from './errors.js';

export interface CandleFlowDeps {
  emit(c: Candle): void;
  /** Candles with open time in [fromSec, toSec), ascending. */
  fetch(fromSec: number, toSec: number): Promise<Candle[]>;
  now(): number;
  onFillError(e: VenueError): void;
  /**
   * Fill started (true) or ended (false); `complete` tells whether the gap was read in full
   * or the fill gave up on an error that retrying cannot fix.
   */
  onFilling?(filling: boolean, complete: boolean): void;
  /** Something thrown while a fill delivered its candles (a consumer's bug): the owner recovers. */
  onFault?(e: unknown): void;
  retry?: BackoffOptions;
}

/** A plain non-negative decimal text starts with a digit; anything else ranks below every volume. */
function isPlainVolume(s: string): boolean {
  const c = s.charCodeAt(0);
  return c >= 48 && c <= 57;
}

/**
 * By value, for volumes checked by candleProblem (plain non-negative decimals). A text that
 * is not one (a sign, junk) never wins, so it can never replace a real volume.
 */
function volumeGreater(a: string, b: string): boolean {
  if (!isPlainVolume(a)) return false;
  if (!isPlainVolume(b)) return true;
  return cmpPlain(a, b) > 0;
}

export class CandleFlow {
  /** Open time and volume of the last candle emitted. */
  private lastTime: number | undefined;
  private lastVolume = '0';
  private filling = false;
  private gen = 0;
  private readonly buffer = new Map<number, Candle>();
  private settle: number | undefined;
  private stopped = false;
  private wake: (() => void) | undefined;

  constructor(
    readonly key: CandleKey,
    /** Open time of the period the subscription started in: the fill's floor before any candle. */
    private readonly since: number,
    private readonly deps: CandleFlowDeps,
  ) {}

  get isFilling(): boolean {
    return this.filling;
  }

  get lastCandleTime(): number | undefined {
    return this.lastTime;
  }

  /** A candle from the stream. */
  onLive(c: Candle): void {
    if (this.filling) {
      this.hold(c);
      return;
    }
    const settle = this.settle;
    if (settle !== undefined) {
      if (c.time === settle) this.settle = undefined;
      else if (c.time > settle) {
        this.settle = undefined;
        this.hold(c);
        this.startFill(settle);
        return;
      }
    }
    this.offer(c);
  }

  /** The stream carrying this key ended: hold live candles until the next fill. */
  streamLost(): void {
    this.gen += 1;
    this.setFilling(true);
    this.wake?.();
  }

  /** The venue confirmed the subscription on a (new) stream: fill from the last candle seen. */
  confirmed(): void {
    this.startFill(this.lastTime ?? this.since);
  }

  stop(): void {
    this.stopped = true;
    this.gen += 1;
    this.buffer.clear();
    this.wake?.();
  }

  private startFill(fromSec: number): void {
    const g = ++this.gen;
    this.wake?.();
    this.setFilling(true);
    this.runFill(g, fromSec).catch((e: unknown) => {
      if (this.deps.onFault) this.deps.onFault(e);
    });
  }

  private hold(c: Candle): void {
    const prev = this.buffer.get(c.time);
    if (!prev || volumeGreater(c.volume, prev.volume)) this.buffer.set(c.time, c);
  }

  private offer(c: Candle): void {
    const last = this.lastTime;
    if (last === undefined || c.time > last || (c.time === last && volumeGreater(c.volume, this.lastVolume))) {
      this.lastTime = c.time;
      this.lastVolume = c.volume;
      this.deps.emit(c);
    }
  }

  private live(g: number): boolean {
    return !this.stopped && g === this.gen;
  }

  private async runFill(g: number, fromSec: number): Promise<void> {
    const backoff = new Backoff(this.deps.retry ?? { baseMs: 250, maxMs: 10_000 });
    let from = fromSec;
    for (;;) {
      if (!this.live(g)) return;
      const nowSec = Math.floor(this.deps.now() / 1000);
      const toSec = nowSec + 1;
      let hist: Candle[];
      try {
        hist = await this.deps.fetch(from, toSec);
      } catch (e) {
        if (!this.live(g)) return;
        const err = toVenueError(e);
        this.deps.onFillError(err);
        if (!isRetryable(err)) {
          // Nothing to gain from asking again; show what the stream gives.
          this.finish(false);
          return;
        }
        await this.sleep(Math.max(backoff.next(), err.retryAfterMs ?? 0));
        continue;
      }
      if (!this.live(g)) return;
      for (const c of hist) this.offer(c);
      const forming = candleOpen(nowSec, this.key.interval);
      const sawForming = (hist.length > 0 && hist[hist.length - 1]!.time >= forming) || this.buffer.has(forming);
      if (!sawForming) {
        let newest = -Infinity;
        for (const t of this.buffer.keys()) if (t > newest) newest = t;
        if (newest > forming) {
          // The period closed while we fetched, and later ones are here: fetch it closed now.
          from = forming;
          continue;
        }
        this.settle = forming;
      } else {
        this.settle = undefined;
      }
      this.finish(true);
      return;
    }
  }

  /** Flushes held live candles in time order and returns to pass-through. */
  private finish(complete: boolean): void {
    const held = [...this.buffer.values()].sort((a, b) => a.time - b.time);
    this.buffer.clear();
    for (const c of held) this.offer(c);
    this.setFilling(false, complete);
  }

  private setFilling(on: boolean, complete = true): void {
    if (this.filling === on) return;
    this.filling = on;
    this.deps.onFilling?.(on, complete);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const t = setTimeout(done, ms);
      function done(): void {
        clearTimeout(t);
        resolve();
      }
      this.wake = () => {
        this.wake = undefined;
        done();
      };
    });
  }
}
