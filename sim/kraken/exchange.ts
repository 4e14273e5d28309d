/**
 * The Kraken venue's state and rules, shared by REST and WS v2: order entry with Kraken's
 * validation and error strings, the trading counter, fills from the shared market, the
 * account, and the events the executions and balances channels report. Transports only
 * translate to and from this.
 */
import type { Market, MarketTrade } from '../market.js';
import { formatFixed } from '../market.js';
import { isDecText, parseScaled } from '../../common/decimal.js';
import { Accounts } from './accounts.js';
import type { LedgerEntry } from './accounts.js';
import { SyntheticBook } from './book.js';
import type { IdMaker } from './ids.js';
import { RestingBook, crossesQuote } from './matching.js';
import type { Side } from './matching.js';
import { MAKER_FEE_BP, TAKER_FEE_BP } from './pairs.js';
import type { KrakenPair, PairDirectory } from './pairs.js';
import { amendCost, cancelPenalty } from './rate-limits.js';
import type { RateLimits } from './rate-limits.js';
import type { FillRecord, KrakenRecord, OrderRecord, OrderStatus } from './record.js';
import { rescale, rescaleUp } from './wire.js';
import { isLimitLeg, isTriggerType, newTrigger, onLast, parseTriggerText } from './triggers.js';
import type { KrakenOrderType, PriceType, Trigger, TriggerType } from './triggers.js';

export interface Fill {
  tradeId: string;
  publicTradeId: number;
  price: bigint;
  qty: bigint;
  cost: bigint;
  fee: bigint;
  liquidity: 'm' | 't';
  timeMs: number;
}

export interface Order {
  txid: string;
  pair: KrakenPair;
  side: Side;
  ordertype: KrakenOrderType;
  /** Pair scale: the limit price (of limit and `-limit` kinds). */
  price?: bigint;
  /** Trigger kinds: where the trigger stands. */
  trigger?: Trigger;
  /** trailing-stop-limit: the limit is the trigger plus this (pair scale, signed). */
  limitOffset?: bigint;
  /** Lot scale. */
  volume: bigint;
  volExec: bigint;
  /** Quote asset scale. */
  cost: bigint;
  fee: bigint;
  status: OrderStatus;
  clOrdId?: string;
  userref?: number;
  postOnly: boolean;
  timeInForce: 'GTC' | 'IOC' | 'GTD';
  expireMs?: number;
  openMs: number;
  /** Placed or last amended: the age the cancel penalty looks at. */
  restedSinceMs: number;
  closeMs?: number;
  reason?: string;
  amended: boolean;
  /** The terms as placed and after each amend (REST OrderAmends). */
  amends: AmendEntry[];
  source: 'rest' | 'ws';
  fills: Fill[];
  /** What it holds while open, and in which asset. */
  hold: bigint;
  holdAsset: string;
}

export interface AmendEntry {
  amendId: string;
  type: 'original' | 'user';
  volume: bigint;
  remaining: bigint;
  price?: bigint;
  trigger?: bigint;
  postOnly: boolean;
  timeMs: number;
}

export type ExecEvent =
  | { kind: 'pending_new' | 'new' | 'filled' | 'canceled' | 'expired' | 'amended' | 'status'; order: Order; timeMs: number }
  | { kind: 'trade'; order: Order; fill: Fill; timeMs: number };

export type Result<T> = { ok: true; value: T } | { ok: false; error: string };

export interface OrderInput {
  pair: KrakenPair;
  side: string | undefined;
  ordertype: string | undefined;
  volume: string | undefined;
  price: string | undefined;
  /** Trigger kinds: static price, or REST's relative "+5%"/"-150"; with a WS price_type, its signed value. */
  trigger?: string;
  triggerType?: string;
  clOrdId?: string;
  userref?: string;
  postOnly: boolean;
  timeInForce?: string;
  /** GTD expiry: unix seconds, or "+n" seconds from now. */
  expiretm?: string;
  validate: boolean;
  source: 'rest' | 'ws';
}

export interface Placed {
  /** Absent when only validated. */
  order?: Order;
  descr: string;
}

export interface AmendInput {
  qty?: string;
  price?: string;
  triggerPrice?: string;
  postOnly?: boolean;
}

const UUID_RE = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const HEX32_RE = /^[0-9a-fA-F]{32}$/;
const SHORT_RE = /^[\x20-\x7e]{1,18}$/;
const INT_RE = /^-?\d{1,10}$/;

/** cl_ord_id: a UUID with or without dashes, or free ASCII text of at most 18 characters. */
export function validClOrdId(id: string): boolean {
  return UUID_RE.test(id) || HEX32_RE.test(id) || SHORT_RE.test(id);
}

function fail<T>(error: string): Result<T> {
  return { ok: false, error };
}

interface PairState {
  pair: KrakenPair;
  resting: RestingBook;
  book: SyntheticBook;
  /** Market qty scale of this symbol (its trades are coarser than lot_decimals). */
  marketQtyScale: number;
}

export class Exchange {
  readonly accounts: Accounts;
  private readonly orders = new Map<string, Order>();
  private readonly pairs = new Map<string, PairState>();
  private readonly execListeners = new Set<(e: ExecEvent) => void>();
  private readonly ledgerListeners = new Set<(entries: LedgerEntry[]) => void>();
  private readonly tradeListeners = new Set<(pair: KrakenPair, t: MarketTrade) => void>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private deadMan: NodeJS.Timeout | undefined;
  private deadManAtMs = 0;
  /** Set while the venue prints its own taker fill on the market, so it does not match itself. */
  private printingOwn = false;
  private readonly unsubscribe: () => void;

  constructor(
    readonly dir: PairDirectory,
    readonly market: Market,
    balances: Readonly<Record<string, string>>,
    private readonly limits: RateLimits,
    private readonly ids: IdMaker,
    private readonly record: KrakenRecord,
    private readonly now: () => number,
    rand: () => number,
  ) {
    this.accounts = new Accounts(dir, balances);
    for (const pair of dir.pairs) {
      const info = market.info(pair.symbol);
      if (info.priceScale !== pair.pairDecimals || info.tick !== parseScaled(pair.tickSize).int) {
        throw new Error(`market ${pair.symbol}: price step must equal tick_size ${pair.tickSize}`);
      }
      if (info.qtyScale > pair.lotDecimals) throw new Error(`market ${pair.symbol}: qty step finer than lot_decimals`);
      const maxQty = parseScaled(pair.bookMaxQty);
      const book = new SyntheticBook(info.tick, rescale(maxQty.int, maxQty.scale, pair.lotDecimals), rand, market.lastPrice(pair.symbol));
      this.pairs.set(pair.id, { pair, resting: new RestingBook(), book, marketQtyScale: info.qtyScale });
    }
    this.unsubscribe = market.onTrade((t) => this.onMarketTrade(t));
  }

  close(): void {
    this.unsubscribe();
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    if (this.deadMan) clearTimeout(this.deadMan);
  }

  onExec(l: (e: ExecEvent) => void): () => void {
    this.execListeners.add(l);
    return () => this.execListeners.delete(l);
  }

  onLedger(l: (entries: LedgerEntry[]) => void): () => void {
    this.ledgerListeners.add(l);
    return () => this.ledgerListeners.delete(l);
  }

  /** Public trades of listed pairs, after own orders matched and the book moved. */
  onPublicTrade(l: (pair: KrakenPair, t: MarketTrade) => void): () => void {
    this.tradeListeners.add(l);
    return () => this.tradeListeners.delete(l);
  }

  book(pairId: string): SyntheticBook {
    return this.state(pairId).book;
  }

  /** Lot-scale size of a market trade. */
  tradeQty(pair: KrakenPair, t: MarketTrade): bigint {
    return rescale(t.qty, this.state(pair.id).marketQtyScale, pair.lotDecimals);
  }

  order(txid: string): Order | undefined {
    return this.orders.get(txid);
  }

  allOrders(): Order[] {
    return [...this.orders.values()];
  }

  openOrders(): Order[] {
    return this.allOrders().filter((o) => o.status === 'open' || o.status === 'pending');
  }

  openByClOrdId(id: string): Order | undefined {
    return this.openOrders().find((o) => o.clOrdId === id);
  }

  /** Newest order with this cl_ord_id, open or not. */
  anyByClOrdId(id: string): Order | undefined {
    return this.allOrders().reverse().find((o) => o.clOrdId === id);
  }

  /** Holds of open orders in one asset. */
  held(assetId: string): bigint {
    let h = 0n;
    for (const o of this.openOrders()) if (o.holdAsset === assetId) h += o.hold;
    return h;
  }

  describe(o: Pick<Order, 'side' | 'volume' | 'pair' | 'ordertype' | 'price' | 'trigger'>): string {
    const vol = formatFixed(o.volume, o.pair.lotDecimals);
    const px = (v: bigint): string => formatFixed(v, o.pair.pairDecimals);
    let at = o.ordertype === 'market' ? 'market' : `limit ${px(o.price ?? 0n)}`;
    if (o.trigger) at = `${o.ordertype.replace(/-/g, ' ')} ${px(o.trigger.actual)}${o.price !== undefined ? ` -> limit ${px(o.price)}` : ''}`;
    return `${o.side} ${vol} ${o.pair.altname} @ ${at}`;
  }

  /** The trigger as placed, as REST's descr.price shows it: absolute, or "+5.00%"/"+150.0". */
  triggerText(o: Order): string {
    const t = o.trigger;
    if (!t) return '0';
    if (t.priceType === 'static') return formatFixed(t.price, o.pair.pairDecimals);
    const abs = t.price < 0n ? -t.price : t.price;
    const sign = t.price < 0n ? '-' : '+';
    return t.priceType === 'pct' ? `${sign}${formatFixed(abs, 2)}%` : `${sign}${formatFixed(abs, o.pair.pairDecimals)}`;
  }

  addOrder(input: OrderInput): Result<Placed> {
    const { pair } = input;
    // The fixed part of the trading counter is charged even when validation then fails.
    if (!this.limits.tryTrade(pair.id, 1)) return fail('EOrder:Rate limit exceeded');
    if (input.side !== 'buy' && input.side !== 'sell') return fail('EGeneral:Invalid arguments:type');
    const side: Side = input.side;
    const typeText = input.ordertype ?? '';
    if (typeText !== 'market' && typeText !== 'limit' && !isTriggerType(typeText)) return fail('EGeneral:Invalid arguments:ordertype');
    const ordertype: KrakenOrderType = typeText;
    if (input.volume === undefined || !isDecText(input.volume)) return fail('EGeneral:Invalid arguments:volume');
    const vol = parseScaled(input.volume);
    if (vol.int <= 0n || vol.scale > pair.lotDecimals) return fail('EGeneral:Invalid arguments:volume');
    const volume = rescale(vol.int, vol.scale, pair.lotDecimals);
    let price: bigint | undefined;
    let limitOffset: bigint | undefined;
    let trigger: Trigger | undefined;
    if (ordertype === 'trailing-stop-limit') {
      // Its limit is an offset from the trigger price (0 = the trigger itself).
      const off = parseTriggerText(input.price ?? '0', pair.pairDecimals);
      if (!off || off.type === 'pct') return fail('EGeneral:Invalid arguments:price2');
      limitOffset = off.value;
    } else if (isLimitLeg(ordertype)) {
      const p = this.parsePrice(pair, input.price);
      if (!p.ok) return p;
      price = p.value;
    }
    if (isTriggerType(ordertype)) {
      const t = this.parseTrigger(pair, ordertype, input.trigger, input.triggerType);
      if (!t.ok) return t;
      trigger = newTrigger(ordertype, side, t.value.value, t.value.type, this.market.lastPrice(pair.symbol));
    }
    if (input.clOrdId !== undefined && input.userref !== undefined) return fail('EGeneral:Invalid arguments:cl_ord_id');
    if (input.clOrdId !== undefined && !validClOrdId(input.clOrdId)) return fail('EGeneral:Invalid arguments:cl_ord_id');
    let userref: number | undefined;
    if (input.userref !== undefined) {
      const n = Number(input.userref);
      if (!INT_RE.test(input.userref) || n < -(2 ** 31) || n >= 2 ** 31) return fail('EGeneral:Invalid arguments:userref');
      userref = n;
    }
    const tif = (input.timeInForce ?? 'GTC').toUpperCase();
    if (tif !== 'GTC' && tif !== 'IOC' && tif !== 'GTD') return fail('EGeneral:Invalid arguments:timeinforce');
    let expireMs: number | undefined;
    if (tif === 'GTD') {
      const e = this.parseExpire(input.expiretm);
      if (e === undefined) return fail('EGeneral:Invalid arguments:expiretm');
      expireMs = e;
    }
    if (input.postOnly && ordertype !== 'limit') return fail('EGeneral:Invalid arguments:oflags');
    const min = parseScaled(pair.ordermin);
    if (volume < rescale(min.int, min.scale, pair.lotDecimals)) return fail('EOrder:Order minimum not met');
    if (input.clOrdId !== undefined && this.openByClOrdId(input.clOrdId)) return fail('EOrder:Duplicate cl_ord_id');

    const { bid, ask } = this.quote(pair);
    const touch = side === 'buy' ? ask : bid;
    // A limit buy is checked at its own price, which is never below what it would pay.
    const { asset, amount } = this.holdFor(pair, side, volume, price ?? trigger?.actual ?? touch);
    if (this.accounts.balance(asset) - this.held(asset) < amount) return fail('EOrder:Insufficient funds');

    const draft = { side, volume, pair, ordertype, price, ...(trigger ? { trigger } : {}) };
    if (input.validate) return { ok: true, value: { descr: this.describe(draft) } };

    const t = this.now();
    const order: Order = {
      txid: this.ids.order(),
      pair,
      side,
      ordertype,
      ...(price !== undefined ? { price } : {}),
      ...(trigger ? { trigger } : {}),
      ...(limitOffset !== undefined ? { limitOffset } : {}),
      volume,
      volExec: 0n,
      cost: 0n,
      fee: 0n,
      status: 'pending',
      ...(input.clOrdId !== undefined ? { clOrdId: input.clOrdId } : {}),
      ...(userref !== undefined ? { userref } : {}),
      postOnly: input.postOnly,
      timeInForce: tif,
      ...(expireMs !== undefined ? { expireMs } : {}),
      openMs: t,
      restedSinceMs: t,
      amended: false,
      amends: [],
      source: input.source,
      fills: [],
      hold: 0n,
      holdAsset: asset,
    };
    this.orders.set(order.txid, order);
    order.amends.push(this.amendEntry(order, this.ids.trade(), 'original', t));
    this.sync(order);
    this.emit({ kind: 'pending_new', order, timeMs: t });
    order.status = 'open';
    this.sync(order);
    this.emit({ kind: 'new', order, timeMs: t });

    if (trigger) {
      // Waits, holding its funds, for the last price to reach the trigger.
      this.rehold(order);
      this.expireLater(order);
    } else if (ordertype === 'market' || (price !== undefined && crossesQuote(side, price, bid, ask))) {
      if (input.postOnly) this.finish(order, 'canceled', 'Post only order');
      else this.take(order, touch);
    } else if (tif === 'IOC') {
      this.finish(order, 'canceled', 'Immediate or cancel');
    } else {
      this.rest(order);
    }
    return { ok: true, value: { order, descr: this.describe(order) } };
  }

  /** Cancels an open order; the trading counter takes the penalty for its age. */
  cancel(order: Order, reason = 'User requested'): Result<Order> {
    if (order.status !== 'open' && order.status !== 'pending') return fail('EOrder:Invalid order');
    this.limits.chargeTrade(order.pair.id, cancelPenalty(this.now() - order.restedSinceMs));
    this.finish(order, 'canceled', reason);
    return { ok: true, value: order };
  }

  cancelAll(reason = 'User requested'): number {
    const open = this.openOrders();
    for (const pairId of new Set(open.map((o) => o.pair.id))) this.limits.chargeTrade(pairId, 1);
    for (const o of open) this.finish(o, 'canceled', reason);
    return open.length;
  }

  /** Dead man's switch: cancels everything `timeoutSec` from now unless called again; 0 disarms. */
  cancelAllAfter(timeoutSec: number): { currentMs: number; triggerMs: number } {
    const t = this.now();
    if (this.deadMan) clearTimeout(this.deadMan);
    this.deadMan = undefined;
    this.deadManAtMs = 0;
    if (timeoutSec > 0) {
      this.deadManAtMs = t + timeoutSec * 1000;
      this.deadMan = setTimeout(() => {
        this.deadMan = undefined;
        this.deadManAtMs = 0;
        this.cancelAll("Dead man's switch");
      }, timeoutSec * 1000);
      this.deadMan.unref();
    }
    return { currentMs: t, triggerMs: this.deadManAtMs };
  }

  amend(order: Order, input: AmendInput): Result<{ amendId: string }> {
    if (order.status !== 'open') return fail('EOrder:Invalid order');
    if (!this.limits.tryTrade(order.pair.id, amendCost(this.now() - order.restedSinceMs))) return fail('EOrder:Rate limit exceeded');
    const pair = order.pair;
    let price = order.price;
    if (input.price !== undefined) {
      if (!isLimitLeg(order.ordertype) || order.ordertype === 'trailing-stop-limit') return fail('EGeneral:Invalid arguments:limit_price');
      const p = this.parsePrice(pair, input.price);
      if (!p.ok) return p;
      price = p.value;
    }
    const waiting = order.trigger !== undefined && order.trigger.status === 'untriggered';
    let trigger = order.trigger?.actual;
    if (input.triggerPrice !== undefined) {
      // A static trigger that has not fired; trailing offsets and fired triggers stay.
      if (!waiting || order.trigger?.priceType !== 'static') return fail('EGeneral:Invalid arguments:trigger_price');
      const p = this.parsePrice(pair, input.triggerPrice);
      if (!p.ok) return p;
      trigger = p.value;
    }
    let volume = order.volume;
    if (input.qty !== undefined) {
      if (!isDecText(input.qty)) return fail('EGeneral:Invalid arguments:order_qty');
      const q = parseScaled(input.qty);
      if (q.int <= 0n || q.scale > pair.lotDecimals) return fail('EGeneral:Invalid arguments:order_qty');
      volume = rescale(q.int, q.scale, pair.lotDecimals);
      const min = parseScaled(pair.ordermin);
      if (volume < rescale(min.int, min.scale, pair.lotDecimals)) return fail('EOrder:Order minimum not met');
    }
    const postOnly = input.postOnly ?? order.postOnly;
    if (price === order.price && volume === order.volume && postOnly === order.postOnly && trigger === order.trigger?.actual) return fail('EOrder:No amendable parameters');
    const { bid, ask } = this.quote(pair);
    // An order still waiting for its trigger is not on the book: nothing of it can cross yet.
    const crosses = !waiting && price !== undefined && crossesQuote(order.side, price, bid, ask);
    if (crosses && postOnly) return fail('EOrder:Post only order');
    const remaining = volume > order.volExec ? volume - order.volExec : 0n;
    const need = this.holdFor(pair, order.side, remaining, price ?? trigger ?? 0n).amount;
    if (this.accounts.balance(order.holdAsset) - this.held(order.holdAsset) + order.hold < need) return fail('EOrder:Insufficient funds');

    const amendId = this.ids.trade();
    const t = this.now();
    order.price = price;
    if (order.trigger && trigger !== undefined && trigger !== order.trigger.actual) {
      order.trigger.price = trigger;
      order.trigger.actual = trigger;
    }
    order.volume = volume < order.volExec ? order.volExec : volume;
    order.postOnly = postOnly;
    order.amended = true;
    order.restedSinceMs = t;
    order.amends.push(this.amendEntry(order, amendId, 'user', t));
    this.sync(order);
    this.emit({ kind: 'amended', order, timeMs: t });
    const st = this.state(pair.id);
    if (order.volExec >= order.volume) {
      // Below what has filled: the rest is cancelled (the sheet's §8 rule).
      st.resting.remove(order.txid);
      this.finish(order, order.volExec > 0n ? 'closed' : 'canceled');
    } else if (waiting) {
      this.rehold(order);
    } else if (crosses) {
      st.resting.remove(order.txid);
      this.take(order, order.side === 'buy' ? ask : bid);
    } else {
      st.resting.amend(order.txid, price ?? 0n, order.volume - order.volExec);
      this.rehold(order);
    }
    return { ok: true, value: { amendId } };
  }

  private amendEntry(o: Order, amendId: string, type: AmendEntry['type'], t: number): AmendEntry {
    const e: AmendEntry = { amendId, type, volume: o.volume, remaining: o.volume > o.volExec ? o.volume - o.volExec : 0n, postOnly: o.postOnly, timeMs: t };
    if (o.price !== undefined) e.price = o.price;
    if (o.trigger) e.trigger = o.trigger.actual;
    return e;
  }

  /** Resting ids at one price of a pair, first in the queue first. */
  queueAt(pairId: string, side: Side, price: bigint): string[] {
    return this.state(pairId).resting.queueAt(side, price);
  }

  /** The touch of the synthetic book. */
  quote(pair: KrakenPair): { bid: bigint; ask: bigint } {
    const b = this.state(pair.id).book;
    const last = this.market.lastPrice(pair.symbol);
    const tick = parseScaled(pair.tickSize).int;
    return { bid: b.bestBid() ?? last - tick, ask: b.bestAsk() ?? last + tick };
  }

  private parsePrice(pair: KrakenPair, text: string | undefined): Result<bigint> {
    if (text === undefined || !isDecText(text)) return fail('EGeneral:Invalid arguments:price');
    const p = parseScaled(text);
    if (p.int <= 0n) return fail('EGeneral:Invalid arguments:price');
    const tick = parseScaled(pair.tickSize);
    if (p.scale > pair.pairDecimals) {
      // Extra decimals are fine only when they are zeros.
      const div = 10n ** BigInt(p.scale - pair.pairDecimals);
      if (p.int % div !== 0n) return fail('EOrder:Invalid price:Invalid price argument');
    }
    const scaled = rescale(p.int, p.scale, pair.pairDecimals);
    if (scaled % rescale(tick.int, tick.scale, pair.pairDecimals) !== 0n) return fail('EOrder:Invalid price:Invalid price argument');
    return { ok: true, value: scaled };
  }

  private parseExpire(text: string | undefined): number | undefined {
    if (text === undefined) return undefined;
    const rel = /^\+(\d+)$/.exec(text);
    if (rel) return Number(rel[1]) >= 5 ? this.now() + Number(rel[1]) * 1000 : undefined;
    if (!/^\d+$/.test(text)) return undefined;
    const ms = Number(text) * 1000;
    return ms > this.now() ? ms : undefined;
  }

  /** What an order of this size holds: quote for buys (with the taker fee), base for sells. */
  private holdFor(pair: KrakenPair, side: Side, remaining: bigint, price: bigint): { asset: string; amount: bigint } {
    if (side === 'sell') return { asset: pair.base, amount: rescale(remaining, pair.lotDecimals, this.dir.asset(pair.base).decimals) };
    const quoteDec = this.dir.asset(pair.quote).decimals;
    return { asset: pair.quote, amount: rescaleUp(remaining * price * (10000n + TAKER_FEE_BP), pair.pairDecimals + pair.lotDecimals + 4, quoteDec) };
  }

  private rest(order: Order): void {
    const st = this.state(order.pair.id);
    st.resting.add({ id: order.txid, side: order.side, price: order.price ?? 0n, remaining: order.volume - order.volExec });
    this.rehold(order);
    // A triggered order's expiry timer runs from its placement already.
    if (!order.trigger) this.expireLater(order);
  }

  private expireLater(order: Order): void {
    if (order.expireMs !== undefined) {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        if (order.status === 'open') this.finish(order, 'expired');
      }, Math.max(0, order.expireMs - this.now()));
      timer.unref();
      this.timers.add(timer);
    }
  }

  private rehold(order: Order): void {
    const open = order.status === 'open' || order.status === 'pending';
    order.hold = open ? this.holdFor(order.pair, order.side, order.volume - order.volExec, order.price ?? order.trigger?.actual ?? 0n).amount : 0n;
  }

  /** Fills the whole remainder at once at the touch, and prints it on the market. */
  private take(order: Order, price: bigint): void {
    const qty = order.volume - order.volExec;
    const st = this.state(order.pair.id);
    let marketQty = rescale(qty, order.pair.lotDecimals, st.marketQtyScale);
    if (marketQty <= 0n) marketQty = 1n;
    this.printingOwn = true;
    let print: MarketTrade;
    try {
      print = this.market.printTrade(order.pair.symbol, price, marketQty, order.side, this.now());
    } finally {
      this.printingOwn = false;
    }
    this.fill(order, price, qty, 't', print.id);
  }

  private fill(order: Order, price: bigint, qty: bigint, liquidity: 'm' | 't', publicTradeId: number): void {
    const pair = order.pair;
    const quote = this.dir.asset(pair.quote);
    const base = this.dir.asset(pair.base);
    const cost = rescale(price * qty, pair.pairDecimals + pair.lotDecimals, quote.decimals);
    const fee = rescaleUp(cost * (liquidity === 'm' ? MAKER_FEE_BP : TAKER_FEE_BP), quote.decimals + 4, quote.decimals);
    const baseQty = rescale(qty, pair.lotDecimals, base.decimals);
    const t = this.now();
    const f: Fill = { tradeId: this.ids.trade(), publicTradeId, price, qty, cost, fee, liquidity, timeMs: t };
    order.volExec += qty;
    order.cost += cost;
    order.fee += fee;
    order.fills.push(f);
    const entries =
      order.side === 'buy'
        ? [this.accounts.move(quote.id, -(cost + fee), fee, this.ids.ledger(), f.tradeId, t), this.accounts.move(base.id, baseQty, 0n, this.ids.ledger(), f.tradeId, t)]
        : [this.accounts.move(base.id, -baseQty, 0n, this.ids.ledger(), f.tradeId, t), this.accounts.move(quote.id, cost - fee, fee, this.ids.ledger(), f.tradeId, t)];
    const done = order.volExec >= order.volume;
    this.rehold(order);
    const rec = this.fillRecord(order, f);
    this.record.trades.push(rec);
    this.sync(order);
    this.emit({ kind: 'trade', order, fill: f, timeMs: t });
    for (const l of this.ledgerListeners) l(entries);
    if (done) this.finish(order, 'closed');
  }

  private finish(order: Order, status: 'closed' | 'canceled' | 'expired', reason?: string): void {
    this.state(order.pair.id).resting.remove(order.txid);
    order.status = status;
    order.closeMs = this.now();
    if (reason !== undefined) order.reason = reason;
    order.hold = 0n;
    this.sync(order);
    this.emit({ kind: status === 'closed' ? 'filled' : status, order, timeMs: order.closeMs });
  }

  private onMarketTrade(t: MarketTrade): void {
    const pair = this.dir.symbol(t.symbol);
    if (!pair) return;
    const st = this.state(pair.id);
    if (!this.printingOwn && st.resting.size() > 0) {
      for (const m of st.resting.matchTrade(t.price, this.tradeQty(pair, t))) {
        const order = this.orders.get(m.id);
        if (order && order.status === 'open') this.fill(order, m.price, m.qty, 'm', t.id);
      }
    }
    st.book.onTrade(t.price);
    for (const l of this.tradeListeners) l(pair, t);
    // Triggers look at the last price; the orders they fire act after this print went out.
    if (!this.printingOwn) for (const o of this.reachedTriggers(pair, t.price)) this.fire(o);
  }

  /** Prints a trade at `price` on the market (a test's way to move the last price across a trigger). */
  tradeAt(pair: KrakenPair, price: bigint, qty: bigint, side: Side): void {
    this.market.printTrade(pair.symbol, price, rescale(qty, pair.lotDecimals, this.state(pair.id).marketQtyScale) || 1n, side, this.now());
  }

  private reachedTriggers(pair: KrakenPair, last: bigint): Order[] {
    const out: Order[] = [];
    for (const o of this.orders.values()) {
      if (o.pair !== pair || o.status !== 'open' || !o.trigger) continue;
      const was = o.trigger.actual;
      if (onLast(o.ordertype as TriggerType, o.side, o.trigger, last)) out.push(o);
      else if (o.trigger.actual !== was) this.sync(o);
    }
    return out;
  }

  /** The trigger fired: a market order takes the touch, a limit order rests or takes like a new one. */
  private fire(order: Order): void {
    if (order.status !== 'open' || !order.trigger) return;
    const t = this.now();
    order.trigger.status = 'triggered';
    order.trigger.triggeredMs = t;
    if (order.limitOffset !== undefined) order.price = order.trigger.actual + order.limitOffset;
    this.sync(order);
    this.emit({ kind: 'status', order, timeMs: t });
    const { bid, ask } = this.quote(order.pair);
    const touch = order.side === 'buy' ? ask : bid;
    if (!isLimitLeg(order.ordertype) || (order.price !== undefined && crossesQuote(order.side, order.price, bid, ask))) this.take(order, touch);
    else if (order.timeInForce === 'IOC') this.finish(order, 'canceled', 'Immediate or cancel');
    else this.rest(order);
  }

  private parseTrigger(pair: KrakenPair, type: TriggerType, text: string | undefined, wsType: string | undefined): Result<{ value: bigint; type: PriceType }> {
    if (text === undefined) return fail('EGeneral:Invalid arguments:price');
    let parsed = parseTriggerText(text, pair.pairDecimals);
    if (parsed && wsType !== undefined && wsType !== 'static') {
      // WS gives the relative kind beside a plain signed number.
      if (wsType !== 'pct' && wsType !== 'quote') return fail('EGeneral:Invalid arguments:triggers.price_type');
      const again = parseTriggerText(wsType === 'pct' ? `${text.startsWith('-') || text.startsWith('+') ? text : `+${text}`}%` : text.startsWith('-') || text.startsWith('+') ? text : `+${text}`, pair.pairDecimals);
      parsed = again;
    }
    if (!parsed) return fail('EGeneral:Invalid arguments:price');
    const trailing = type.startsWith('trailing');
    if (trailing && (parsed.type === 'static' || parsed.value <= 0n)) return fail('EGeneral:Invalid arguments:price:trailing stops need a positive relative offset');
    if (!trailing && parsed.type === 'static') {
      const p = this.parsePrice(pair, text);
      if (!p.ok) return p;
    }
    return { ok: true, value: parsed };
  }

  private emit(e: ExecEvent): void {
    for (const l of this.execListeners) l(e);
  }

  private state(pairId: string): PairState {
    const st = this.pairs.get(pairId);
    if (!st) throw new Error(`unknown pair ${pairId}`);
    return st;
  }

  private fillRecord(order: Order, f: Fill): FillRecord {
    const quoteDec = this.dir.asset(order.pair.quote).decimals;
    return {
      tradeId: f.tradeId,
      publicTradeId: f.publicTradeId,
      txid: order.txid,
      pair: order.pair.id,
      side: order.side,
      price: formatFixed(f.price, order.pair.pairDecimals),
      qty: formatFixed(f.qty, order.pair.lotDecimals),
      cost: formatFixed(f.cost, quoteDec),
      fee: formatFixed(f.fee, quoteDec),
      liquidity: f.liquidity,
      timeMs: f.timeMs,
    };
  }

  /** Writes the order's current state into the record. */
  private sync(o: Order): void {
    const quoteDec = this.dir.asset(o.pair.quote).decimals;
    const rec: OrderRecord = {
      txid: o.txid,
      ...(o.clOrdId !== undefined ? { clOrdId: o.clOrdId } : {}),
      ...(o.userref !== undefined ? { userref: o.userref } : {}),
      pair: o.pair.id,
      side: o.side,
      ordertype: o.ordertype,
      ...(o.price !== undefined ? { price: formatFixed(o.price, o.pair.pairDecimals) } : {}),
      ...(o.trigger ? { triggerPrice: formatFixed(o.trigger.actual, o.pair.pairDecimals) } : {}),
      ...(o.trigger?.triggeredMs !== undefined ? { triggeredMs: o.trigger.triggeredMs } : {}),
      volume: formatFixed(o.volume, o.pair.lotDecimals),
      volExec: formatFixed(o.volExec, o.pair.lotDecimals),
      cost: formatFixed(o.cost, quoteDec),
      fee: formatFixed(o.fee, quoteDec),
      status: o.status,
      ...(o.reason !== undefined ? { reason: o.reason } : {}),
      postOnly: o.postOnly,
      timeInForce: o.timeInForce,
      source: o.source,
      openMs: o.openMs,
      ...(o.closeMs !== undefined ? { closeMs: o.closeMs } : {}),
      fills: o.fills.map((f) => this.fillRecord(o, f)),
    };
    this.record.orders.set(o.txid, rec);
  }
}
