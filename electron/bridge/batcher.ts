/**
 * The coalescer between the hub and one client. Candles are hot: only the latest state of each
 * bar (venue+instrument+interval+open time) crosses, so a bar's final state and any gap
 * backfill survive even when the next bar starts within the same window. Order updates and connection events are every event, in
 * order, never dropped. A sequenced batch goes out at most once per interval and only when
 * something changed, so the renderer can apply one batch per frame and notice a gap.
 */
import type { Candle, Order } from '../domain.js';
import { candleKeyId } from '../domain.js';
import type { ConnectionEvent, PushBatch } from '../contract.js';

/** Within the 16–50 ms the house plan allows: under two frames at 60 Hz. */
export const BATCH_INTERVAL_MS = 25;

export interface BatcherOptions {
  send: (batch: PushBatch) => void;
  intervalMs?: number;
}

export class Batcher {
  private lastSeq = 0;
  private candles = new Map<string, Candle>();
  private orders: Order[] = [];
  private connections: ConnectionEvent[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;
  private readonly send: (batch: PushBatch) => void;
  private readonly intervalMs: number;

  constructor(opts: BatcherOptions) {
    this.send = opts.send;
    this.intervalMs = opts.intervalMs ?? BATCH_INTERVAL_MS;
  }

  /** The seq of the last batch sent (0 before the first). */
  get seq(): number {
    return this.lastSeq;
  }

  get pending(): boolean {
    return this.candles.size > 0 || this.orders.length > 0 || this.connections.length > 0;
  }

  candle(c: Candle): void {
    const id = `${candleKeyId(c)}|${c.time}`;
    this.candles.delete(id);
    this.candles.set(id, c);
    this.schedule();
  }

  order(o: Order): void {
    this.orders.push(o);
    this.schedule();
  }

  connection(e: ConnectionEvent): void {
    this.connections.push(e);
    this.schedule();
  }

  /** Sends what is pending now, if anything; returns the batch sent. */
  flush(): PushBatch | undefined {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.stopped || !this.pending) return undefined;
    this.lastSeq += 1;
    const batch: PushBatch = {
      seq: this.lastSeq,
      // Oldest bar first, so a chart can apply them in order (a bar never goes back in time).
      candles: [...this.candles.values()].sort((a, b) => a.time - b.time),
      orders: this.orders,
      connections: this.connections,
    };
    this.candles = new Map();
    this.orders = [];
    this.connections = [];
    this.send(batch);
    return batch;
  }

  /** Stops the timer and drops whatever is pending: the client is gone. */
  close(): void {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.candles.clear();
    this.orders = [];
    this.connections = [];
  }

  private schedule(): void {
    if (this.timer !== undefined || this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flush();
    }, this.intervalMs);
    this.timer.unref?.();
  }
}
