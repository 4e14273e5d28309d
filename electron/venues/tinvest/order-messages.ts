/**
 * Shapes of the order, order-stream, operations and sandbox messages (§2.4, §2.7, §2.8) as
 * proto-loader gives and takes them with the options in proto.ts: camelCase, int64 as decimal
 * text, enums as numbers, unset messages as null, proto3 `optional` fields absent when unset.
 * Only fields we read or send are listed.
 */
import type { Timestamp } from './messages.js';
import type { MoneyValue, Quotation } from './quotation.js';

export interface ResponseMetadataMsg {
  trackingId: string;
  serverTime: Timestamp | null;
}

export interface PostOrderRequest {
  /** Lots, as int64 text. */
  quantity: string;
  /** Per one security; only for limit orders. */
  price?: Quotation;
  direction: number;
  accountId: string;
  orderType: number;
  /** The client idempotency key (§4.6), not the exchange id. */
  orderId: string;
  instrumentId: string;
  timeInForce: number;
}

export interface PostOrderResponse {
  /** The exchange order id. */
  orderId: string;
  executionReportStatus: number;
  lotsRequested: string;
  lotsExecuted: string;
  /** Average price of one security over what executed. */
  executedOrderPrice: MoneyValue | null;
  initialSecurityPrice: MoneyValue | null;
  direction: number;
  orderType: number;
  message: string;
  instrumentUid: string;
  /** Echo of the client key. */
  orderRequestId: string;
  responseMetadata: ResponseMetadataMsg | null;
}

export interface ReplaceOrderRequest {
  accountId: string;
  /** Exchange id of the order replaced. */
  orderId: string;
  /** The new order's client key. */
  idempotencyKey: string;
  quantity: string;
  price?: Quotation;
}

export interface CancelOrderRequest {
  accountId: string;
  orderId: string;
  orderIdType?: number;
}

export interface CancelOrderResponse {
  time: Timestamp | null;
  responseMetadata: ResponseMetadataMsg | null;
}

export interface GetOrderStateRequest {
  accountId: string;
  orderId: string;
  orderIdType?: number;
}

/** One execution in a unary OrderState; quantity in lots. */
export interface OrderStageMsg {
  price: MoneyValue | null;
  quantity: string;
  tradeId: string;
  executionTime: Timestamp | null;
}

/** The top-level OrderState (GetOrderState, GetOrders). */
export interface OrderStateMsg {
  orderId: string;
  executionReportStatus: number;
  lotsRequested: string;
  lotsExecuted: string;
  /** Average price of one security over what executed. */
  averagePositionPrice: MoneyValue | null;
  initialSecurityPrice: MoneyValue | null;
  direction: number;
  stages: OrderStageMsg[];
  currency: string;
  orderType: number;
  orderDate: Timestamp | null;
  instrumentUid: string;
  orderRequestId: string;
}

export interface GetOrdersRequest {
  accountId: string;
}

export interface GetOrdersResponse {
  orders: OrderStateMsg[];
}

// ---- OrderStateStream ----

export interface OrderStateStreamRequest {
  accounts: string[];
  pingDelayMillis: number;
}

/** One trade in a stream message; quantity in pieces, not lots. */
export interface OrderTradeMsg {
  dateTime: Timestamp | null;
  price: Quotation | null;
  quantity: string;
  tradeId: string;
}

/** The nested OrderStateStreamResponse.OrderState. */
export interface StreamOrderStateMsg {
  orderId: string;
  orderRequestId?: string;
  createdAt: Timestamp | null;
  executionReportStatus: number;
  statusInfo?: number;
  lotSize: number;
  direction: number;
  orderType: number;
  accountId: string;
  orderPrice: MoneyValue | null;
  lotsRequested: string;
  lotsExecuted: string;
  trades: OrderTradeMsg[];
  completionTime: Timestamp | null;
  instrumentUid: string;
}

export interface SubscriptionResponseMsg {
  trackingId: string;
  status: number;
  streamId: string;
  accounts: string[];
  error?: { code: string; message: string } | null;
}

export interface OrderStateStreamResponse {
  payload?: 'orderState' | 'ping' | 'subscription';
  orderState?: StreamOrderStateMsg | null;
  subscription?: SubscriptionResponseMsg | null;
}

// ---- OperationsService ----

export interface AccountRequest {
  accountId: string;
}

export interface PositionsSecuritiesMsg {
  figi: string;
  /** Pieces blocked by orders. */
  blocked: string;
  /** Pieces free, blocked ones excluded. */
  balance: string;
  instrumentUid: string;
  ticker: string;
}

export interface PositionsResponse {
  /** Free money per currency. */
  money: MoneyValue[];
  blocked: MoneyValue[];
  securities: PositionsSecuritiesMsg[];
}

export interface PortfolioPositionMsg {
  figi: string;
  instrumentType: string;
  /** Pieces. */
  quantity: Quotation | null;
  averagePositionPrice: MoneyValue | null;
  currentPrice: MoneyValue | null;
  instrumentUid: string;
  ticker: string;
}

export interface PortfolioResponse {
  positions: PortfolioPositionMsg[];
}

// ---- SandboxService ----

export interface OpenSandboxAccountRequest {
  name?: string;
}

export interface OpenSandboxAccountResponse {
  accountId: string;
}

export interface SandboxPayInRequest {
  accountId: string;
  amount: MoneyValue;
}

export interface SandboxPayInResponse {
  balance: MoneyValue | null;
}

export interface CloseSandboxAccountRequest {
  accountId: string;
}

// ---- OperationsService: the operations history by cursor (§10) ----

export interface GetOperationsByCursorRequest {
  accountId: string;
  from?: Timestamp;
  to?: Timestamp;
  cursor?: string;
  limit?: number;
  operationTypes?: number[];
}

export interface OperationItemTradeMsg {
  /** The trade number. */
  num: string;
  date: Timestamp | null;
  /** Pieces. */
  quantity: string;
  price: MoneyValue | null;
}

export interface OperationItemMsg {
  cursor: string;
  id: string;
  parentOperationId: string;
  date: Timestamp | null;
  type: number;
  state: number;
  instrumentUid: string;
  figi: string;
  payment: MoneyValue | null;
  price: MoneyValue | null;
  commission: MoneyValue | null;
  /** Pieces. */
  quantity: string;
  quantityDone: string;
  tradesInfo: { trades: OperationItemTradeMsg[] } | null;
}

export interface GetOperationsByCursorResponse {
  hasNext: boolean;
  nextCursor: string;
  items: OperationItemMsg[];
}
