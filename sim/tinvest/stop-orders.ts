/**
 * The venue's stop orders (StopOrdersService, venue notes §7), held per account. The market's
 * trades drive them: a stop order whose trigger the last price crosses becomes an exchange
 * order (market, or limit at `price`) placed through the order engine, so it fills, streams
 * and lists like any other order. The child keeps the stop order's order_id as its request
 * key, so its OrderStateStream events name it [inferred: the venue does not document whether
 * the key is carried over]. A repeated order_id answers with the stop order already placed
 * under it (the sheet leaves this undocumented; we chose the PostOrder behaviour).
 *
 * Triggers: stop-loss (STOP_LOSS, STOP_LIMIT) sells when the price falls to the stop, buys
 * when it rises to it; take-profit the other way. A stop on the wrong side of the current
 * price would fire at once: 30053, as the venue answers (§7). A trailing take-profit, once
 * active (at once without a stop_price, else when the price reaches the stop_price), follows
 * the best price since (`extr`) and fires when the price comes back by the indent. Expiry of
 * GOOD_TILL_DATE is checked whenever the book is read or a trade arrives.
 */
import { randomUUID } from 'node:crypto';
import type { Market, MarketTrade } from '../market.js';
import type { AccountBook, SimAccount } from './accounts.js';
import type { InstrumentBook, SimInstrument } from './instruments.js';
import { money, quotation } from './order-messages.js';
import type { OrderEngine } from './orders.js';
import { checkOrderKey, limitPriceOf, lotsOf, tradableInstrument } from './trading-api.js';
import type { QuotationIn, UnaryImpl } from './trading-api.js';
import { NANO_SCALE, OrderDirection, OrderType, TimeInForce, VenueError, msOfTimestamp, nanosOf, timestampOfMs } from './wire.js';

export const StopOrderDirection = { UNSPECIFIED: 0, BUY: 1, SELL: 2 } as const;
export const StopOrderExpirationType = { UNSPECIFIED: 0, GOOD_TILL_CANCEL: 1, GOOD_TILL_DATE: 2 } as const;
export const StopOrderType = { UNSPECIFIED: 0, TAKE_PROFIT: 1, STOP_LOSS: 2, STOP_LIMIT: 3 } as const;
export const StopOrderStatus = { UNSPECIFIED: 0, ALL: 1, ACTIVE: 2, EXECUTED: 3, CANCELED: 4, EXPIRED: 5 } as const;
export const ExchangeOrderType = { UNSPECIFIED: 0, MARKET: 1, LIMIT: 2 } as const;
export const TakeProfitType = { UNSPECIFIED: 0, REGULAR: 1, TRAILING: 2 } as const;
export const TrailingValueType = { UNSPECIFIED: 0, ABSOLUTE: 1, RELATIVE: 2 } as const;
export const TrailingStopStatus = { UNSPECIFIED: 0, ACTIVE: 1, ACTIVATED: 2 } as const;

/** expire_date may not be later than this (30063). */
const LATEST_EXPIRY_MS = Date.UTC(2099, 11, 31, 23, 59, 59);

export interface SimTrailing {
  /** Nanos of price (ABSOLUTE) or of percent (RELATIVE). */
  indentNanos: bigint;
  indentType: number;
  spreadNanos: bigint;
  spreadType: number;
  /** The trail is following the price (it reached stop_price, or had none). */
  activated: boolean;
  /** Best price since activation, nanos. */
  extr: bigint | undefined;
}

export interface SimStopOrder {
  readonly stopOrderId: string;
  readonly accountId: string;
  readonly requestKey: string;
  readonly instrument: SimInstrument;
  readonly direction: number;
  readonly stopType: number;
  readonly exchangeType: number;
  readonly takeProfitType: number;
  readonly lots: bigint;
  /** Limit price of the child, nanos per piece. */
  readonly priceNanos: bigint | undefined;
  readonly stopPriceNanos: bigint | undefined;
  readonly expiration: number;
  readonly expireMs: number | undefined;
  readonly createdMs: number;
  readonly trailing: SimTrailing | undefined;
  status: number;
  activatedMs: number | undefined;
  childOrderId: string | undefined;
  /** When it left ACTIVE (executed, cancelled, expired). */
  closedMs: number | undefined;
}

interface TrailingDataIn {
  indent?: QuotationIn | null;
  indent_type?: number | null;
  spread?: QuotationIn | null;
  spread_type?: number | null;
}
interface PostStopOrderIn {
  figi?: string | null;
  quantity?: string | null;
  price?: QuotationIn | null;
  stop_price?: QuotationIn | null;
  direction?: number | null;
  account_id?: string | null;
  expiration_type?: number | null;
  stop_order_type?: number | null;
  expire_date?: { seconds?: string; nanos?: number } | null;
  instrument_id?: string | null;
  exchange_order_type?: number | null;
  take_profit_type?: number | null;
  trailing_data?: TrailingDataIn | null;
  order_id?: string | null;
}
interface GetStopOrdersIn {
  account_id?: string | null;
  status?: number | null;
  from?: { seconds?: string; nanos?: number } | null;
  to?: { seconds?: string; nanos?: number } | null;
}
interface CancelStopOrderIn {
  account_id?: string | null;
  stop_order_id?: string | null;
}

export interface StopOrderDeps {
  accounts: AccountBook;
  engine: OrderEngine;
  instruments: InstrumentBook;
  market: Market;
  now(): number;
}

function pow10(n: number): bigint {
  return 10n ** BigInt(n);
}

/** A present Quotation as nanos; undefined when absent; 30018 when malformed. */
function optionalNanos(q: QuotationIn | null | undefined): bigint | undefined {
  if (!q) return undefined;
  const n = nanosOf(q);
  if (n === undefined) throw VenueError.of('30018');
  return n;
}

export class StopOrderBook {
  private readonly orders = new Map<string, SimStopOrder>();
  /** `${accountId}\n${order_id}` → stop order id. */
  private readonly byKey = new Map<string, string>();
  private seq = 0;
  private offTrade: (() => void) | undefined;

  constructor(private readonly d: StopOrderDeps) {}

  all(): SimStopOrder[] {
    return [...this.orders.values()];
  }

  /** PostStopOrder: checks in the venue's order (§7's codes), then holds it until its trigger. */
  post(req: PostStopOrderIn, account: SimAccount): SimStopOrder {
    const key = req.order_id ?? '';
    checkOrderKey(key);
    const held = this.byKey.get(`${account.id}\n${key}`);
    const existing = held === undefined ? undefined : this.orders.get(held);
    if (existing) return existing;
    const instrument = tradableInstrument(this.d.instruments, req.instrument_id || req.figi || '');
    const lots = lotsOf(req.quantity);
    const direction = req.direction ?? 0;
    if (direction === StopOrderDirection.UNSPECIFIED) throw VenueError.of('30019');
    if (direction !== StopOrderDirection.BUY && direction !== StopOrderDirection.SELL) throw VenueError.of('30020');
    const stopType = req.stop_order_type ?? 0;
    if (stopType === StopOrderType.UNSPECIFIED) throw VenueError.of('30037');
    if (stopType !== StopOrderType.TAKE_PROFIT && stopType !== StopOrderType.STOP_LOSS && stopType !== StopOrderType.STOP_LIMIT) throw VenueError.of('30038');
    const expiration = req.expiration_type ?? 0;
    if (expiration === StopOrderExpirationType.UNSPECIFIED) throw VenueError.of('30043');
    if (expiration !== StopOrderExpirationType.GOOD_TILL_CANCEL && expiration !== StopOrderExpirationType.GOOD_TILL_DATE) throw VenueError.of('30044');
    let expireMs: number | undefined;
    if (expiration === StopOrderExpirationType.GOOD_TILL_DATE) {
      expireMs = msOfTimestamp(req.expire_date);
      if (expireMs === undefined || !Number.isFinite(expireMs)) throw VenueError.of('30040');
      if (expireMs < this.d.now() || expireMs > LATEST_EXPIRY_MS) throw VenueError.of('30063');
    }
    const takeProfitType = req.take_profit_type ?? 0;
    if (takeProfitType !== TakeProfitType.UNSPECIFIED && stopType !== StopOrderType.TAKE_PROFIT) throw VenueError.of('30241');
    const asked = req.exchange_order_type ?? 0;
    if (asked !== ExchangeOrderType.UNSPECIFIED && asked !== ExchangeOrderType.MARKET && asked !== ExchangeOrderType.LIMIT) throw VenueError.of('30105');
    // A stop-loss executes at market and a stop-limit at its price, whatever the field says.
    const exchangeType =
      stopType === StopOrderType.STOP_LOSS ? ExchangeOrderType.MARKET : stopType === StopOrderType.STOP_LIMIT ? ExchangeOrderType.LIMIT : asked || ExchangeOrderType.MARKET;
    const trailing = takeProfitType === TakeProfitType.TRAILING ? trailingOf(req.trailing_data) : undefined;
    const stopPriceNanos = req.stop_price ? limitPriceOf(req.stop_price, instrument) : undefined;
    if (stopPriceNanos === undefined && !trailing) throw VenueError.of('30036');
    const priceNanos = exchangeType === ExchangeOrderType.LIMIT ? limitPriceOf(req.price, instrument) : undefined;
    const last = this.d.engine.lastPriceNanos(instrument);
    if (stopPriceNanos !== undefined && (!trailing || stopType !== StopOrderType.TAKE_PROFIT) && this.fires(stopType, direction, stopPriceNanos, last)) {
      throw VenueError.of('30053', `Post stop_order error: the stop price is on the wrong side of the last price ${formatNanos(last)} for this direction`);
    }
    if (trailing && stopPriceNanos === undefined) {
      trailing.activated = true;
      trailing.extr = last;
    }
    this.seq += 1;
    const o: SimStopOrder = {
      stopOrderId: randomUUID(),
      accountId: account.id,
      requestKey: key,
      instrument,
      direction,
      stopType,
      exchangeType,
      takeProfitType,
      lots,
      priceNanos,
      stopPriceNanos,
      expiration,
      expireMs,
      createdMs: this.d.now(),
      trailing,
      status: StopOrderStatus.ACTIVE,
      activatedMs: undefined,
      childOrderId: undefined,
      closedMs: undefined,
    };
    this.orders.set(o.stopOrderId, o);
    this.byKey.set(`${account.id}\n${key}`, o.stopOrderId);
    this.follow();
    return o;
  }

  /** GetStopOrders: UNSPECIFIED lists the active ones (head-stoporders.md), ALL every one. */
  list(accountId: string, status: number, fromMs: number | undefined, toMs: number | undefined): SimStopOrder[] {
    if (status < StopOrderStatus.UNSPECIFIED || status > StopOrderStatus.EXPIRED) throw VenueError.of('30106');
    this.expire();
    const want = status === StopOrderStatus.UNSPECIFIED ? StopOrderStatus.ACTIVE : status;
    return this.all().filter(
      (o) =>
        o.accountId === accountId &&
        (want === StopOrderStatus.ALL || o.status === want) &&
        (fromMs === undefined || o.createdMs >= fromMs) &&
        (toMs === undefined || o.createdMs < toMs),
    );
  }

  /** CancelStopOrder: 50006 when there is no such stop order, 30060 when it is no longer active. */
  cancel(accountId: string, id: string): void {
    this.expire();
    const o = this.orders.get(id);
    if (!o || o.accountId !== accountId) throw VenueError.of('50006');
    if (o.status !== StopOrderStatus.ACTIVE) throw VenueError.of('30060', 'Cancel stop-order error: the stop order is not active');
    this.close(o, StopOrderStatus.CANCELED);
  }

  /** Closes every active stop order of an account (a sandbox account being closed). */
  cancelAll(accountId: string): void {
    for (const o of this.all()) if (o.accountId === accountId && o.status === StopOrderStatus.ACTIVE) this.close(o, StopOrderStatus.CANCELED);
  }

  /** Stops the book following the trades (nothing active). */
  detach(): void {
    this.offTrade?.();
    this.offTrade = undefined;
  }

  /** A market trade: expiries first, then every active stop order of the symbol the price reaches. */
  onTrade(t: MarketTrade): void {
    this.expire();
    const info = this.d.market.info(t.symbol);
    const price = t.price * pow10(NANO_SCALE - info.priceScale);
    for (const o of this.all()) {
      if (o.status !== StopOrderStatus.ACTIVE || o.instrument.marketSymbol !== t.symbol) continue;
      if (this.reached(o, price)) this.trigger(o, t.timeMs);
    }
    if (!this.all().some((o) => o.status === StopOrderStatus.ACTIVE)) this.detach();
  }

  // ---- internals ----

  /** Follows the trades (through the engine, which stops with the venue) while some stop order is active. */
  private follow(): void {
    this.offTrade ??= this.d.engine.afterTrade((t) => this.onTrade(t));
  }

  /** Whether a plain (not trailing) stop at `stop` fires at `price`. */
  private fires(stopType: number, direction: number, stop: bigint, price: bigint): boolean {
    const stopLoss = stopType !== StopOrderType.TAKE_PROFIT;
    const sell = direction === StopOrderDirection.SELL;
    // Stop-loss: a sell protects a long from a fall, a buy a short from a rise; take-profit the other way.
    return stopLoss === sell ? price <= stop : price >= stop;
  }

  private reached(o: SimStopOrder, price: bigint): boolean {
    const tr = o.trailing;
    if (!tr) return o.stopPriceNanos !== undefined && this.fires(o.stopType, o.direction, o.stopPriceNanos, price);
    const sell = o.direction === StopOrderDirection.SELL;
    if (!tr.activated) {
      if (o.stopPriceNanos === undefined || !this.fires(StopOrderType.TAKE_PROFIT, o.direction, o.stopPriceNanos, price)) return false;
      tr.activated = true;
      tr.extr = price;
      return false;
    }
    const extr = tr.extr ?? price;
    tr.extr = sell ? (price > extr ? price : extr) : price < extr ? price : extr;
    const indent = tr.indentType === TrailingValueType.RELATIVE ? (tr.extr * tr.indentNanos) / (100n * pow10(NANO_SCALE)) : tr.indentNanos;
    return sell ? price <= tr.extr - indent : price >= tr.extr + indent;
  }

  /** The child exchange order goes through the engine; if the account cannot carry it now, the stop order is cancelled. */
  private trigger(o: SimStopOrder, timeMs: number): void {
    const account = this.d.accounts.find(o.accountId);
    if (!account) return;
    try {
      const child = this.d.engine.place({
        account,
        requestKey: o.requestKey,
        instrument: o.instrument,
        direction: o.direction === StopOrderDirection.BUY ? OrderDirection.BUY : OrderDirection.SELL,
        orderType: o.exchangeType === ExchangeOrderType.LIMIT ? OrderType.LIMIT : OrderType.MARKET,
        timeInForce: TimeInForce.DAY,
        lots: o.lots,
        priceNanos: o.priceNanos,
      });
      o.childOrderId = child.orderId;
      o.activatedMs = timeMs;
      if (o.trailing) o.trailing.activated = true;
      this.close(o, StopOrderStatus.EXECUTED, timeMs);
    } catch (e) {
      if (!(e instanceof VenueError)) throw e;
      this.close(o, StopOrderStatus.CANCELED, timeMs);
    }
  }

  private close(o: SimStopOrder, status: number, atMs = this.d.now()): void {
    o.status = status;
    o.closedMs = atMs;
  }

  private expire(): void {
    const now = this.d.now();
    for (const o of this.orders.values()) {
      if (o.status === StopOrderStatus.ACTIVE && o.expireMs !== undefined && now >= o.expireMs) this.close(o, StopOrderStatus.EXPIRED, o.expireMs);
    }
  }
}

/** trailing_data of a TRAILING take-profit: 30039 absent, 30210 no indent or spread, 30211/30212 no value types. */
function trailingOf(t: TrailingDataIn | null | undefined): SimTrailing {
  if (!t) throw VenueError.of('30039');
  const indent = optionalNanos(t.indent);
  const spread = optionalNanos(t.spread);
  if (indent === undefined || indent <= 0n || spread === undefined || spread < 0n) throw VenueError.of('30210');
  const indentType = t.indent_type ?? 0;
  const spreadType = t.spread_type ?? 0;
  if (indentType === TrailingValueType.UNSPECIFIED) throw VenueError.of('30211');
  if (spreadType === TrailingValueType.UNSPECIFIED) throw VenueError.of('30212');
  if (indentType > TrailingValueType.RELATIVE || spreadType > TrailingValueType.RELATIVE) throw VenueError.of('30039');
  return { indentNanos: indent, indentType, spreadNanos: spread, spreadType, activated: false, extr: undefined };
}

function formatNanos(n: bigint): string {
  const neg = n < 0n;
  const a = neg ? -n : n;
  const frac = (a % pow10(NANO_SCALE)).toString().padStart(NANO_SCALE, '0').replace(/0+$/, '');
  return `${neg ? '-' : ''}${a / pow10(NANO_SCALE)}${frac ? `.${frac}` : ''}`;
}

/** The StopOrder message (§7): prices are MoneyValue here, per instrument. */
export function stopOrderMessage(o: SimStopOrder): Record<string, unknown> {
  const i = o.instrument;
  const msg: Record<string, unknown> = {
    stop_order_id: o.stopOrderId,
    lots_requested: o.lots.toString(),
    figi: i.figi,
    direction: o.direction,
    currency: i.currency,
    order_type: o.stopType,
    create_date: timestampOfMs(o.createdMs),
    price: money(o.priceNanos ?? 0n, i.currency),
    stop_price: money(o.stopPriceNanos ?? 0n, i.currency),
    instrument_uid: i.uid,
    take_profit_type: o.takeProfitType,
    status: o.status,
    exchange_order_type: o.exchangeType,
    ticker: i.ticker,
    class_code: i.classCode,
  };
  if (o.activatedMs !== undefined) msg.activation_date_time = timestampOfMs(o.activatedMs);
  if (o.expireMs !== undefined) msg.expiration_time = timestampOfMs(o.expireMs);
  if (o.childOrderId !== undefined) msg.exchange_order_id = o.childOrderId;
  const tr = o.trailing;
  if (tr) {
    msg.trailing_data = {
      indent: quotation(tr.indentNanos),
      indent_type: tr.indentType,
      spread: quotation(tr.spreadNanos),
      spread_type: tr.spreadType,
      status: o.status === StopOrderStatus.EXECUTED ? TrailingStopStatus.ACTIVATED : TrailingStopStatus.ACTIVE,
      extr: quotation(tr.extr ?? 0n),
    };
  }
  return msg;
}

/** StopOrdersService over a book; the venue's one-line registration in server.ts. */
export function stopOrderMethods(d: StopOrderDeps, book = new StopOrderBook(d)): Record<string, UnaryImpl> {
  return {
    'StopOrdersService/PostStopOrder': (raw, ctx) => {
      const req = raw as PostStopOrderIn;
      const o = book.post(req, d.accounts.get(req.account_id));
      return { stop_order_id: o.stopOrderId, order_request_id: o.requestKey, response_metadata: { tracking_id: ctx.trackingId, server_time: timestampOfMs(d.now()) } };
    },
    'StopOrdersService/GetStopOrders': (raw) => {
      const req = raw as GetStopOrdersIn;
      const a = d.accounts.get(req.account_id);
      // from and to are plain fields: an unset one arrives as the zero time.
      const from = msOfTimestamp(req.from);
      const to = msOfTimestamp(req.to);
      return { stop_orders: book.list(a.id, req.status ?? 0, from || undefined, to || undefined).map(stopOrderMessage) };
    },
    'StopOrdersService/CancelStopOrder': (raw) => {
      const req = raw as CancelStopOrderIn;
      const a = d.accounts.get(req.account_id);
      book.cancel(a.id, req.stop_order_id ?? '');
      return { time: timestampOfMs(d.now()) };
    },
  };
}
