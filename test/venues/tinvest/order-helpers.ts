/**
 * Helpers for the T-Invest order tests: a local venue whose market moves only when a test
 * prints a trade, our adapter pointed at it with fast retry pacing, order requests, and the
 * comparison of what the adapter last reported against the venue's own record.
 */
import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import type { Order, OrderRequest, OrderStatus } from '../../../common/domain.js';
import { formatScaled } from '../../../common/decimal.js';
import { createTInvestVenue } from '../../../electron/venues/tinvest/adapter.js';
import type { TInvestVenue, TInvestVenueOptions } from '../../../electron/venues/tinvest/adapter.js';
import { Market } from '../../../sim/market.js';
import { startTInvestSim } from '../../../sim/tinvest/server.js';
import type { SimInstrument, SimOrderRecord, TInvestSim, TInvestSimOptions } from '../../../sim/tinvest/server.js';
import type { RecordingSink } from './helpers.js';

export interface OrderVenue {
  sim: TInvestSim;
  market: Market;
  sber: SimInstrument;
  lkoh: SimInstrument;
  /** SBER's last price as decimal text (step 0.01, lot 10). */
  sberLast(): string;
  /** A market trade of SBER at `price` for `lots` lots. */
  printSber(price: string, lots: number): void;
  close(): Promise<void>;
}

/** SBER (lot 10, step 0.01) and LKOH (lot 1, step 0.5) on a market that trades only when told. */
export async function startOrderVenue(opts: Partial<TInvestSimOptions> = {}): Promise<OrderVenue> {
  const clock = Date.now();
  const market = new Market({
    seed: 91,
    now: () => clock,
    historySeconds: 600,
    symbols: [
      { symbol: 'SBER', startPrice: '300.00', priceStep: '0.01', qtyStep: '1' },
      { symbol: 'LKOH', startPrice: '6950.0', priceStep: '0.5', qtyStep: '1' },
    ],
  });
  const sim = await startTInvestSim({ seed: 9, market, now: () => clock, cash: '100000000', ...opts });
  const find = (t: string): SimInstrument => sim.instruments.find((i) => i.ticker === t) ?? expect.unreachable(t);
  return {
    sim,
    market,
    sber: find('SBER'),
    lkoh: find('LKOH'),
    sberLast: () => formatScaled(market.lastPrice('SBER'), 2),
    printSber: (price, lots) => {
      market.printTrade('SBER', BigInt(price.replace('.', '')), BigInt(lots), 'sell');
    },
    close: () => sim.close(),
  };
}

/** Our adapter against the local venue, with retry and reconnect pacing short enough for tests. */
export function orderAdapter(sim: TInvestSim, sink: RecordingSink, extra: Partial<TInvestVenueOptions> = {}): TInvestVenue {
  return createTInvestVenue({
    endpoint: sim.endpoint,
    token: sim.token,
    mode: 'demo',
    tls: false,
    sink,
    // Order faults open the OrdersService breaker; a short open time keeps the tests quick.
    breaker: { openMs: 300 },
    ...extra,
    trading: {
      pingDelayMs: 1_000,
      reconnect: { baseMs: 20, maxMs: 200 },
      retry: { backoff: { baseMs: 20, maxMs: 200 } },
      resolve: { backoff: { baseMs: 50, maxMs: 300 }, notFoundAfterMs: 500 },
      commandDeadlineMs: 1_000,
      ...(extra.trading ?? {}),
    },
  });
}

export function orderRequest(accountId: string, instrumentId: string, fields: Partial<OrderRequest> = {}): OrderRequest {
  return {
    venue: 'tinvest',
    accountId,
    instrumentId,
    side: 'buy',
    type: 'limit',
    quantity: '1',
    price: '150.00',
    clientOrderId: randomUUID(),
    ...fields,
  };
}

/** The last update the adapter emitted for each client key. */
export function lastOrders(sink: RecordingSink): Map<string, Order> {
  const out = new Map<string, Order>();
  for (const u of sink.orders) out.set(u.order.clientOrderId, u.order);
  return out;
}

const STATUS: Record<SimOrderRecord['status'], OrderStatus> = {
  NEW: 'open',
  PARTIALLYFILL: 'partially-filled',
  FILL: 'filled',
  CANCELLED: 'cancelled',
  REJECTED: 'rejected',
};

/** What the venue's record says an order's domain state is. */
export function expected(r: SimOrderRecord): Pick<Order, 'clientOrderId' | 'venueOrderId' | 'status' | 'filledQuantity'> & { tradeIds: string[] } {
  return {
    clientOrderId: r.requestKey,
    venueOrderId: r.orderId,
    status: STATUS[r.status],
    filledQuantity: r.lotsExecuted.toString(),
    tradeIds: r.fills.map((f) => f.tradeId).sort(),
  };
}

export function observed(o: Order | undefined): ReturnType<typeof expected> | undefined {
  if (!o) return undefined;
  return {
    clientOrderId: o.clientOrderId,
    venueOrderId: o.venueOrderId ?? '',
    status: o.status,
    filledQuantity: o.filledQuantity,
    tradeIds: o.fills.map((f) => f.tradeId).sort(),
  };
}

/** True when the adapter's last word on every order of the account is the venue's record. */
export function agrees(sim: TInvestSim, sink: RecordingSink, accountId: string): boolean {
  return agreeing(sim, sink, accountId) === sim.stats.ordersOf(accountId).length;
}

/** How many orders of the account the adapter's last word matches the venue's record on. */
export function agreeing(sim: TInvestSim, sink: RecordingSink, accountId: string): number {
  const last = lastOrders(sink);
  return sim.stats.ordersOf(accountId).filter((r) => JSON.stringify(observed(last.get(r.requestKey))) === JSON.stringify(expected(r))).length;
}

export function expectAgreement(sim: TInvestSim, sink: RecordingSink, accountId: string): void {
  const last = lastOrders(sink);
  const records = sim.stats.ordersOf(accountId);
  expect(records.map((r) => observed(last.get(r.requestKey)))).toEqual(records.map(expected));
}
