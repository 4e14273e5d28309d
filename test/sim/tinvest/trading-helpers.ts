/**
 * A fresh local venue per test for the order tests: its own market on a test clock (trades
 * happen only when a test prints or advances them), a raw client, and the wire shapes of
 * the order, operations and sandbox messages as the loader decodes them.
 */
import { randomUUID } from 'node:crypto';
import type { ServiceError } from '@grpc/grpc-js';
import { Market } from '../../../sim/market.js';
import { startTInvestSim } from '../../../sim/tinvest/server.js';
import type { TInvestSim, TInvestSimOptions } from '../../../sim/tinvest/server.js';
import { RawClient } from './helpers.js';
import type { Q, TS } from './helpers.js';

export interface MoneyMsg extends Q {
  currency: string;
}

export interface PostOrderResponseMsg {
  order_id: string;
  execution_report_status: number;
  lots_requested: string;
  lots_executed: string;
  initial_order_price: MoneyMsg;
  executed_order_price: MoneyMsg;
  total_order_amount: MoneyMsg;
  initial_commission: MoneyMsg;
  executed_commission: MoneyMsg;
  figi: string;
  direction: number;
  initial_security_price: MoneyMsg;
  order_type: number;
  message: string;
  instrument_uid: string;
  ticker: string;
  class_code: string;
  order_request_id: string;
  response_metadata: { tracking_id: string; server_time: TS };
}

export interface OrderStateMsg {
  order_id: string;
  execution_report_status: number;
  lots_requested: string;
  lots_executed: string;
  initial_order_price: MoneyMsg;
  executed_order_price: MoneyMsg;
  total_order_amount: MoneyMsg;
  average_position_price: MoneyMsg;
  initial_commission: MoneyMsg;
  executed_commission: MoneyMsg;
  figi: string;
  direction: number;
  initial_security_price: MoneyMsg;
  stages: { price: MoneyMsg; quantity: string; trade_id: string; execution_time: TS }[];
  currency: string;
  order_type: number;
  order_date: TS;
  instrument_uid: string;
  order_request_id: string;
}

export interface OrderTradeMsg {
  date_time: TS;
  price: Q;
  quantity: string;
  trade_id: string;
}

export interface StreamOrderStateMsg {
  order_id: string;
  order_request_id: string;
  execution_report_status: number;
  status_info?: number | null;
  ticker: string;
  lot_size: number;
  direction: number;
  order_type: number;
  account_id: string;
  initial_order_price: MoneyMsg;
  order_price: MoneyMsg;
  lots_requested: string;
  lots_executed: string;
  lots_left: string;
  lots_cancelled: string;
  trades: OrderTradeMsg[];
  completion_time: TS | null;
  instrument_uid: string;
}

export interface SubscriptionMsg {
  tracking_id: string;
  status: number;
  stream_id: string;
  accounts: string[];
}

export interface OrderStateStreamMsg {
  payload?: string;
  order_state?: StreamOrderStateMsg;
  ping?: { time: TS; stream_id: string };
  subscription?: SubscriptionMsg;
}

export interface TradesStreamMsg {
  payload?: string;
  order_trades?: { order_id: string; direction: number; figi: string; trades: OrderTradeMsg[]; account_id: string; instrument_uid: string };
  ping?: { time: TS; stream_id: string };
  subscription?: SubscriptionMsg;
}

export interface PositionsMsg {
  money: MoneyMsg[];
  blocked: MoneyMsg[];
  securities: { figi: string; blocked: string; balance: string; instrument_uid: string; ticker: string }[];
  account_id: string;
}

export interface PortfolioMsg {
  total_amount_shares: MoneyMsg;
  total_amount_currencies: MoneyMsg;
  total_amount_portfolio: MoneyMsg;
  positions: {
    figi: string;
    quantity: Q;
    average_position_price: MoneyMsg;
    current_price: MoneyMsg;
    quantity_lots: Q;
    blocked: boolean;
    blocked_lots: Q;
    instrument_uid: string;
  }[];
  account_id: string;
}

/** A Quotation or MoneyValue as nanos (value × 10^9), exactly. */
export function nanos(q: Q | null | undefined): bigint {
  if (!q) throw new Error('no value');
  return BigInt(q.units) * 1_000_000_000n + BigInt(q.nano);
}

/** A price in kopecks (scale 2) as a Quotation. */
export function kopecks(k: bigint): Q {
  return { units: (k / 100n).toString(), nano: Number(k % 100n) * 10_000_000 };
}

export function key(): string {
  return randomUUID();
}

export async function rejection(p: Promise<unknown>): Promise<ServiceError> {
  try {
    await p;
  } catch (e) {
    return e as ServiceError;
  }
  throw new Error('the call succeeded');
}

export interface TradingVenue {
  sim: TInvestSim;
  market: Market;
  client: RawClient;
  /** Last SBER price in kopecks. */
  sberLast(): bigint;
  /** A market trade of SBER at `kop` kopecks for `lots` lots, now on the test clock. */
  printSber(kop: bigint, lots: bigint): void;
  close(): Promise<void>;
}

/** SBER (lot 10, step 0.01) and LKOH (lot 1, step 0.5) on a market that moves only when told. */
export async function startTradingVenue(opts: Partial<TInvestSimOptions> = {}): Promise<TradingVenue> {
  const clock = Date.now();
  const market = new Market({
    seed: 77,
    now: () => clock,
    historySeconds: 600,
    symbols: [
      // Start prices at the tick's scale: the market reads their digits as ticks.
      { symbol: 'SBER', startPrice: '300.00', priceStep: '0.01', qtyStep: '1' },
      { symbol: 'LKOH', startPrice: '6950.0', priceStep: '0.5', qtyStep: '1' },
    ],
  });
  const sim = await startTInvestSim({ seed: 7, market, now: () => clock, ...opts });
  const client = new RawClient(sim.endpoint, sim.token);
  return {
    sim,
    market,
    client,
    sberLast: () => market.lastPrice('SBER'),
    printSber: (kop, lots) => {
      market.printTrade('SBER', kop, lots, 'sell');
    },
    close: async () => {
      client.close();
      await sim.close();
    },
  };
}
