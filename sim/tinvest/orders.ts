/**
 * The venue's orders on the shared market, with the documented sandbox behaviour (venue
 * notes §2.8): a market order fills at once at the last price; a limit order that is
 * marketable on arrival fills in full at the last price, otherwise it rests and fills at its
 * own price when market trades reach it, by lots as the trades' quantities allow. Orders
 * do not move the market. Money is blocked on placement (cash for buys, pieces for sells),
 * and an idempotency key places at most one order per account.
 */
import { createHash, randomUUID } from 'node:crypto';
import { formatScaled } from '../../common/decimal.js';
import type { Market, MarketTrade } from '../market.js';
import { addPieces, availableCash, availablePieces, holdingOf, removeBlockedPieces } from './accounts.js';
import type { SimAccount } from './accounts.js';
import type { SimInstrument } from './instruments.js';
import { ExecutionReportStatus, NANO_SCALE, OrderDirection, OrderIdType, OrderType, StatusCause, TimeInForce, VenueError } from './wire.js';

export interface OrderFill {
  tradeId: string;
  timeMs: number;
  /** Per piece, nanos. */
  priceNanos: bigint;
  lots: bigint;
  commissionNanos: bigint;
}

export interface SimOrder {
  /** The exchange id: digits on brokerage accounts, a UUID on sandbox ones (as observed). */
  readonly orderId: string;
  readonly accountId: string;
  /** The client's idempotency key (PostOrder order_id, ReplaceOrder idempotency_key). */
  readonly requestKey: string;
  readonly instrument: SimInstrument;
  readonly direction: number;
  readonly orderType: number;
  readonly timeInForce: number;
  /** Limit price, or the last price when a market order arrived; per piece, nanos. */
  readonly priceNanos: bigint;
  readonly lotsRequested: bigint;
  lotsExecuted: bigint;
  lotsCancelled: bigint;
  status: number;
  /** StatusCauseInfo of a cancel or reject. */
  cause: number;
  readonly createdMs: number;
  completedMs: number | undefined;
  readonly fills: OrderFill[];
  /** Cash still blocked for the rest of a buy, nanos. */
  reservedCash: bigint;
  /** Pieces still blocked for the rest of a sell. */
  reservedPieces: bigint;
  readonly seq: number;
}

export interface PlaceOrder {
  account: SimAccount;
  requestKey: string;
  instrument: SimInstrument;
  direction: number;
  orderType: number;
  timeInForce: number;
  lots: bigint;
  /** Required for limit orders; ignored for market ones. */
  priceNanos: bigint | undefined;
}

/** One change of one order; `fills` are the executions that made it (none for new/cancel/reject). */
export interface OrderEvent {
  order: SimOrder;
  fills: readonly OrderFill[];
}

export interface OrderEngineHost {
  market: Market;
  now(): number;
  seed: number;
  /** Commission as a fraction of the trade value: numerator / denominator. */
  commission: { num: bigint; den: bigint };
}

export function isActive(o: SimOrder): boolean {
  return o.status === ExecutionReportStatus.NEW || o.status === ExecutionReportStatus.PARTIALLYFILL;
}

export function lotsLeft(o: SimOrder): bigint {
  return o.lotsRequested - o.lotsExecuted - o.lotsCancelled;
}

function pow10(n: number): bigint {
  return 10n ** BigInt(n);
}

export class OrderEngine {
  private readonly orders = new Map<string, SimOrder>();
  /** `${accountId}\n${key}` → exchange id. */
  private readonly byKey = new Map<string, string>();
  /** Orders resting on the market, by market symbol. */
  private readonly resting = new Map<string, Set<SimOrder>>();
  /** Orders actually placed per `${accountId}\n${key}`; the venue's promise is that this never exceeds 1. */
  readonly placements = new Map<string, number>();
  private readonly listeners = new Set<(e: OrderEvent) => void>();
  /** Told of every market trade after the resting orders it reached have filled (stop orders). */
  private readonly tradeHooks = new Set<(t: MarketTrade) => void>();
  private seq = 0;
  private tradeSeq = 0;
  private readonly idBase: number;

  constructor(private readonly host: OrderEngineHost) {
    // Exchange ids and trade ids look like the venue's numeric ones and differ per seed.
    this.idBase = 31_000_000_000 + (createHash('sha256').update(`switchboard-sim:orders:${host.seed}`).digest().readUInt32BE(0) % 200_000_000);
  }

  onEvent(l: (e: OrderEvent) => void): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  all(): SimOrder[] {
    return [...this.orders.values()];
  }

  byKeyOf(accountId: string, key: string): SimOrder | undefined {
    const id = this.byKey.get(`${accountId}\n${key}`);
    return id === undefined ? undefined : this.orders.get(id);
  }

  /** An order of the account by exchange id, or by the client key with ORDER_ID_TYPE_REQUEST; 50005 otherwise. */
  get(accountId: string, id: string, idType: number | null | undefined): SimOrder {
    const o = idType === OrderIdType.REQUEST ? this.byKeyOf(accountId, id) : this.orders.get(id);
    if (!o || o.accountId !== accountId) throw VenueError.of('50005');
    return o;
  }

  active(accountId: string): SimOrder[] {
    return this.all().filter((o) => o.accountId === accountId && isActive(o));
  }

  commissionOf(amountNanos: bigint): bigint {
    return (amountNanos * this.host.commission.num) / this.host.commission.den;
  }

  /** The last price of an instrument in nanos; 30098 when the market does not trade it. */
  lastPriceNanos(i: SimInstrument): bigint {
    if (i.marketSymbol === undefined) throw VenueError.of('30098');
    const info = this.host.market.info(i.marketSymbol);
    return this.host.market.lastPrice(i.marketSymbol) * pow10(NANO_SCALE - info.priceScale);
  }

  /** Throws 30034 / 30042 when the account cannot carry the order; `freed` is what a replaced order gives back. */
  checkFunds(p: PlaceOrder, freed: { cash: bigint; pieces: bigint } = { cash: 0n, pieces: 0n }): void {
    const pieces = p.lots * BigInt(p.instrument.lot);
    if (p.direction === OrderDirection.BUY) {
      const price = p.orderType === OrderType.LIMIT && p.priceNanos !== undefined ? p.priceNanos : this.lastPriceNanos(p.instrument);
      const need = price * pieces + this.commissionOf(price * pieces);
      if (availableCash(p.account) + freed.cash < need) throw VenueError.of('30034');
    } else if (availablePieces(p.account, p.instrument.uid) + freed.pieces < pieces) {
      // No short selling in the sim: selling more than is held needs margin the account does not have.
      throw VenueError.of('30042');
    }
  }

  /** Places an order (arguments already validated): blocks money, then fills what is marketable now. */
  place(p: PlaceOrder): SimOrder {
    const market = p.orderType !== OrderType.LIMIT;
    const last = this.lastPriceNanos(p.instrument);
    const price = market ? last : (p.priceNanos ?? last);
    this.checkFunds({ ...p, priceNanos: price });
    const keyId = `${p.account.id}\n${p.requestKey}`;
    this.seq += 1;
    const o: SimOrder = {
      orderId: p.account.sandbox ? randomUUID() : String(this.idBase + this.seq),
      accountId: p.account.id,
      requestKey: p.requestKey,
      instrument: p.instrument,
      direction: p.direction,
      orderType: p.orderType,
      timeInForce: p.timeInForce,
      priceNanos: price,
      lotsRequested: p.lots,
      lotsExecuted: 0n,
      lotsCancelled: 0n,
      status: ExecutionReportStatus.NEW,
      cause: StatusCause.UNSPECIFIED,
      createdMs: this.host.now(),
      completedMs: undefined,
      fills: [],
      reservedCash: 0n,
      reservedPieces: 0n,
      seq: this.seq,
    };
    this.orders.set(o.orderId, o);
    this.byKey.set(keyId, o.orderId);
    this.placements.set(keyId, (this.placements.get(keyId) ?? 0) + 1);

    const marketable = market || (o.direction === OrderDirection.BUY ? price >= last : price <= last);
    if (!marketable && o.timeInForce === TimeInForce.FILL_OR_KILL) {
      // Nothing to fill against at once: the exchange refuses a fill-or-kill order outright.
      o.lotsCancelled = o.lotsRequested;
      this.finish(o, ExecutionReportStatus.REJECTED, StatusCause.REJECTED_BY_EXCHANGE);
      return o;
    }
    this.reserve(p.account, o);
    this.emit(o, []);
    if (marketable) this.fill(p.account, o, lotsLeft(o), last, this.host.now());
    else if (o.timeInForce === TimeInForce.FILL_AND_KILL) this.cancel(p.account, o, StatusCause.CANCELLED_BY_EXCHANGE);
    else this.rest(o);
    return o;
  }

  /** Cancels the rest of an active order; 30059 when it is already final. */
  cancel(account: SimAccount, o: SimOrder, cause: number = StatusCause.CANCELLED_BY_CLIENT): void {
    if (!isActive(o)) throw VenueError.of('30059', 'cancel order error: the order is not active');
    o.lotsCancelled = lotsLeft(o);
    this.release(account, o);
    this.unrest(o);
    this.finish(o, ExecutionReportStatus.CANCELLED, cause);
  }

  /** Follows the market's trades through the engine (it stops with the venue, unlike the market). */
  afterTrade(l: (t: MarketTrade) => void): () => void {
    this.tradeHooks.add(l);
    return () => this.tradeHooks.delete(l);
  }

  /** A market trade: resting orders it reaches fill, then the trade hooks hear of it. */
  onTrade(t: MarketTrade, accountOf: (id: string) => SimAccount | undefined): void {
    this.fillResting(t, accountOf);
    for (const h of [...this.tradeHooks]) h(t);
  }

  /** Resting orders a trade reaches fill at their own price, best price first, then oldest. */
  private fillResting(t: MarketTrade, accountOf: (id: string) => SimAccount | undefined): void {
    const set = this.resting.get(t.symbol);
    if (!set || set.size === 0) return;
    const info = this.host.market.info(t.symbol);
    const tradePrice = t.price * pow10(NANO_SCALE - info.priceScale);
    let available = t.qty / info.lotUnit;
    const reached = [...set]
      .filter((o) => (o.direction === OrderDirection.BUY ? tradePrice <= o.priceNanos : tradePrice >= o.priceNanos))
      .sort((a, b) => {
        if (a.priceNanos !== b.priceNanos) return (a.direction === OrderDirection.BUY ? a.priceNanos > b.priceNanos : a.priceNanos < b.priceNanos) ? -1 : 1;
        return a.seq - b.seq;
      });
    for (const o of reached) {
      if (available <= 0n) break;
      const account = accountOf(o.accountId);
      if (!account) continue;
      const lots = lotsLeft(o) < available ? lotsLeft(o) : available;
      available -= lots;
      this.fill(account, o, lots, o.priceNanos, t.timeMs);
    }
  }

  /** Closes every active order of an account (a sandbox account being closed). */
  cancelAll(account: SimAccount): void {
    for (const o of this.active(account.id)) this.cancel(account, o, StatusCause.CANCELLED_BY_CLIENT);
  }

  // ---- internals ----

  private reservationFor(o: SimOrder): { cash: bigint; pieces: bigint } {
    const pieces = lotsLeft(o) * BigInt(o.instrument.lot);
    if (o.direction === OrderDirection.BUY) {
      const amount = o.priceNanos * pieces;
      return { cash: amount + this.commissionOf(amount), pieces: 0n };
    }
    return { cash: 0n, pieces };
  }

  private reserve(account: SimAccount, o: SimOrder): void {
    const r = this.reservationFor(o);
    o.reservedCash = r.cash;
    o.reservedPieces = r.pieces;
    account.blockedCash += r.cash;
    if (r.pieces > 0n) holdingOf(account, o.instrument.uid).blocked += r.pieces;
  }

  private release(account: SimAccount, o: SimOrder): void {
    account.blockedCash -= o.reservedCash;
    o.reservedCash = 0n;
    if (o.reservedPieces > 0n) holdingOf(account, o.instrument.uid).blocked -= o.reservedPieces;
    o.reservedPieces = 0n;
  }

  private fill(account: SimAccount, o: SimOrder, lots: bigint, priceNanos: bigint, timeMs: number): void {
    if (lots <= 0n) return;
    const pieces = lots * BigInt(o.instrument.lot);
    const amount = priceNanos * pieces;
    const commission = this.commissionOf(amount);
    this.tradeSeq += 1;
    const fill: OrderFill = { tradeId: String(this.idBase * 10 + this.tradeSeq), timeMs, priceNanos, lots, commissionNanos: commission };
    // Unblock what this order held, settle the trade, then block what the rest still needs.
    const uid = o.instrument.uid;
    account.blockedCash -= o.reservedCash;
    o.reservedCash = 0n;
    if (o.direction === OrderDirection.BUY) {
      account.cash -= amount + commission;
      addPieces(account, uid, pieces, priceNanos);
    } else {
      removeBlockedPieces(account, uid, pieces);
      o.reservedPieces -= pieces;
      account.cash += amount - commission;
    }
    o.lotsExecuted += lots;
    o.fills.push(fill);
    if (o.direction === OrderDirection.BUY && lotsLeft(o) > 0n) {
      const r = this.reservationFor(o);
      o.reservedCash = r.cash;
      account.blockedCash += r.cash;
    }
    if (lotsLeft(o) === 0n) {
      this.unrest(o);
      o.status = ExecutionReportStatus.FILL;
      o.completedMs = timeMs;
    } else o.status = ExecutionReportStatus.PARTIALLYFILL;
    this.emit(o, [fill]);
  }

  private finish(o: SimOrder, status: number, cause: number): void {
    o.status = status;
    o.cause = cause;
    o.completedMs = this.host.now();
    this.emit(o, []);
  }

  private rest(o: SimOrder): void {
    const symbol = o.instrument.marketSymbol;
    if (symbol === undefined) return;
    let set = this.resting.get(symbol);
    if (!set) this.resting.set(symbol, (set = new Set()));
    set.add(o);
  }

  private unrest(o: SimOrder): void {
    const symbol = o.instrument.marketSymbol;
    if (symbol !== undefined) this.resting.get(symbol)?.delete(o);
  }

  private emit(o: SimOrder, fills: readonly OrderFill[]): void {
    for (const l of this.listeners) l({ order: o, fills });
  }
}

/** An order as the venue's record shows it to tests: plain values, prices as decimal text per piece. */
export interface SimOrderRecord {
  orderId: string;
  accountId: string;
  requestKey: string;
  ticker: string;
  figi: string;
  instrumentUid: string;
  direction: 'buy' | 'sell';
  orderType: 'limit' | 'market' | 'bestprice';
  status: 'NEW' | 'PARTIALLYFILL' | 'FILL' | 'CANCELLED' | 'REJECTED';
  /** The wire number of `status`. */
  statusCode: number;
  price: string;
  lotsRequested: bigint;
  lotsExecuted: bigint;
  lotsCancelled: bigint;
  fills: { tradeId: string; price: string; lots: bigint; timeMs: number }[];
  createdMs: number;
  completedMs: number | undefined;
}

const STATUS_NAMES: Record<number, SimOrderRecord['status']> = {
  [ExecutionReportStatus.NEW]: 'NEW',
  [ExecutionReportStatus.PARTIALLYFILL]: 'PARTIALLYFILL',
  [ExecutionReportStatus.FILL]: 'FILL',
  [ExecutionReportStatus.CANCELLED]: 'CANCELLED',
  [ExecutionReportStatus.REJECTED]: 'REJECTED',
};

export function orderRecord(o: SimOrder): SimOrderRecord {
  return {
    orderId: o.orderId,
    accountId: o.accountId,
    requestKey: o.requestKey,
    ticker: o.instrument.ticker,
    figi: o.instrument.figi,
    instrumentUid: o.instrument.uid,
    direction: o.direction === OrderDirection.BUY ? 'buy' : 'sell',
    orderType: o.orderType === OrderType.LIMIT ? 'limit' : o.orderType === OrderType.MARKET ? 'market' : 'bestprice',
    status: STATUS_NAMES[o.status] ?? 'NEW',
    statusCode: o.status,
    price: formatScaled(o.priceNanos, NANO_SCALE),
    lotsRequested: o.lotsRequested,
    lotsExecuted: o.lotsExecuted,
    lotsCancelled: o.lotsCancelled,
    fills: o.fills.map((f) => ({ tradeId: f.tradeId, price: formatScaled(f.priceNanos, NANO_SCALE), lots: f.lots, timeMs: f.timeMs })),
    createdMs: o.createdMs,
    completedMs: o.completedMs,
  };
}
