/**
 * One order stream of the local venue: OrderStateStream (every change of every order of
 * the chosen accounts: new, partial fill, fill, cancel, reject) or TradesStream (executions
 * only, quantities in pieces). Both open with a SubscriptionResponse and ping after idle time.
 */
import { randomUUID } from 'node:crypto';
import type { CommissionOf } from './order-messages.js';
import { orderTrades, streamOrderState } from './order-messages.js';
import type { OrderEvent } from './orders.js';
import { ResultSubscriptionStatus, timestampOfMs, trackingId } from './wire.js';
import type { VenueError } from './wire.js';
import { IdlePinger } from './idle-pinger.js';

export type OrderStreamMethod = 'OrderStateStream' | 'TradesStream';

export const ORDER_STREAM_PING_DEFAULT_MS = 120_000;
/** Ping delay ranges from the venue notes §2.4: TradesStream 5–180 s, OrderStateStream 1–120 s. */
const PING_RANGE: Record<OrderStreamMethod, readonly [number, number]> = {
  TradesStream: [5_000, 180_000],
  OrderStateStream: [1_000, 120_000],
};

export function orderStreamPingDelay(method: OrderStreamMethod, requested: number | null | undefined): number {
  if (requested == null || requested === 0) return ORDER_STREAM_PING_DEFAULT_MS;
  const [min, max] = PING_RANGE[method];
  return Math.min(max, Math.max(min, requested));
}

export interface OrderStreamHost {
  now(): number;
  /** True while the fault "stall" is on: nothing is sent, nothing is closed. */
  stalled(): boolean;
  onSent(kind: string): void;
  commissionOf: CommissionOf;
}

/** A read-only view of an order stream, for tests and diagnostics. */
export interface OrderStreamInfo {
  streamId: string;
  method: OrderStreamMethod;
  /** Empty = every account. */
  accounts: string[];
  pingDelayMs: number;
}

export class OrderStreamSession {
  readonly streamId = randomUUID();
  private readonly pinger: IdlePinger;
  private closed = false;

  constructor(
    private readonly host: OrderStreamHost,
    readonly method: OrderStreamMethod,
    /** Empty = every account of the token. */
    private readonly accounts: readonly string[],
    private readonly pingDelayMs: number,
    private readonly write: (msg: Record<string, unknown>) => void,
    /** Ends the call: OK when `err` is undefined. */
    private readonly finish: (err: VenueError | undefined) => void,
  ) {
    this.pinger = new IdlePinger(pingDelayMs, () =>
      this.send({ ping: { time: timestampOfMs(this.host.now()), stream_id: this.streamId } }, 'ping'),
    );
  }

  /** The first message: the subscription result, then pings while idle. */
  start(): void {
    this.send(
      { subscription: { tracking_id: trackingId(), status: ResultSubscriptionStatus.OK, stream_id: this.streamId, accounts: [...this.accounts] } },
      'order_subscription',
    );
    this.pinger.start();
  }

  onOrderEvent(e: OrderEvent): void {
    if (this.closed) return;
    if (this.accounts.length > 0 && !this.accounts.includes(e.order.accountId)) return;
    if (this.method === 'OrderStateStream') {
      this.send({ order_state: streamOrderState(e.order, e.fills, this.host.commissionOf) }, 'order_state');
    } else if (e.fills.length > 0) {
      this.send({ order_trades: orderTrades(e.order, e.fills) }, 'order_trades');
    }
  }

  private send(msg: Record<string, unknown>, kind: string): void {
    if (this.closed || this.host.stalled()) return;
    this.write(msg);
    this.host.onSent(kind);
    this.pinger.wrote();
  }

  end(err?: VenueError): void {
    if (this.closed) return;
    this.dispose();
    this.finish(err);
  }

  dispose(): void {
    this.closed = true;
    this.pinger.stop();
  }

  info(): OrderStreamInfo {
    return { streamId: this.streamId, method: this.method, accounts: [...this.accounts], pingDelayMs: this.pingDelayMs };
  }
}
