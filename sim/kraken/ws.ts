/**
 * Kraken WebSocket v2 on one path (/v2) for public and private traffic alike (doc §4):
 * status on connect, ping/pong, heartbeats, subscribe/unsubscribe with one ack per
 * symbol, the public channels (instrument, ticker, trade, ohlc, book with checksums), and
 * the fan-out of venue events. The private channels' wording and the trading methods, gated
 * by the token from GetWebSocketsToken, are in ws-private.ts. Every send goes through one
 * function here so the stall fault holds.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { RawData, WebSocket } from 'ws';
import type { Market, MarketTrade } from '../market.js';
import { formatFixed } from '../market.js';
import type { TokenBook } from './auth.js';
import type { Level } from './book.js';
import { bookChecksum } from './checksum.js';
import type { Exchange } from './exchange.js';
import type { FaultState } from './faults.js';
import type { KrakenPair, PairDirectory } from './pairs.js';
import type { RateLimits } from './rate-limits.js';
import { bump } from './record.js';
import type { KrakenRecord } from './record.js';
import { OHLC_INTERVALS, candleRow, tickerStats } from './stats.js';
import type { CandleRow } from './stats.js';
import { Num, num, rescale, rfc3339, wireJson } from './wire.js';
import type { Wire } from './wire.js';
import { createPrivateWire, isObject } from './ws-private.js';
import type { Json } from './ws-private.js';

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
  /** ticker: 'bbo' sends only when the best bid or ask moved since the last one sent (doc §10). */
  bbo?: boolean;
  /** ticker with bbo: the top last sent, as "bid|bidQty|ask|askQty". */
  lastTop?: string;
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

  const { orderEntry, execEntry, balanceSnapshot, ledgerWire, openStatus, trading } = createPrivateWire(ctx, { reply, replyError, tokenOk });

  // ---- wire shapes -------------------------------------------------------------

  const px = (pair: KrakenPair, v: bigint): Num => num(v, pair.pairDecimals);
  const qty = (pair: KrakenPair, v: bigint): Num => num(v, pair.lotDecimals);

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

  /** The top of a pair's book, as a key that changes when the best bid or ask does. */
  const topOf = (pair: KrakenPair): string => {
    const b = exchange.book(pair.id);
    const bid = b.bids[0];
    const ask = b.asks[0];
    return `${bid?.price ?? ''}|${bid?.qty ?? ''}|${ask?.price ?? ''}|${ask?.qty ?? ''}`;
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
      const sub: Sub = {
        channel,
        pair,
        ...(channel === 'book' ? { depth: extra } : {}),
        ...(channel === 'ohlc' ? { interval: extra } : {}),
        ...(channel === 'ticker' && params['event_trigger'] === 'bbo' ? { bbo: true, lastTop: topOf(pair) } : {}),
      };
      c.subs.set(key, sub);
      reply(c, method, reqId, timeIn, result);
      snapshotFor(c, sub, wantSnapshot, params);
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
          case 'ticker': {
            if (sub.bbo) {
              const top = topOf(pair);
              if (top === sub.lastTop) break;
              sub.lastTop = top;
            }
            ticker ??= { channel: 'ticker', type: 'update', data: [tickerData(pair)] };
            send(c, ticker);
            break;
          }
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
