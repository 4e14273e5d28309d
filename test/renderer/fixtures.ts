/** Small builders shared by the renderer tests. */
import type { PushBatch, Snapshot, VenueSummary } from '../../electron/contract.js';
import type { Candle, Instrument, Order } from '../../common/domain.js';

export function candle(time: number, close: string, over: Partial<Candle> = {}): Candle {
  return {
    venue: 'kraken',
    instrumentId: 'XXBTZUSD',
    interval: '1m',
    time,
    open: '100',
    high: '110',
    low: '90',
    close,
    volume: '2.5',
    ...over,
  };
}

export function batch(seq: number, over: Partial<PushBatch> = {}): PushBatch {
  return { seq, candles: [], orders: [], connections: [], ...over };
}

export function venue(over: Partial<VenueSummary> = {}): VenueSummary {
  return { id: 'kraken', name: 'Kraken', mode: 'demo', state: 'live', accounts: [], intervals: ['1m', '5m'], bookDepths: [10], orderTypes: ['limit', 'market'], timeInForce: ['gtc'], ...over };
}

export function snapshot(seq: number, over: Partial<Snapshot> = {}): Snapshot {
  return { seq, venues: [venue()], candles: [], orders: [], subscriptionFailures: [], books: [], quotes: [], ...over };
}

export function instrument(id: string, symbol: string, over: Partial<Instrument> = {}): Instrument {
  return {
    venue: 'kraken',
    id,
    symbol,
    name: symbol,
    currency: 'usd',
    priceStep: '0.1',
    qtyStep: '0.0001',
    lotSize: '1',
    qtyUnit: 'base',
    minQty: '0.0001',
    tradable: true,
    codes: {},
    ...over,
  };
}

/** A promise with its resolver outside, to control when an answer arrives. */
export function deferred<T>(): { promise: Promise<T>; resolve(value: T): void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** Lets pending promise callbacks run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}

/** A working Kraken limit order. */
export function anOrder(over: Partial<Order> = {}): Order {
  return {
    venue: 'kraken',
    accountId: 'spot',
    clientOrderId: '00000000-0000-4000-8000-000000000001',
    instrumentId: 'XXBTZUSD',
    side: 'buy',
    type: 'limit',
    quantity: '0.01',
    price: '50000.0',
    status: 'open',
    filledQuantity: '0',
    fills: [],
    createdAt: 1000,
    updatedAt: 1000,
    ...over,
  };
}
