/**
 * Kraken WebSocket v2 on one path (/v2) for public and private traffic alike (doc §4):
 * status on connect, ping/pong, heartbeats, subscribe/unsubscribe with one ack per
 * symbol, the public channels (instrument, ticker, trade, ohlc, book with checksums), the
 * private ones (executions, balances) and the trading methods, all gated by the token
 * from GetWebSocketsToken. Every send goes through one function so the stall fault holds.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { RawData, WebSocket } from 'ws';
import type { Market, MarketTrade } from '../market.js';
import { formatFixed } from '../market.js';
import type { LedgerEntry } from './accounts.js';
import type { TokenBook } from './auth.js';
import type { Level } from './book.js';
import { bookChecksum } from './checksum.js';
import type { ExecEvent, Exchange, Order } from './exchange.js';
import type { FaultState } from './faults.js';
import type { KrakenPair, PairDirectory } from './pairs.js';
import type { RateLimits } from './rate-limits.js';
import { bump } from './record.js';
import type { KrakenRecord } from './record.js';
import { OHLC_INTERVALS, candleRow, tickerStats } from './stats.js';
import type { CandleRow } from './stats.js';
import { Num, num, numberText, rescale, rfc3339, wireJson } from './wire.js';
import type { Wire } from './wire.js';

export interface WsContext {
  dir: PairDirectory;
  market: Market;
  exchange: Exchange;
  tokens: TokenBook;
  limits: RateLimits;
  faults: FaultState;
  record: KrakenRecord;
  now: () => number;
}

export const BOOK_DEPTHS = [10, 25, 100, 500, 1000] as const;
const TRADE_SNAPSHOT = 50;
const WS_VERSION = '2.0.10';

type PublicChannel = 'ticker' | 'trade' | 'ohlc' | 'book';

interface BookView {
  asks: Map<bigint, bigint>;
  bids: Map<bigint, bigint>;
}

interface Sub {
  channel: PublicChannel | 'instrument' | 'executions' | 'balances';
  pair?: KrakenPair;
  interval?: number;
  depth?: number;
  view?: BookView;
}

interface Conn {
  ws: WebSocket;
  id: string;
  subs: Map<string, Sub>;
  /** Tokens this connection has used: they stay good while it lasts. */
  tokens: Set<string>;
  lastSentMs: number;
  seq: { executions: number; balances: number };
}

type Json = { [k: string]: unknown };

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A client's decimal as text: JSON numbers and strings both accepted. */
function decText(v: unknown): string | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return numberText(v);
  if (typeof v === 'string') return v;
  return undefined;
}

const ADD_ORDER_FIELDS = new Set([
  'order_type', 'side', 'order_qty', 'symbol', 'limit_price', 'limit_price_type', 'time_in_force', 'post_only', 'reduce_only', 'margin',
  'cl_ord_id', 'order_userref', 'display_qty', 'fee_preference', 'no_mpp', 'stp_type', 'effective_time', 'expire_time', 'deadline',
  'validate', 'triggers', 'conditional', 'cash_order_qty', 'token',
]);
/** Accepted by Kraken but not simulated: refused rather than silently ignored. */
const ADD_ORDER_UNSIMULATED = ['reduce_only', 'margin', 'display_qty', 'conditional', 'cash_order_qty', 'effective_time'];

export interface KrakenWs {
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  dropAll(): void;
  sendMalformed(): void;
  /** Sets a pair's status (online, cancel_only, post_only, limit_only, maintenance…) and sends it on the instrument channel. */
  setPairStatus(symbol: string, status: string): void;
  close(): Promise<void>;
}

export function createWsServer(ctx: WsContext): KrakenWs {
  const { dir, market, exchange, record } = ctx;
  const wss = new WebSocketServer({ noServer: true });
  const conns = new Set<Conn>();
  let nextConnId = 9_007_199_254_740_993n; // past 2^53, like Kraken's ids

  const send = (c: Conn, msg: Wire): boolean => {
    if (ctx.faults.stalled || c.ws.readyState !== c.ws.OPEN) return false;
    c.ws.send(wireJson(msg));
    c.lastSentMs = Date.now();
    return true;
  };

  const reply = (c: Conn, method: string, reqId: unknown, timeIn: number, result: Wire, extra: Json = {}): void => {
    send(c, { method, result, success: true, time_in: rfc3339(timeIn), time_out: rfc3339(ctx.now()), ...(reqIdWire(reqId) ?? {}), ...(extra as { [k: string]: Wire }) });
  };
  const replyError = (c: Conn, method: string | undefined, reqId: unknown, timeIn: number, error: string, result?: Wire): void => {
    bump(record.errors, error);
    bump(record.wsErrors, error);
    send(c, {
      ...(method !== undefined ? { method } : {}),
      ...(result !== undefined ? { result } : {}),
      error,
      success: false,
      time_in: rfc3339(timeIn),
      time_out: rfc3339(ctx.now()),
      ...(reqIdWire(reqId) ?? {}),
    });
  };

  const tokenOk = (c: Conn, token: unknown): boolean => {
    if (typeof token !== 'string') return false;
    if (c.tokens.has(token) && ctx.tokens.known(token)) return true;
    if (!ctx.tokens.fresh(token)) return false;
    c.tokens.add(token);
    return true;
  };

  // ---- wire shapes -------------------------------------------------------------

  const px = (pair: KrakenPair, v: bigint): Num => num(v, pair.pairDecimals);
  const qty = (pair: KrakenPair, v: bigint): Num => num(v, pair.lotDecimals);
  const quoteNum = (pair: KrakenPair, v: bigint): Num => num(v, dir.asset(pair.quote).decimals);

  /** Pair statuses the instrument channel reports (online unless a test set another). */
  const pairStatus = new Map<string, string>();
  const pairWire = (p: KrakenPair): Wire => ({
    symbol: p.symbol,
    base: dir.asset(p.base).v2,
    quote: dir.asset(p.quote).v2,
    status: pairStatus.get(p.symbol) ?? 'online',
    qty_precision: p.lotDecimals,
    qty_increment: num(1n, p.lotDecimals),
    qty_min: new Num(p.ordermin),
    price_precision: p.pairDecimals,
    price_increment: new Num(p.tickSize),
    cost_precision: p.costDecimals,
    cost_min: new Num(p.costmin),
    marginable: false,
    has_index: true,
    margin_initial: 0,
    position_limit_long: 0,
    position_limit_short: 0,
  });

  const instrumentData = (): Wire => ({
    assets: dir.assets.map((a) => ({
      id: a.v2,
      status: 'enabled',
      precision: a.decimals,
      precision_display: a.displayDecimals,
      borrowable: false,
      collateral_value: 0,
      margin_rate: 0,
    })),
    pairs: dir.pairs.map(pairWire),
  });

  const tickerData = (pair: KrakenPair): Wire => {
    const s = tickerStats(market, pair, ctx.now());
    const book = exchange.book(pair.id);
    const change = s.last - s.dayOpen;
    const pct = s.dayOpen === 0n ? 0n : (change * 10000n) / s.dayOpen;
    return {
      symbol: pair.symbol,
      bid: px(pair, book.bids[0]?.price ?? s.last),
      bid_qty: qty(pair, book.bids[0]?.qty ?? 0n),
      ask: px(pair, book.asks[0]?.price ?? s.last),
      ask_qty: qty(pair, book.asks[0]?.qty ?? 0n),
      last: px(pair, s.last),
      volume: qty(pair, s.day.volume),
      vwap: px(pair, s.day.vwap),
      low: px(pair, s.day.low),
      high: px(pair, s.day.high),
      change: px(pair, change),
      change_pct: num(pct, 2),
    };
  };

  const tradeData = (pair: KrakenPair, t: MarketTrade): Wire => ({
    symbol: pair.symbol,
    side: t.side,
    price: px(pair, t.price),
    qty: qty(pair, rescale(t.qty, market.info(pair.symbol).qtyScale, pair.lotDecimals)),
    ord_type: 'market',
    trade_id: t.id,
    timestamp: rfc3339(t.timeMs),
  });

  const ohlcData = (pair: KrakenPair, interval: number, r: CandleRow): Wire => ({
    symbol: pair.symbol,
    open: px(pair, r.open),
    high: px(pair, r.high),
    low: px(pair, r.low),
    close: px(pair, r.close),
    trades: r.count,
    volume: qty(pair, r.volume),
    vwap: px(pair, r.vwap),
    interval_begin: rfc3339(r.time * 1000, 9),
    interval,
    timestamp: rfc3339((r.time + interval * 60) * 1000),
  });

  const levelsWire = (pair: KrakenPair, ls: readonly { price: bigint; qty: bigint }[]): Wire => ls.map((l) => ({ price: px(pair, l.price), qty: qty(pair, l.qty) }));

  const checksumOf = (pair: KrakenPair): number => {
    const b = exchange.book(pair.id);
    const text = (ls: readonly Level[]): { price: string; qty: string }[] =>
      ls.slice(0, 10).map((l) => ({ price: formatFixed(l.price, pair.pairDecimals), qty: formatFixed(l.qty, pair.lotDecimals) }));
    const sum = bookChecksum(text(b.asks), text(b.bids));
    if (ctx.faults.takeCorrupt(pair.symbol)) {
      const bad = (sum ^ 0x5a5a5a5a) >>> 0;
      record.corruptedChecksums.push({ symbol: pair.symbol, sent: bad, correct: sum });
      return bad;
    }
    return sum;
  };

  const userref = (o: Order): number => o.userref ?? 0;
  const clId = (o: Order): { cl_ord_id?: string } => (o.clOrdId !== undefined ? { cl_ord_id: o.clOrdId } : {});
  const avgPrice = (o: Order): bigint => {
    let n = 0n;
    for (const f of o.fills) n += f.price * f.qty;
    return o.volExec === 0n ? 0n : (n * 2n + o.volExec) / (2n * o.volExec);
  };
  const feeUsd = (o: Order, fee: bigint): Num => {
    const quote = dir.asset(o.pair.quote);
    if (quote.v2 === 'USD') return num(fee, quote.decimals);
    const usdPair = dir.pairs.find((p) => p.base === quote.id && dir.asset(p.quote).v2 === 'USD');
    if (!usdPair) return num(0n, 2);
    return num(rescale(fee * market.lastPrice(usdPair.symbol), quote.decimals + usdPair.pairDecimals, 4), 4);
  };
  const totals = (o: Order): { [k: string]: Wire } => ({
    cum_qty: qty(o.pair, o.volExec),
    cum_cost: quoteNum(o.pair, o.cost),
    avg_price: px(o.pair, avgPrice(o)),
    fee_usd_equiv: feeUsd(o, o.fee),
  });
  const openStatus = (o: Order): string => (o.volExec > 0n ? 'partially_filled' : 'new');

  /** The executions `triggers` object of a trigger order (sheet §9). */
  const triggersWire = (o: Order): { triggers?: Wire } => {
    const t = o.trigger;
    if (!t) return {};
    const abs = t.price < 0n ? -t.price : t.price;
    const placed = t.priceType === 'pct' ? num(t.price, 2) : t.priceType === 'quote' ? num(t.price, o.pair.pairDecimals) : px(o.pair, abs);
    return {
      triggers: {
        reference: 'last',
        price: placed,
        price_type: t.priceType,
        actual_price: px(o.pair, t.actual),
        peak_price: px(o.pair, t.peak),
        last_price: px(o.pair, t.last),
        status: t.status,
        ...(t.triggeredMs !== undefined ? { timestamp: rfc3339(t.triggeredMs) } : {}),
      },
    };
  };

  /** An open order as the executions snapshot lists it (full fields). */
  const orderEntry = (o: Order, execType: string, status: string, t: number): Wire => ({
    order_id: o.txid,
    order_userref: userref(o),
    ...clId(o),
    symbol: o.pair.symbol,
    order_qty: qty(o.pair, o.volume),
    ...totals(o),
    time_in_force: o.timeInForce,
    exec_type: execType,
    side: o.side,
    order_type: o.ordertype,
    ...(o.price !== undefined ? { limit_price_type: 'static', limit_price: px(o.pair, o.price) } : {}),
    ...triggersWire(o),
    ...(o.expireMs !== undefined ? { expire_time: rfc3339(o.expireMs) } : {}),
    ...(o.postOnly ? { post_only: true } : {}),
    order_status: status,
    fee_ccy_pref: 'fciq',
    timestamp: rfc3339(t),
  });

  const execEntry = (e: ExecEvent): Wire => {
    const o = e.order;
    const ts = rfc3339(e.timeMs);
    switch (e.kind) {
      case 'pending_new':
        return orderEntry(o, 'pending_new', 'pending_new', e.timeMs);
      case 'new':
        return { timestamp: ts, order_status: 'new', exec_type: 'new', order_userref: userref(o), order_id: o.txid, ...clId(o), ...(o.postOnly ? { post_only: true } : {}) };
      case 'trade': {
        const f = e.fill;
        return {
          order_id: o.txid,
          order_userref: userref(o),
          ...clId(o),
          symbol: o.pair.symbol,
          side: o.side,
          order_type: o.ordertype,
          order_qty: qty(o.pair, o.volume),
          exec_id: f.tradeId,
          trade_id: f.publicTradeId,
          exec_type: 'trade',
          // Kraken reports a trade as partially_filled even when it completes the order; `filled` follows.
          order_status: 'partially_filled',
          last_qty: qty(o.pair, f.qty),
          last_price: px(o.pair, f.price),
          cost: quoteNum(o.pair, f.cost),
          liquidity_ind: f.liquidity,
          fees: [{ asset: dir.asset(o.pair.quote).v2, qty: quoteNum(o.pair, f.fee) }],
          ...totals(o),
          fee_ccy_pref: 'fciq',
          timestamp: ts,
        };
      }
      case 'filled':
        return { timestamp: ts, order_status: 'filled', exec_type: 'filled', order_userref: userref(o), order_id: o.txid, ...clId(o), ...totals(o) };
      case 'canceled':
      case 'expired':
        return {
          timestamp: ts,
          order_status: e.kind,
          exec_type: e.kind,
          ...totals(o),
          order_userref: userref(o),
          ...clId(o),
          cancel_reason: o.reason ?? (e.kind === 'expired' ? 'Order expired' : 'User requested'),
          reason: o.reason ?? (e.kind === 'expired' ? 'Order expired' : 'User requested'),
          order_id: o.txid,
        };
      case 'amended':
        return {
          timestamp: ts,
          exec_type: 'amended',
          order_status: openStatus(o),
          cum_qty: qty(o.pair, o.volExec),
          reason: 'User requested',
          amended: true,
          order_qty: qty(o.pair, o.volume),
          ...(o.price !== undefined ? { limit_price: px(o.pair, o.price), limit_price_type: 'static' } : {}),
          ...triggersWire(o),
          ...(o.postOnly ? { post_only: true } : {}),
          order_userref: userref(o),
          ...clId(o),
          order_id: o.txid,
        };
      case 'status':
        // No fill: the order changed at the venue (its trigger fired).
        return { timestamp: ts, exec_type: 'status', order_status: openStatus(o), order_userref: userref(o), ...clId(o), ...triggersWire(o), order_id: o.txid };
    }
  };

  const balanceSnapshot = (): Wire =>
    exchange.accounts.assetIds().map((id) => {
      const a = dir.asset(id);
      const b = num(exchange.accounts.balance(id), a.decimals);
      return { asset: a.v2, asset_class: 'currency', balance: b, wallets: [{ type: 'spot', id: 'main', balance: b }] };
    });

  const ledgerWire = (e: LedgerEntry): Wire => {
    const a = dir.asset(e.assetId);
    return {
      asset: a.v2,
      asset_class: 'currency',
      amount: num(e.amount, a.decimals),
      balance: num(e.balance, a.decimals),
      fee: num(e.fee, a.decimals),
      ledger_id: e.ledgerId,
      ref_id: e.refId,
      timestamp: rfc3339(e.timeMs),
      type: 'trade',
      subtype: '',
      category: 'trade',
      wallet_type: 'spot',
      wallet_id: 'main',
    };
  };

  // ---- books -------------------------------------------------------------------

  const topView = (ls: readonly Level[], depth: number): Map<bigint, bigint> => new Map(ls.slice(0, depth).map((l) => [l.price, l.qty]));

  const sendBookSnapshot = (c: Conn, sub: Sub): void => {
    const { pair, depth } = sub;
    if (!pair || depth === undefined) return;
    const b = exchange.book(pair.id);
    const asks = b.asks.slice(0, depth);
    const bids = b.bids.slice(0, depth);
    const ok = send(c, {
      channel: 'book',
      type: 'snapshot',
      data: [{ symbol: pair.symbol, bids: levelsWire(pair, bids), asks: levelsWire(pair, asks), checksum: checksumOf(pair), timestamp: rfc3339(ctx.now()) }],
    });
    if (ok) sub.view = { asks: topView(asks, depth), bids: topView(bids, depth) };
  };

  /** Changes that bring a client's top `depth` from `old` to the book's; levels pushed past the depth get no delete. */
  const sideDiff = (old: Map<bigint, bigint>, now: Map<bigint, bigint>, inBook: Set<bigint>): Level[] => {
    const out: Level[] = [];
    for (const p of old.keys()) if (!now.has(p) && !inBook.has(p)) out.push({ price: p, qty: 0n });
    for (const [p, q] of now) if (old.get(p) !== q) out.push({ price: p, qty: q });
    return out;
  };

  const sendBookUpdate = (c: Conn, sub: Sub): void => {
    const { pair, depth } = sub;
    if (!pair || depth === undefined) return;
    if (!sub.view) return sendBookSnapshot(c, sub);
    const b = exchange.book(pair.id);
    const asks = topView(b.asks, depth);
    const bids = topView(b.bids, depth);
    const askDiff = sideDiff(sub.view.asks, asks, new Set(b.asks.map((l) => l.price)));
    const bidDiff = sideDiff(sub.view.bids, bids, new Set(b.bids.map((l) => l.price)));
    if (askDiff.length === 0 && bidDiff.length === 0) return;
    // Deletes first, then inserts, each side in book order: what a client applies in turn.
    askDiff.sort((x, y) => (x.qty === 0n) !== (y.qty === 0n) ? (x.qty === 0n ? -1 : 1) : x.price < y.price ? -1 : 1);
    bidDiff.sort((x, y) => (x.qty === 0n) !== (y.qty === 0n) ? (x.qty === 0n ? -1 : 1) : x.price > y.price ? -1 : 1);
    const ok = send(c, {
      channel: 'book',
      type: 'update',
      data: [{ symbol: pair.symbol, bids: levelsWire(pair, bidDiff), asks: levelsWire(pair, askDiff), checksum: checksumOf(pair), timestamp: rfc3339(ctx.now()) }],
    });
    if (ok) sub.view = { asks, bids };
  };

  // ---- subscriptions ---------------------------------------------------------------

  const subKey = (channel: string, pair?: KrakenPair, extra?: number): string => `${channel}|${pair?.symbol ?? ''}|${extra ?? ''}`;

  const snapshotFor = (c: Conn, sub: Sub, wantSnapshot: boolean, params: Json): void => {
    const pair = sub.pair;
    switch (sub.channel) {
      case 'instrument':
        if (wantSnapshot) send(c, { channel: 'instrument', type: 'snapshot', data: instrumentData() });
        return;
      case 'ticker':
        if (wantSnapshot && pair) send(c, { channel: 'ticker', type: 'snapshot', data: [tickerData(pair)] });
        return;
      case 'trade':
        if (wantSnapshot && pair) send(c, { channel: 'trade', type: 'snapshot', data: market.recentTrades(pair.symbol).slice(-TRADE_SNAPSHOT).map((t) => tradeData(pair, t)) });
        return;
      case 'ohlc': {
        if (!wantSnapshot || !pair || sub.interval === undefined) return;
        const span = sub.interval * 60;
        const now = ctx.now();
        const curOpen = Math.floor(now / 1000 / span) * span;
        const qtyScale = market.info(pair.symbol).qtyScale;
        const rows = market.candles(pair.symbol, span, curOpen - 719 * span, curOpen + span).map((m) => candleRow(m, qtyScale, pair));
        send(c, { channel: 'ohlc', type: 'snapshot', timestamp: rfc3339(now), data: rows.map((r) => ohlcData(pair, sub.interval ?? 1, r)) });
        return;
      }
      case 'book':
        if (pair && sub.depth !== undefined) {
          if (wantSnapshot) sendBookSnapshot(c, sub);
          else sub.view = { asks: topView(exchange.book(pair.id).asks, sub.depth), bids: topView(exchange.book(pair.id).bids, sub.depth) };
        }
        return;
      case 'executions': {
        const data: Wire[] = [];
        if (params['snap_orders'] !== false) for (const o of exchange.openOrders()) data.push(orderEntry(o, 'new', openStatus(o), o.openMs));
        if (params['snap_trades'] === true) {
          const fills = exchange.allOrders().flatMap((o) => o.fills.map((f) => ({ o, f }))).sort((a, b) => a.f.timeMs - b.f.timeMs).slice(-50);
          for (const { o, f } of fills) data.push(execEntry({ kind: 'trade', order: o, fill: f, timeMs: f.timeMs }));
        }
        send(c, { channel: 'executions', type: 'snapshot', data, sequence: ++c.seq.executions });
        return;
      }
      case 'balances':
        send(c, { channel: 'balances', type: 'snapshot', data: balanceSnapshot(), sequence: ++c.seq.balances });
        return;
    }
  };

  const subscribe = (c: Conn, method: 'subscribe' | 'unsubscribe', params: Json, reqId: unknown, timeIn: number): void => {
    const channel = params['channel'];
    if (typeof channel !== 'string') return replyError(c, method, reqId, timeIn, 'EGeneral:Invalid arguments:channel');
    if (channel === 'status' && method === 'subscribe') {
      send(c, statusMessage(c));
      return replyError(c, method, reqId, timeIn, 'Symbol(s) not found');
    }
    const snapshotParam = params['snapshot'];
    if (channel === 'instrument' || channel === 'executions' || channel === 'balances') {
      if (channel !== 'instrument' && !tokenOk(c, params['token'])) return replyError(c, method, reqId, timeIn, 'EAPI:Invalid token');
      const key = subKey(channel);
      const result: { [k: string]: Wire } = { channel };
      if (channel === 'instrument') result['snapshot'] = snapshotParam !== false;
      if (channel === 'executions') {
        result['maxratecount'] = ctx.limits.limits.tradingMax;
        result['snapshot'] = true;
        if (typeof params['snap_orders'] === 'boolean') result['snap_orders'] = params['snap_orders'];
        if (typeof params['snap_trades'] === 'boolean') result['snap_trades'] = params['snap_trades'];
      }
      if (channel === 'balances') result['snapshot'] = snapshotParam !== false;
      if (method === 'unsubscribe') {
        if (!c.subs.delete(key)) return replyError(c, method, reqId, timeIn, 'Subscription Not Found');
        return reply(c, method, reqId, timeIn, { channel });
      }
      if (c.subs.has(key)) return replyError(c, method, reqId, timeIn, 'Already subscribed');
      const sub: Sub = { channel };
      c.subs.set(key, sub);
      reply(c, method, reqId, timeIn, result);
      if (channel !== 'balances' || snapshotParam !== false) snapshotFor(c, sub, snapshotParam !== false, params);
      return;
    }
    if (channel !== 'ticker' && channel !== 'trade' && channel !== 'ohlc' && channel !== 'book') {
      return replyError(c, method, reqId, timeIn, 'Subscription name invalid');
    }
    const symbols = params['symbol'];
    if (!Array.isArray(symbols) || symbols.length === 0 || !symbols.every((s) => typeof s === 'string')) {
      return replyError(c, method, reqId, timeIn, 'EGeneral:Invalid arguments:symbol');
    }
    let extra: number | undefined;
    if (channel === 'book') {
      const depth = params['depth'] ?? 10;
      if (typeof depth !== 'number' || !(BOOK_DEPTHS as readonly number[]).includes(depth)) return replyError(c, method, reqId, timeIn, 'Subscription depth not supported');
      extra = depth;
    }
    if (channel === 'ohlc') {
      const interval = params['interval'];
      if (interval === undefined) return replyError(c, method, reqId, timeIn, 'Subscription ohlc requires interval');
      if (typeof interval !== 'number' || !(OHLC_INTERVALS as readonly number[]).includes(interval)) return replyError(c, method, reqId, timeIn, 'Subscription ohlc interval not supported');
      extra = interval;
    }
    const wantSnapshot = typeof snapshotParam === 'boolean' ? snapshotParam : channel !== 'trade';
    for (const s of symbols as string[]) {
      const pair = dir.symbol(s);
      if (!pair) {
        replyError(c, method, reqId, timeIn, `Currency pair not supported ${s}`, { channel, symbol: s });
        continue;
      }
      const key = subKey(channel, pair, extra);
      const result: { [k: string]: Wire } = { channel, symbol: s };
      if (channel === 'book') result['depth'] = extra;
      if (channel === 'ohlc') result['interval'] = extra;
      if (method === 'unsubscribe') {
        if (!c.subs.delete(key)) replyError(c, method, reqId, timeIn, 'Subscription Not Found', result);
        else reply(c, method, reqId, timeIn, result);
        continue;
      }
      if (c.subs.has(key)) {
        replyError(c, method, reqId, timeIn, 'Already subscribed', result);
        continue;
      }
      result['snapshot'] = wantSnapshot;
      if (channel === 'ticker') result['event_trigger'] = params['event_trigger'] === 'bbo' ? 'bbo' : 'trades';
      const sub: Sub = { channel, pair, ...(channel === 'book' ? { depth: extra } : {}), ...(channel === 'ohlc' ? { interval: extra } : {}) };
      c.subs.set(key, sub);
      reply(c, method, reqId, timeIn, result);
      snapshotFor(c, sub, wantSnapshot, params);
    }
  };

  // ---- trading methods ------------------------------------------------------------

  const findOrder = (byId: unknown, byCl: unknown): Order | string => {
    if (typeof byId === 'string') {
      const o = exchange.order(byId);
      if (!o) return 'EOrder:Unknown order';
      return o.status === 'open' ? o : 'EOrder:Invalid order';
    }
    if (typeof byCl === 'string') {
      const o = exchange.openByClOrdId(byCl);
      if (o) return o;
      return exchange.anyByClOrdId(byCl) ? 'EOrder:Invalid order' : 'EOrder:Unknown order';
    }
    return 'EGeneral:Invalid arguments:order_id';
  };

  const addOrder = (c: Conn, p: Json, reqId: unknown, timeIn: number): void => {
    const m = 'add_order';
    for (const k of Object.keys(p)) if (!ADD_ORDER_FIELDS.has(k)) return replyError(c, m, reqId, timeIn, `Unsupported field: '${k}' for the given msg type: add order`);
    for (const k of ADD_ORDER_UNSIMULATED) if (p[k] !== undefined && p[k] !== false) return replyError(c, m, reqId, timeIn, `EGeneral:Invalid arguments:${k}`);
    const symbol = p['symbol'];
    if (typeof symbol !== 'string') return replyError(c, m, reqId, timeIn, 'EGeneral:Invalid arguments:symbol');
    const pair = dir.symbol(symbol);
    if (!pair) return replyError(c, m, reqId, timeIn, 'EQuery:Unknown asset pair');
    // A trailing-stop-limit's limit is an offset from its trigger (quote, its default); every other limit is static.
    const lpt = p['limit_price_type'];
    if (lpt !== undefined && lpt !== (p['order_type'] === 'trailing-stop-limit' ? 'quote' : 'static')) return replyError(c, m, reqId, timeIn, 'EGeneral:Invalid arguments:limit_price_type');
    const expire = p['expire_time'];
    const expireSec = typeof expire === 'string' ? Math.floor(Date.parse(expire) / 1000) : undefined;
    const tif = p['time_in_force'];
    const trig = p['triggers'];
    if (trig !== undefined && (!isObject(trig) || (trig['reference'] !== undefined && trig['reference'] !== 'last' && trig['reference'] !== 'index'))) return replyError(c, m, reqId, timeIn, 'EGeneral:Invalid arguments:triggers');
    const trigPrice = isObject(trig) ? decText(trig['price']) : undefined;
    const trigType = isObject(trig) && typeof trig['price_type'] === 'string' ? trig['price_type'] : undefined;
    const r = exchange.addOrder({
      pair,
      side: typeof p['side'] === 'string' ? p['side'] : undefined,
      ordertype: typeof p['order_type'] === 'string' ? p['order_type'] : undefined,
      volume: decText(p['order_qty']),
      price: decText(p['limit_price']),
      ...(trigPrice !== undefined ? { trigger: trigPrice } : {}),
      ...(trigType !== undefined ? { triggerType: trigType } : {}),
      ...(p['cl_ord_id'] !== undefined ? { clOrdId: String(p['cl_ord_id']) } : {}),
      ...(p['order_userref'] !== undefined ? { userref: String(p['order_userref']) } : {}),
      postOnly: p['post_only'] === true,
      ...(typeof tif === 'string' ? { timeInForce: tif } : {}),
      ...(expireSec !== undefined && Number.isFinite(expireSec) ? { expiretm: String(expireSec) } : {}),
      validate: p['validate'] === true,
      source: 'ws',
    });
    if (!r.ok) return replyError(c, m, reqId, timeIn, r.error);
    const o = r.value.order;
    if (o && ctx.faults.takeLostReply('ws-add_order')) {
      record.lostReplies.push({ kind: 'ws-add_order', txid: o.txid });
      return;
    }
    reply(c, m, reqId, timeIn, o ? { order_id: o.txid, ...clId(o), ...(o.userref !== undefined ? { order_userref: o.userref } : {}) } : { order_id: '' });
  };

  const trading = (c: Conn, method: string, p: Json, reqId: unknown, timeIn: number): void => {
    if (!tokenOk(c, p['token'])) return replyError(c, method, reqId, timeIn, 'EAPI:Invalid token');
    switch (method) {
      case 'add_order':
        return addOrder(c, p, reqId, timeIn);
      case 'amend_order': {
        const o = findOrder(p['order_id'], p['cl_ord_id']);
        if (typeof o === 'string') return replyError(c, method, reqId, timeIn, o);
        const r = exchange.amend(o, {
          ...(p['order_qty'] !== undefined ? { qty: decText(p['order_qty']) ?? '' } : {}),
          ...(p['limit_price'] !== undefined ? { price: decText(p['limit_price']) ?? '' } : {}),
          ...(p['trigger_price'] !== undefined ? { triggerPrice: decText(p['trigger_price']) ?? '' } : {}),
          ...(typeof p['post_only'] === 'boolean' ? { postOnly: p['post_only'] } : {}),
        });
        if (!r.ok) return replyError(c, method, reqId, timeIn, r.error);
        if (ctx.faults.takeLostReply('ws-amend_order')) {
          record.lostReplies.push({ kind: 'ws-amend_order', txid: o.txid });
          return;
        }
        return reply(c, method, reqId, timeIn, { amend_id: r.value.amendId, order_id: o.txid, ...clId(o) });
      }
      case 'cancel_order': {
        const kinds = (['order_id', 'cl_ord_id', 'order_userref'] as const).filter((k) => p[k] !== undefined);
        const kind = kinds[0];
        const ids = kind === undefined ? undefined : p[kind];
        if (kinds.length !== 1 || kind === undefined || !Array.isArray(ids) || ids.length === 0) return replyError(c, method, reqId, timeIn, 'EGeneral:Invalid arguments');
        for (const id of ids) {
          let targets: Order[] | string;
          if (kind === 'order_userref') {
            const group = exchange.openOrders().filter((o) => String(o.userref) === String(id));
            targets = group.length > 0 ? group : 'EOrder:Unknown order';
          } else {
            const o = kind === 'order_id' ? findOrder(id, undefined) : findOrder(undefined, id);
            targets = typeof o === 'string' ? o : [o];
          }
          if (typeof targets === 'string') {
            replyError(c, method, reqId, timeIn, targets, kind === 'cl_ord_id' ? { cl_ord_id: String(id) } : { order_id: String(id) });
            continue;
          }
          for (const o of targets) {
            const done = exchange.cancel(o);
            if (done.ok && ctx.faults.takeLostReply('ws-cancel_order')) {
              record.lostReplies.push({ kind: 'ws-cancel_order', txid: o.txid });
              continue;
            }
            reply(c, method, reqId, timeIn, { order_id: o.txid, ...clId(o) });
          }
        }
        return;
      }
      case 'cancel_all':
        return reply(c, method, reqId, timeIn, { count: exchange.cancelAll() });
      case 'cancel_all_orders_after': {
        const timeout = p['timeout'];
        if (typeof timeout !== 'number' || !Number.isInteger(timeout) || timeout < 0 || timeout >= 86400) return replyError(c, method, reqId, timeIn, 'EGeneral:Invalid arguments:timeout');
        const { currentMs, triggerMs } = exchange.cancelAllAfter(timeout);
        return reply(c, method, reqId, timeIn, { currentTime: rfc3339(currentMs, 0), triggerTime: triggerMs > 0 ? rfc3339(triggerMs, 0) : '0' });
      }
    }
  };

  // ---- connections -----------------------------------------------------------------

  const statusMessage = (c: Conn): Wire => ({
    channel: 'status',
    type: 'update',
    data: [{ api_version: 'v2', connection_id: new Num(c.id), system: 'online', version: WS_VERSION }],
  });

  const onMessage = (c: Conn, data: RawData): void => {
    const timeIn = ctx.now();
    let msg: unknown;
    try {
      msg = JSON.parse(data.toString());
    } catch {
      return replyError(c, undefined, undefined, timeIn, 'Malformed request');
    }
    if (!isObject(msg) || typeof msg['method'] !== 'string') return replyError(c, undefined, isObject(msg) ? msg['req_id'] : undefined, timeIn, 'Malformed request');
    const method = msg['method'];
    const reqId = msg['req_id'];
    const params = msg['params'] === undefined ? {} : msg['params'];
    if (!isObject(params)) return replyError(c, method, reqId, timeIn, 'EGeneral:Invalid arguments:params');
    switch (method) {
      case 'ping':
        send(c, { method: 'pong', ...(reqIdWire(reqId) ?? {}), time_in: rfc3339(timeIn), time_out: rfc3339(ctx.now()) });
        return;
      case 'subscribe':
      case 'unsubscribe':
        return subscribe(c, method, params, reqId, timeIn);
      case 'add_order':
      case 'amend_order':
      case 'cancel_order':
      case 'cancel_all':
      case 'cancel_all_orders_after':
        return trading(c, method, params, reqId, timeIn);
      default:
        return replyError(c, method, reqId, timeIn, 'Method not found');
    }
  };

  wss.on('connection', (ws: WebSocket) => {
    const c: Conn = { ws, id: String(nextConnId++), subs: new Map(), tokens: new Set(), lastSentMs: Date.now(), seq: { executions: 0, balances: 0 } };
    conns.add(c);
    ws.on('message', (d) => {
      try {
        onMessage(c, d);
      } catch (e) {
        // A bug in one handler answers that request; it must not take the venue down.
        replyError(c, undefined, undefined, ctx.now(), `EGeneral:Internal error:${e instanceof Error ? e.message : String(e)}`);
      }
    });
    ws.on('close', () => conns.delete(c));
    ws.on('error', () => conns.delete(c));
    send(c, statusMessage(c));
  });

  // ---- fan-out -------------------------------------------------------------------

  const offTrade = exchange.onPublicTrade((pair, t) => {
    let ticker: Wire | undefined;
    let trade: Wire | undefined;
    const ohlc = new Map<number, Wire>();
    const qtyScale = market.info(pair.symbol).qtyScale;
    for (const c of conns) {
      for (const sub of c.subs.values()) {
        if (sub.pair !== pair) continue;
        switch (sub.channel) {
          case 'trade':
            trade ??= { channel: 'trade', type: 'update', data: [tradeData(pair, t)] };
            send(c, trade);
            break;
          case 'ticker':
            ticker ??= { channel: 'ticker', type: 'update', data: [tickerData(pair)] };
            send(c, ticker);
            break;
          case 'ohlc': {
            const interval = sub.interval ?? 1;
            let m = ohlc.get(interval);
            if (!m) {
              const cur = market.currentCandle(pair.symbol, interval * 60, t.timeMs);
              m = cur ? { channel: 'ohlc', type: 'update', timestamp: rfc3339(ctx.now()), data: [ohlcData(pair, interval, candleRow(cur, qtyScale, pair))] } : null;
              ohlc.set(interval, m);
            }
            if (m) send(c, m);
            break;
          }
          case 'book':
            sendBookUpdate(c, sub);
            break;
          default:
            break;
        }
      }
    }
  });

  const offExec = exchange.onExec((e) => {
    const entry = execEntry(e);
    for (const c of conns) {
      if (!c.subs.has(subKey('executions'))) continue;
      send(c, { channel: 'executions', type: 'update', data: [entry], sequence: ++c.seq.executions });
    }
  });

  const offLedger = exchange.onLedger((entries) => {
    const data = entries.map(ledgerWire);
    for (const c of conns) {
      if (!c.subs.has(subKey('balances'))) continue;
      send(c, { channel: 'balances', type: 'update', data, sequence: ++c.seq.balances });
    }
  });

  const heartbeat = setInterval(() => {
    const t = Date.now();
    for (const c of conns) if (c.subs.size > 0 && t - c.lastSentMs >= 1000) send(c, { channel: 'heartbeat' });
  }, 250);
  heartbeat.unref();

  return {
    handleUpgrade(req, socket, head) {
      wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
    },
    dropAll() {
      for (const c of conns) c.ws.terminate();
      conns.clear();
    },
    setPairStatus(symbol, status) {
      const pair = dir.symbol(symbol);
      if (!pair) throw new Error(`unknown pair ${symbol}`);
      pairStatus.set(pair.symbol, status);
      const frame = { channel: 'instrument', type: 'update', data: { assets: [], pairs: [pairWire(pair)] } };
      for (const c of conns) if (c.subs.has(subKey('instrument'))) send(c, frame);
    },
    sendMalformed() {
      for (const c of conns) {
        if (c.ws.readyState !== c.ws.OPEN) continue;
        c.ws.send('{"channel":"book","type":"update","data":[{"symbol":');
        c.ws.send(JSON.stringify({ surprise: true, payload: [1, 2, 3], note: 'unknown shape' }));
      }
    },
    close() {
      clearInterval(heartbeat);
      offTrade();
      offExec();
      offLedger();
      for (const c of conns) c.ws.terminate();
      conns.clear();
      return new Promise((resolve) => wss.close(() => resolve()));
    },
  };
}

function reqIdWire(reqId: unknown): { req_id: Wire } | undefined {
  if (typeof reqId === 'number' || typeof reqId === 'string') return { req_id: reqId };
  return undefined;
}
