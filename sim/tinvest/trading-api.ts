/**
 * The venue's trading methods: OrdersService, OperationsService (portfolio, positions and the
 * operations history by cursor) and SandboxService.
 * Requests are checked in the venue's order with its codes (venue notes §4.5): the
 * idempotency key, the account, a repeat of a known key (answered with that order's
 * state, never a second order), then instrument, quantity, direction, type, price, funds.
 * The sandbox copies (PostSandboxOrder, …) accept sandbox accounts only; the normal
 * services accept both, as the venue docs recommend.
 */
import type { Market } from '../market.js';
import { accountMessage } from './accounts.js';
import type { AccountBook, SimAccount } from './accounts.js';
import type { InstrumentBook, SimInstrument } from './instruments.js';
import { money, orderState, postOrderResponse } from './order-messages.js';
import type { OperationsByCursorIn, OperationsLedger } from './operations.js';
import type { OrderEngine, PlaceOrder, SimOrder } from './orders.js';
import { isActive } from './orders.js';
import { portfolioMessage, positionsMessage } from './portfolio.js';
import {
  AccountStatus,
  OrderDirection,
  OrderIdType,
  OrderType,
  TimeInForce,
  VenueError,
  msOfTimestamp,
  nanosOf,
  quotationOf,
  timestampOfMs,
} from './wire.js';

export interface CallContext {
  /** The x-tracking-id of this call; also goes into response_metadata. */
  trackingId: string;
}

export type UnaryImpl = (req: Record<string, unknown>, ctx: CallContext) => object | Promise<object>;

export interface TradingDeps {
  accounts: AccountBook;
  engine: OrderEngine;
  operations: OperationsLedger;
  instruments: InstrumentBook;
  market: Market;
  now(): number;
}

// ---- request shapes (proto-loader with keepCase, longs String, enums Number, defaults) ----
export interface QuotationIn {
  units?: string | null;
  nano?: number | null;
}
interface PostOrderIn {
  figi?: string | null;
  instrument_id?: string | null;
  quantity?: string | null;
  price?: QuotationIn | null;
  direction?: number | null;
  account_id?: string | null;
  order_type?: number | null;
  order_id?: string | null;
  time_in_force?: number | null;
}
interface ReplaceOrderIn {
  account_id?: string | null;
  order_id?: string | null;
  idempotency_key?: string | null;
  quantity?: string | null;
  price?: QuotationIn | null;
}
interface OrderRefIn {
  account_id?: string | null;
  order_id?: string | null;
  order_id_type?: number | null;
}
interface GetOrdersIn {
  account_id?: string | null;
  advanced_filters?: {
    from?: { seconds?: string; nanos?: number } | null;
    to?: { seconds?: string; nanos?: number } | null;
    execution_status?: number[] | null;
  } | null;
}
interface AccountIn {
  account_id?: string | null;
}
interface PayInIn {
  account_id?: string | null;
  amount?: { currency?: string | null; units?: string | null; nano?: number | null } | null;
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const KEY_MAX = 36;

/** PostOrder's order_id: 30027 missing, 30055 too long, 30028 not a UUID. */
export function checkOrderKey(key: string): void {
  if (!key) throw VenueError.of('30027');
  if (key.length > KEY_MAX) throw VenueError.of('30055');
  if (!UUID_RE.test(key)) throw VenueError.of('30028');
}

/** ReplaceOrder's idempotency_key: 30029 missing, 30030 invalid. */
function checkReplaceKey(key: string): void {
  if (!key) throw VenueError.of('30029');
  if (key.length > KEY_MAX || !UUID_RE.test(key)) throw VenueError.of('30030');
}

/** Quantity in lots: 30015 missing or zero, 30080 negative. */
export function lotsOf(text: string | null | undefined): bigint {
  const lots = BigInt(text ?? '0');
  if (lots === 0n) throw VenueError.of('30015');
  if (lots < 0n) throw VenueError.of('30080');
  return lots;
}

/** A limit price in nanos: 30017 missing, 30018 malformed, 30100 not positive, 30078 off the price grid. */
export function limitPriceOf(q: QuotationIn | null | undefined, i: SimInstrument): bigint {
  if (!q) throw VenueError.of('30017');
  const nanos = nanosOf(q);
  if (nanos === undefined) throw VenueError.of('30018');
  if (nanos <= 0n) throw VenueError.of('30100');
  const step = nanosOf(quotationOf(i.minPriceIncrement)) ?? 1n;
  if (nanos % step !== 0n) throw VenueError.of('30078', `price is not a multiple of min_price_increment ${i.minPriceIncrement}`);
  return nanos;
}

/** The instrument an order names, if it can trade through the API now: 30093, 50002, 30079, 30098 otherwise. */
export function tradableInstrument(instruments: InstrumentBook, idText: string): SimInstrument {
  if (!idText) throw VenueError.of('30093');
  const i = instruments.resolve(idText);
  if (!i) throw VenueError.of('50002');
  if (!i.apiTradeAvailable) throw VenueError.of('30079');
  if (i.marketSymbol === undefined) throw VenueError.of('30098');
  return i;
}

export function tradingMethods(d: TradingDeps): Record<string, UnaryImpl> {
  const { accounts, engine, instruments } = d;
  const commissionOf = (n: bigint): bigint => engine.commissionOf(n);
  const answer = (o: SimOrder, ctx: CallContext) => postOrderResponse(o, commissionOf, { trackingId: ctx.trackingId, nowMs: d.now() });

  function account(id: string | null | undefined, sandboxOnly: boolean): SimAccount {
    const a = accounts.get(id);
    if (sandboxOnly && !a.sandbox) throw VenueError.of('50004');
    return a;
  }

  const tradable = (idText: string): SimInstrument => tradableInstrument(instruments, idText);

  /** PostOrder and PostOrderAsync: the order placed for this key, new or already there. */
  function post(req: PostOrderIn, sandboxOnly: boolean): SimOrder {
    const key = req.order_id ?? '';
    checkOrderKey(key);
    const a = account(req.account_id, sandboxOnly);
    const existing = engine.byKeyOf(a.id, key);
    if (existing) return existing;
    const instrument = tradable(req.instrument_id || req.figi || '');
    const lots = lotsOf(req.quantity);
    const direction = req.direction ?? 0;
    if (direction === OrderDirection.UNSPECIFIED) throw VenueError.of('30019');
    if (direction !== OrderDirection.BUY && direction !== OrderDirection.SELL) throw VenueError.of('30020');
    const orderType = req.order_type ?? 0;
    if (orderType === OrderType.UNSPECIFIED) throw VenueError.of('30025');
    if (orderType !== OrderType.LIMIT && orderType !== OrderType.MARKET && orderType !== OrderType.BESTPRICE) throw VenueError.of('30026');
    const priceNanos = orderType === OrderType.LIMIT ? limitPriceOf(req.price, instrument) : undefined;
    const tif = req.time_in_force ?? TimeInForce.UNSPECIFIED;
    return engine.place({
      account: a,
      requestKey: key,
      instrument,
      direction,
      orderType,
      timeInForce: tif === TimeInForce.FILL_AND_KILL || tif === TimeInForce.FILL_OR_KILL ? tif : TimeInForce.DAY,
      lots,
      priceNanos,
    });
  }

  function replace(req: ReplaceOrderIn, sandboxOnly: boolean): SimOrder {
    const key = req.idempotency_key ?? '';
    checkReplaceKey(key);
    const a = account(req.account_id, sandboxOnly);
    // A repeat of a replace that already happened answers with the order it made.
    const existing = engine.byKeyOf(a.id, key);
    if (existing) return existing;
    const old = engine.get(a.id, req.order_id ?? '', OrderIdType.EXCHANGE);
    if (!isActive(old)) throw VenueError.of('30059', 'cancel order error: the order is not active');
    const lots = lotsOf(req.quantity);
    const priceNanos = old.orderType === OrderType.LIMIT ? (req.price ? limitPriceOf(req.price, old.instrument) : old.priceNanos) : undefined;
    const next: PlaceOrder = {
      account: a,
      requestKey: key,
      instrument: old.instrument,
      direction: old.direction,
      orderType: old.orderType,
      timeInForce: old.timeInForce,
      lots,
      priceNanos,
    };
    // All or nothing: the new order must fit with what the old one frees before the old one goes.
    engine.checkFunds(next, { cash: old.reservedCash, pieces: old.reservedPieces });
    engine.cancel(a, old);
    return engine.place(next);
  }

  function cancel(req: OrderRefIn, sandboxOnly: boolean, ctx: CallContext): object {
    const a = account(req.account_id, sandboxOnly);
    const o = engine.get(a.id, req.order_id ?? '', req.order_id_type);
    engine.cancel(a, o);
    const now = d.now();
    return { time: timestampOfMs(now), response_metadata: { tracking_id: ctx.trackingId, server_time: timestampOfMs(now) } };
  }

  function state(req: OrderRefIn, sandboxOnly: boolean): object {
    const a = account(req.account_id, sandboxOnly);
    return orderState(engine.get(a.id, req.order_id ?? '', req.order_id_type), commissionOf);
  }

  function list(req: GetOrdersIn, sandboxOnly: boolean): object {
    const a = account(req.account_id, sandboxOnly);
    const f = req.advanced_filters;
    const from = msOfTimestamp(f?.from);
    const to = msOfTimestamp(f?.to);
    const statuses = f?.execution_status ?? [];
    const orders = engine
      .active(a.id)
      .filter((o) => (from === undefined || o.createdMs >= from) && (to === undefined || o.createdMs < to))
      .filter((o) => statuses.length === 0 || statuses.includes(o.status));
    return { orders: orders.map((o) => orderState(o, commissionOf)) };
  }

  const asyncAnswer = (o: SimOrder) => ({ order_request_id: o.requestKey, execution_report_status: o.status });

  const methods: Record<string, UnaryImpl> = {
    'OrdersService/PostOrder': (raw, ctx) => answer(post(raw as PostOrderIn, false), ctx),
    'OrdersService/PostOrderAsync': (raw) => asyncAnswer(post(raw as PostOrderIn, false)),
    'OrdersService/CancelOrder': (raw, ctx) => cancel(raw as OrderRefIn, false, ctx),
    'OrdersService/GetOrderState': (raw) => state(raw as OrderRefIn, false),
    'OrdersService/GetOrders': (raw) => list(raw as GetOrdersIn, false),
    'OrdersService/ReplaceOrder': (raw, ctx) => answer(replace(raw as ReplaceOrderIn, false), ctx),

    'OperationsService/GetPortfolio': (raw) => portfolioMessage(account((raw as AccountIn).account_id, false), instruments, d.market),
    'OperationsService/GetPositions': (raw) => positionsMessage(account((raw as AccountIn).account_id, false), instruments),
    'OperationsService/GetOperationsByCursor': (raw) => {
      const req = raw as OperationsByCursorIn;
      return d.operations.byCursor(req, account(req.account_id, false).id, (id) => instruments.resolve(id)?.uid);
    },

    'SandboxService/OpenSandboxAccount': (raw) => {
      const name = (raw as { name?: string | null }).name;
      return { account_id: accounts.openSandbox(name || 'Песочница', d.now()).id };
    },
    'SandboxService/GetSandboxAccounts': (raw) => {
      const want = (raw as { status?: number | null }).status ?? AccountStatus.UNSPECIFIED;
      const all = accounts.sandbox();
      return { accounts: (want === AccountStatus.UNSPECIFIED || want === AccountStatus.ALL ? all : all.filter((a) => a.status === want)).map(accountMessage) };
    },
    'SandboxService/CloseSandboxAccount': (raw) => {
      const a = account((raw as AccountIn).account_id, true);
      engine.cancelAll(a);
      accounts.close(a, d.now());
      return {};
    },
    'SandboxService/SandboxPayIn': (raw) => {
      const req = raw as PayInIn;
      const a = account(req.account_id, true);
      const amount = req.amount ? nanosOf(req.amount) : undefined;
      // Only roubles can be paid in (venue notes §2.8).
      if (amount === undefined || amount <= 0n || (req.amount?.currency ?? '').toLowerCase() !== 'rub') {
        throw VenueError.of('30000', 'amount must be a positive sum in rub');
      }
      a.cash += amount;
      return { balance: money(a.cash - a.blockedCash) };
    },
    'SandboxService/PostSandboxOrder': (raw, ctx) => answer(post(raw as PostOrderIn, true), ctx),
    'SandboxService/PostSandboxOrderAsync': (raw) => asyncAnswer(post(raw as PostOrderIn, true)),
    'SandboxService/ReplaceSandboxOrder': (raw, ctx) => answer(replace(raw as ReplaceOrderIn, true), ctx),
    'SandboxService/GetSandboxOrders': (raw) => list(raw as GetOrdersIn, true),
    'SandboxService/CancelSandboxOrder': (raw, ctx) => cancel(raw as OrderRefIn, true, ctx),
    'SandboxService/GetSandboxOrderState': (raw) => state(raw as OrderRefIn, true),
    'SandboxService/GetSandboxPositions': (raw) => positionsMessage(account((raw as AccountIn).account_id, true), instruments),
    'SandboxService/GetSandboxPortfolio': (raw) => portfolioMessage(account((raw as AccountIn).account_id, true), instruments, d.market),
  };
  return methods;
}

/** Methods whose reply can be lost after they executed (they change orders). */
export const ORDER_COMMANDS: ReadonlySet<string> = new Set([
  'OrdersService/PostOrder',
  'OrdersService/PostOrderAsync',
  'OrdersService/CancelOrder',
  'OrdersService/ReplaceOrder',
  'StopOrdersService/PostStopOrder',
  'StopOrdersService/CancelStopOrder',
  'SandboxService/PostSandboxOrder',
  'SandboxService/PostSandboxOrderAsync',
  'SandboxService/CancelSandboxOrder',
  'SandboxService/ReplaceSandboxOrder',
]);
