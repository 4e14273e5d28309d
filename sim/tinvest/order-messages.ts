/**
 * Wire messages of an order: PostOrderResponse, OrderState (GetOrderState/GetOrders), the
 * nested OrderStateStreamResponse.OrderState and TradesStream's OrderTrades. Field meanings
 * follow the venue notes §2.4: order prices are price × lot × lots; OrderStage quantities
 * are lots; OrderTrade quantities are pieces.
 */
import type { OrderFill, SimOrder } from './orders.js';
import { lotsLeft } from './orders.js';
import { NANO_SCALE, timestampOfMs, toMoney, toQuotation } from './wire.js';
import type { MoneyValue, Quotation } from './wire.js';

export function money(nanos: bigint, currency = 'rub'): MoneyValue {
  return toMoney(nanos, NANO_SCALE, currency);
}

export function quotation(nanos: bigint): Quotation {
  return toQuotation(nanos, NANO_SCALE);
}

export type CommissionOf = (amountNanos: bigint) => bigint;

interface OrderSums {
  initialAmount: bigint;
  initialCommission: bigint;
  executedAmount: bigint;
  executedCommission: bigint;
  /** Average executed price per piece; 0 before the first fill. */
  averagePrice: bigint;
  /** Executed amount with commission once something executed, else the initial amount with its commission. */
  total: bigint;
}

export function orderSums(o: SimOrder, commissionOf: CommissionOf): OrderSums {
  const lot = BigInt(o.instrument.lot);
  const initialAmount = o.priceNanos * o.lotsRequested * lot;
  const initialCommission = commissionOf(initialAmount);
  let executedAmount = 0n;
  let executedCommission = 0n;
  for (const f of o.fills) {
    executedAmount += f.priceNanos * f.lots * lot;
    executedCommission += f.commissionNanos;
  }
  const executedPieces = o.lotsExecuted * lot;
  return {
    initialAmount,
    initialCommission,
    executedAmount,
    executedCommission,
    averagePrice: executedPieces > 0n ? executedAmount / executedPieces : 0n,
    total: executedPieces > 0n ? executedAmount + executedCommission : initialAmount + initialCommission,
  };
}

/** PostOrderResponse (also ReplaceOrder's answer). */
export function postOrderResponse(o: SimOrder, commissionOf: CommissionOf, meta: { trackingId: string; nowMs: number }): Record<string, unknown> {
  const s = orderSums(o, commissionOf);
  const i = o.instrument;
  return {
    order_id: o.orderId,
    execution_report_status: o.status,
    lots_requested: o.lotsRequested.toString(),
    lots_executed: o.lotsExecuted.toString(),
    initial_order_price: money(s.initialAmount),
    // In the current contract this one is the average price of one security, unlike OrderState's.
    executed_order_price: money(s.averagePrice),
    total_order_amount: money(s.total),
    initial_commission: money(s.initialCommission),
    executed_commission: money(s.executedCommission),
    aci_value: money(0n),
    figi: i.figi,
    direction: o.direction,
    initial_security_price: money(o.priceNanos),
    order_type: o.orderType,
    message: '',
    initial_order_price_pt: quotation(s.initialAmount),
    instrument_uid: i.uid,
    ticker: i.ticker,
    class_code: i.classCode,
    order_request_id: o.requestKey,
    response_metadata: { tracking_id: meta.trackingId, server_time: timestampOfMs(meta.nowMs) },
  };
}

/** The top-level OrderState (GetOrderState, GetOrders). */
export function orderState(o: SimOrder, commissionOf: CommissionOf): Record<string, unknown> {
  const s = orderSums(o, commissionOf);
  const i = o.instrument;
  return {
    order_id: o.orderId,
    execution_report_status: o.status,
    lots_requested: o.lotsRequested.toString(),
    lots_executed: o.lotsExecuted.toString(),
    initial_order_price: money(s.initialAmount),
    executed_order_price: money(s.executedAmount),
    total_order_amount: money(s.total),
    average_position_price: money(s.averagePrice),
    initial_commission: money(s.initialCommission),
    executed_commission: money(s.executedCommission),
    figi: i.figi,
    direction: o.direction,
    initial_security_price: money(o.priceNanos),
    stages: o.fills.map((f) => ({ price: money(f.priceNanos), quantity: f.lots.toString(), trade_id: f.tradeId, execution_time: timestampOfMs(f.timeMs) })),
    service_commission: money(0n),
    currency: i.currency,
    order_type: o.orderType,
    order_date: timestampOfMs(o.createdMs),
    instrument_uid: i.uid,
    order_request_id: o.requestKey,
    ticker: i.ticker,
    class_code: i.classCode,
  };
}

/** OrderTrade: quantity in pieces. */
function orderTrade(o: SimOrder, f: OrderFill): Record<string, unknown> {
  return {
    date_time: timestampOfMs(f.timeMs),
    price: quotation(f.priceNanos),
    quantity: (f.lots * BigInt(o.instrument.lot)).toString(),
    trade_id: f.tradeId,
  };
}

/** OrderStateStreamResponse.OrderState for one change; `fills` are the executions of this change. */
export function streamOrderState(o: SimOrder, fills: readonly OrderFill[], commissionOf: CommissionOf): Record<string, unknown> {
  const s = orderSums(o, commissionOf);
  const i = o.instrument;
  return {
    order_id: o.orderId,
    order_request_id: o.requestKey,
    client_code: `SIM${o.accountId.replace(/\D/g, '').slice(-6).padStart(6, '0')}`,
    created_at: timestampOfMs(o.createdMs),
    execution_report_status: o.status,
    ...(o.cause !== 0 ? { status_info: o.cause } : {}),
    ticker: i.ticker,
    class_code: i.classCode,
    lot_size: i.lot,
    direction: o.direction,
    time_in_force: o.timeInForce,
    order_type: o.orderType,
    account_id: o.accountId,
    initial_order_price: money(s.initialAmount),
    order_price: money(o.priceNanos),
    executed_order_price: money(s.executedAmount),
    currency: i.currency,
    lots_requested: o.lotsRequested.toString(),
    lots_executed: o.lotsExecuted.toString(),
    lots_left: lotsLeft(o).toString(),
    lots_cancelled: o.lotsCancelled.toString(),
    trades: fills.map((f) => orderTrade(o, f)),
    ...(o.completedMs !== undefined ? { completion_time: timestampOfMs(o.completedMs) } : {}),
    exchange: 'MOEX',
    instrument_uid: i.uid,
  };
}

/** TradesStream's OrderTrades for the executions of one change. */
export function orderTrades(o: SimOrder, fills: readonly OrderFill[]): Record<string, unknown> {
  const i = o.instrument;
  return {
    order_id: o.orderId,
    created_at: timestampOfMs(fills[0]?.timeMs ?? o.createdMs),
    direction: o.direction,
    figi: i.figi,
    trades: fills.map((f) => orderTrade(o, f)),
    account_id: o.accountId,
    instrument_uid: i.uid,
  };
}
