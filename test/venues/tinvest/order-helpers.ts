/**
 * Helpers for the T-Invest order tests: a local venue whose market moves only when a test
 * prints a trade, our adapter pointed at it with fast retry pacing, order requests, and the
 * comparison of the evidence the adapter reported against the venue's own record.
 */
import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import type { Order, OrderEvidence, OrderRequest, OrderStatus } from '../../../common/domain.js';
import { FINAL_ORDER_STATUSES } from '../../../common/domain.js';
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

/**
 * Our adapter against the local venue, with retry and reconnect pacing short enough for tests.
 * What its order calls resolve with is recorded in `sink.answers`, as the core would see it.
 */
export function orderAdapter(sim: TInvestSim, sink: RecordingSink, extra: Partial<TInvestVenueOptions> = {}): TInvestVenue {
  const venue = createTInvestVenue({
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
      resolve: { notFoundAfterMs: 500 },
      commandDeadlineMs: 1_000,
      ...(extra.trading ?? {}),
    },
  });
  const place = venue.placeOrder.bind(venue);
  const cancel = venue.cancelOrder.bind(venue);
  const replace = venue.replaceOrder.bind(venue);
  const resolve = venue.resolveOrder.bind(venue);
  const open = venue.openOrders.bind(venue);
  const noted = (ev: OrderEvidence): OrderEvidence => {
    sink.answer(ev);
    return ev;
  };
  venue.placeOrder = async (req) => noted(await place(req));
  venue.cancelOrder = async (a, k, id) => noted(await cancel(a, k, id));
  venue.replaceOrder = async (a, k, c, n) => noted(await replace(a, k, c, n));
  venue.resolveOrder = async (a, k, h) => noted(await resolve(a, k, h));
  venue.openOrders = async (a) => (await open(a)).map(noted);
  return venue;
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

/** Every piece of evidence the adapter gave about each client key (sink and answers), in order. */
export function evidenceByKey(sink: RecordingSink): Map<string, OrderEvidence[]> {
  const out = new Map<string, OrderEvidence[]>();
  for (const ev of sink.evidence()) {
    const list = out.get(ev.clientOrderId);
    if (list) list.push(ev);
    else out.set(ev.clientOrderId, [ev]);
  }
  return out;
}

/** The statuses the evidence of one key reported, in order. */
export function statusesOf(sink: RecordingSink, key: string): string[] {
  return (evidenceByKey(sink).get(key) ?? []).map((ev) => ev.status ?? ev.kind);
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

/**
 * What the evidence of one order adds up to, for comparing with the venue's record: the exchange
 * id it named (every piece must agree), the final statuses it reported (only one may appear;
 * without one, open or partially filled by the lots it said executed), the most lots it said
 * executed, and every trade id it reported. Not a state machine: a check that the evidence is
 * complete and never contradicts itself.
 */
export function observed(evs: readonly OrderEvidence[] | undefined): ReturnType<typeof expected> | undefined {
  if (!evs || evs.length === 0) return undefined;
  const ids = new Set(evs.flatMap((ev) => (ev.venueOrderId === undefined ? [] : [ev.venueOrderId])));
  const finals = new Set(evs.flatMap((ev) => (ev.status !== undefined && FINAL_ORDER_STATUSES.has(ev.status) ? [ev.status] : [])));
  let filled = 0n;
  for (const ev of evs) if (ev.filledQuantity !== undefined && BigInt(ev.filledQuantity) > filled) filled = BigInt(ev.filledQuantity);
  const trades = new Set(evs.flatMap((ev) => (ev.fills ?? []).map((f) => f.tradeId)));
  const status = finals.size > 0 ? ([...finals].sort().join('|') as OrderStatus) : filled > 0n ? 'partially-filled' : 'open';
  return {
    clientOrderId: evs[0]?.clientOrderId ?? '',
    venueOrderId: [...ids].sort().join('|'),
    status,
    filledQuantity: filled.toString(),
    tradeIds: [...trades].sort(),
  };
}

/** True when the adapter's evidence on every order of the account adds up to the venue's record. */
export function agrees(sim: TInvestSim, sink: RecordingSink, accountId: string): boolean {
  return agreeing(sim, sink, accountId) === sim.stats.ordersOf(accountId).length;
}

/** How many orders of the account the adapter's evidence adds up to the venue's record on. */
export function agreeing(sim: TInvestSim, sink: RecordingSink, accountId: string): number {
  const by = evidenceByKey(sink);
  return sim.stats.ordersOf(accountId).filter((r) => JSON.stringify(observed(by.get(r.requestKey))) === JSON.stringify(expected(r))).length;
}

export function expectAgreement(sim: TInvestSim, sink: RecordingSink, accountId: string): void {
  const by = evidenceByKey(sink);
  const records = sim.stats.ordersOf(accountId);
  expect(records.map((r) => observed(by.get(r.requestKey)))).toEqual(records.map(expected));
}
