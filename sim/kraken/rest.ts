/**
 * Kraken spot REST: public GET /0/public/<Method> and signed POST /0/private/<Method>,
 * every answer in the {"error":[…],"result":…} envelope with HTTP 200 (doc §1–§2).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Market } from '../market.js';
import { formatFixed } from '../market.js';
import type { KeyRing, TokenBook } from './auth.js';
import type { Exchange, Fill, Order } from './exchange.js';
import type { FaultState } from './faults.js';
import type { IdMaker } from './ids.js';
import { FEES_MAKER, FEES_TAKER } from './pairs.js';
import type { KrakenAsset, KrakenPair, PairDirectory } from './pairs.js';
import { restCallCost } from './rate-limits.js';
import type { RateLimits } from './rate-limits.js';
import { bump } from './record.js';
import type { KrakenRecord } from './record.js';
import { OHLC_INTERVALS, ohlcRows, tickerStats } from './stats.js';
import { Num, numberText, rescale, rfc1123, rfc3339, unixSeconds, wireJson } from './wire.js';
import type { Wire } from './wire.js';

export interface RestContext {
  dir: PairDirectory;
  market: Market;
  exchange: Exchange;
  keys: KeyRing;
  tokens: TokenBook;
  limits: RateLimits;
  faults: FaultState;
  record: KrakenRecord;
  ids: IdMaker;
  now: () => number;
}

type Params = Map<string, string>;

class RestError extends Error {}

/** Throws the envelope error `e` out of a handler. */
function reject(e: string): never {
  throw new RestError(e);
}

const MAX_BODY = 1 << 20;

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) req.destroy();
      else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function valueText(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return numberText(v);
  if (typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return v.map((x) => valueText(x) ?? '').join(',');
  return undefined;
}

/** Private bodies come form-encoded or as JSON; either way the values end up as text. */
function parseBody(raw: Buffer, contentType: string | undefined): Params | undefined {
  const text = raw.toString('utf8');
  const params: Params = new Map();
  if ((contentType ?? '').includes('json') || text.trimStart().startsWith('{')) {
    let obj: unknown;
    try {
      obj = JSON.parse(text);
    } catch {
      return undefined;
    }
    if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) return undefined;
    for (const [k, v] of Object.entries(obj)) {
      const s = valueText(v);
      if (s !== undefined) params.set(k, s);
    }
    return params;
  }
  for (const [k, v] of new URLSearchParams(text)) params.set(k, v);
  return params;
}

function isTrue(v: string | undefined): boolean {
  return v === 'true' || v === '1';
}

export function createRestHandler(ctx: RestContext): (req: IncomingMessage, res: ServerResponse) => void {
  const { dir, market, exchange, record } = ctx;

  const send = (res: ServerResponse, body: Wire, status = 200): void => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
    res.end(wireJson(body));
  };
  const sendError = (res: ServerResponse, e: string, status = 200): void => {
    bump(record.errors, e);
    bump(record.restErrors, e);
    send(res, { error: [e] }, status);
  };

  const pairParam = (p: Params, required: boolean): KrakenPair[] | undefined => {
    const v = p.get('pair');
    if (v === undefined || v === '') {
      if (required) reject('EGeneral:Invalid arguments:pair');
      return undefined;
    }
    return v.split(',').map((n) => dir.pair(n) ?? reject('EQuery:Unknown asset pair'));
  };
  const onePair = (p: Params): KrakenPair => {
    const ps = pairParam(p, true) ?? [];
    if (ps.length !== 1 || !ps[0]) reject('EGeneral:Invalid arguments:pair');
    return ps[0];
  };

  const assetJson = (a: KrakenAsset): Wire => ({ aclass: 'currency', altname: a.altname, decimals: a.decimals, display_decimals: a.displayDecimals, status: 'enabled' });

  const pairJson = (pair: KrakenPair, info: string): Wire => {
    const fees = { fees: FEES_TAKER.map(([v, f]) => [v, f]), fees_maker: FEES_MAKER.map(([v, f]) => [v, f]), fee_volume_currency: 'ZUSD' };
    if (info === 'fees') return fees;
    if (info === 'leverage') return { leverage_buy: [], leverage_sell: [] };
    if (info === 'margin') return { margin_call: 80, margin_stop: 40 };
    return {
      altname: pair.altname,
      wsname: pair.wsname,
      aclass_base: 'currency',
      base: pair.base,
      aclass_quote: 'currency',
      quote: pair.quote,
      lot: 'unit',
      cost_decimals: pair.costDecimals,
      pair_decimals: pair.pairDecimals,
      lot_decimals: pair.lotDecimals,
      lot_multiplier: 1,
      leverage_buy: [],
      leverage_sell: [],
      ...fees,
      margin_call: 80,
      margin_stop: 40,
      ordermin: pair.ordermin,
      costmin: pair.costmin,
      tick_size: pair.tickSize,
      status: 'online',
    };
  };

  const px = (pair: KrakenPair, v: bigint): string => formatFixed(v, pair.pairDecimals);
  const lot = (pair: KrakenPair, v: bigint): string => formatFixed(v, pair.lotDecimals);

  const publicMethods: Record<string, (p: Params) => Wire> = {
    Time: () => {
      const t = ctx.now();
      return { unixtime: Math.floor(t / 1000), rfc1123: rfc1123(t) };
    },
    SystemStatus: () => ({ status: 'online', timestamp: rfc3339(ctx.now(), 0) }),
    Assets: (p) => {
      const want = p.get('asset');
      const list = want ? want.split(',').map((n) => dir.assetNamed(n) ?? reject('EQuery:Unknown asset')) : dir.assets;
      return Object.fromEntries(list.map((a) => [a.id, assetJson(a)]));
    },
    AssetPairs: (p) => {
      const info = p.get('info') ?? 'info';
      if (!['info', 'leverage', 'fees', 'margin'].includes(info)) reject('EGeneral:Invalid arguments:info');
      const list = pairParam(p, false) ?? dir.pairs;
      return Object.fromEntries(list.map((pair) => [pair.id, pairJson(pair, info)]));
    },
    Ticker: (p) => {
      const list = pairParam(p, false) ?? dir.pairs;
      const out: Record<string, Wire> = {};
      for (const pair of list) {
        const s = tickerStats(market, pair, ctx.now());
        const book = exchange.book(pair.id);
        const side = (l: { price: bigint; qty: bigint } | undefined): string[] => {
          const qty = l?.qty ?? 0n;
          const whole = qty / 10n ** BigInt(pair.lotDecimals);
          return [px(pair, l?.price ?? s.last), String(whole > 0n ? whole : 1n), lot(pair, qty)];
        };
        out[pair.id] = {
          a: side(book.asks[0]),
          b: side(book.bids[0]),
          c: [px(pair, s.last), lot(pair, s.lastQty)],
          v: [lot(pair, s.today.volume), lot(pair, s.day.volume)],
          p: [px(pair, s.today.vwap), px(pair, s.day.vwap)],
          t: [s.today.trades, s.day.trades],
          l: [px(pair, s.today.low), px(pair, s.day.low)],
          h: [px(pair, s.today.high), px(pair, s.day.high)],
          o: px(pair, s.todayOpen),
        };
      }
      return out;
    },
    OHLC: (p) => {
      const pair = onePair(p);
      const interval = Number(p.get('interval') ?? '1');
      if (!(OHLC_INTERVALS as readonly number[]).includes(interval)) reject('EGeneral:Invalid arguments');
      const sinceText = p.get('since');
      const since = sinceText === undefined ? undefined : Number(sinceText);
      if (since !== undefined && !Number.isFinite(since)) reject('EGeneral:Invalid arguments:since');
      const all = ohlcRows(market, pair, interval, ctx.now());
      // `since` is exclusive; the forming candle is always last, whatever `since` says.
      const rows = all.filter((r, i) => since === undefined || r.time > since || i === all.length - 1);
      const span = interval * 60;
      const openTime = all[all.length - 1]?.time ?? Math.floor(ctx.now() / 1000 / span) * span;
      return {
        [pair.id]: rows.map((r) => [r.time, px(pair, r.open), px(pair, r.high), px(pair, r.low), px(pair, r.close), px(pair, r.vwap), lot(pair, r.volume), r.count]),
        last: openTime - span,
      };
    },
    Depth: (p) => {
      const pair = onePair(p);
      const count = Math.min(500, Math.max(1, Number(p.get('count') ?? '100') || 100));
      const book = exchange.book(pair.id);
      const ts = Math.floor(ctx.now() / 1000);
      const rows = (ls: { price: bigint; qty: bigint }[]): Wire => ls.slice(0, count).map((l) => [px(pair, l.price), lot(pair, l.qty), ts]);
      return { [pair.id]: { asks: rows(book.asks), bids: rows(book.bids) } };
    },
    Trades: (p) => {
      const pair = onePair(p);
      const sinceText = p.get('since');
      let sinceNs = -1n;
      if (sinceText !== undefined && /^\d+$/.test(sinceText)) sinceNs = sinceText.length > 12 ? BigInt(sinceText) : BigInt(sinceText) * 1_000_000_000n;
      const count = Math.min(1000, Math.max(1, Number(p.get('count') ?? '1000') || 1000));
      const qtyScale = market.info(pair.symbol).qtyScale;
      const trades = market.recentTrades(pair.symbol).filter((t) => BigInt(t.timeMs) * 1_000_000n > sinceNs).slice(0, count);
      const lastT = trades[trades.length - 1];
      return {
        [pair.id]: trades.map((t) => [px(pair, t.price), lot(pair, rescale(t.qty, qtyScale, pair.lotDecimals)), new Num((t.timeMs / 1000).toFixed(4)), t.side === 'buy' ? 'b' : 's', 'l', '', t.id]),
        last: String(BigInt(lastT?.timeMs ?? ctx.now()) * 1_000_000n),
      };
    },
  };

  const costText = (o: Order, v: bigint): string => formatFixed(rescale(v, dir.asset(o.pair.quote).decimals, o.pair.costDecimals), o.pair.costDecimals);

  /** descr.price2 of a trigger order: its limit, or a trailing-stop-limit's signed offset from the trigger. */
  const price2Text = (o: Order): string => {
    if (!o.trigger) return '0';
    if (o.limitOffset !== undefined) return `${o.limitOffset < 0n ? '-' : '+'}${px(o.pair, o.limitOffset < 0n ? -o.limitOffset : o.limitOffset)}`;
    return o.price !== undefined ? px(o.pair, o.price) : '0';
  };

  const orderJson = (o: Order, withTrades: boolean): Wire => {
    let notional = 0n;
    for (const f of o.fills) notional += f.price * f.qty;
    const avg = o.volExec === 0n ? 0n : (notional * 2n + o.volExec) / (2n * o.volExec);
    const closed = o.status === 'closed' || o.status === 'canceled' || o.status === 'expired';
    const touched = o.trigger?.status === 'triggered';
    const misc = [o.amended ? 'amended' : '', touched ? 'touched' : '', o.status === 'canceled' && o.volExec > 0n ? 'partial' : ''].filter(Boolean).join(',');
    return {
      refid: null,
      userref: o.userref ?? (o.clOrdId !== undefined ? null : 0),
      ...(o.clOrdId !== undefined ? { cl_ord_id: o.clOrdId } : {}),
      status: o.status,
      opentm: unixSeconds(o.openMs),
      starttm: 0,
      expiretm: o.expireMs !== undefined ? unixSeconds(o.expireMs) : 0,
      descr: {
        pair: o.pair.altname,
        type: o.side,
        ordertype: o.ordertype,
        price: o.trigger ? exchange.triggerText(o) : px(o.pair, o.price ?? 0n),
        price2: price2Text(o),
        leverage: 'none',
        order: exchange.describe(o),
        close: '',
      },
      vol: lot(o.pair, o.volume),
      vol_exec: lot(o.pair, o.volExec),
      cost: costText(o, o.cost),
      fee: costText(o, o.fee),
      price: px(o.pair, avg),
      stopprice: px(o.pair, o.trigger?.actual ?? 0n),
      limitprice: px(o.pair, touched && o.price !== undefined ? o.price : 0n),
      misc,
      oflags: o.postOnly ? 'post,fciq' : 'fciq',
      timeinforce: o.timeInForce,
      ...(withTrades && o.fills.length > 0 ? { trades: o.fills.map((f) => f.tradeId) } : {}),
      ...(closed ? { closetm: unixSeconds(o.closeMs ?? o.openMs), reason: o.reason ?? null } : {}),
    };
  };

  const filterOrders = (list: Order[], p: Params): Order[] => {
    const userref = p.get('userref');
    const cl = p.get('cl_ord_id');
    return list.filter((o) => (userref === undefined || String(o.userref) === userref) && (cl === undefined || o.clOrdId === cl));
  };

  const findToCancel = (p: Params): Order[] => {
    const cl = p.get('cl_ord_id');
    const txid = p.get('txid');
    if (cl !== undefined) {
      const o = exchange.openByClOrdId(cl);
      if (o) return [o];
      reject(exchange.anyByClOrdId(cl) ? 'EOrder:Invalid order' : 'EOrder:Unknown order');
    }
    if (txid === undefined || txid === '') reject('EGeneral:Invalid arguments:txid');
    const o = exchange.order(txid);
    if (o) {
      if (o.status !== 'open') reject('EOrder:Invalid order');
      return [o];
    }
    // A txid that is a number is a userref: the whole group goes.
    if (/^-?\d+$/.test(txid)) {
      const group = exchange.openOrders().filter((x) => String(x.userref) === txid);
      if (group.length > 0) return group;
    }
    reject('EOrder:Unknown order');
  };

  const allFills = (): { o: Order; f: Fill }[] => exchange.allOrders().flatMap((o) => o.fills.map((f) => ({ o, f })));
  const tradeById = (id: string): { o: Order; f: Fill } | undefined => allFills().find(({ f }) => f.tradeId === id);
  /** One trade as TradesHistory and QueryTrades list it; `fee` in the quote currency. */
  const tradeJson = (o: Order, f: Fill): Wire => ({
    ordertxid: o.txid,
    postxid: 'P' + f.tradeId.slice(1),
    pair: o.pair.id,
    aclass: 'currency',
    time: unixSeconds(f.timeMs),
    type: o.side,
    ordertype: o.ordertype,
    price: px(o.pair, f.price),
    cost: costText(o, f.cost),
    fee: costText(o, f.fee),
    vol: lot(o.pair, f.qty),
    margin: costText(o, 0n),
    leverage: '0',
    misc: '',
    trade_id: f.publicTradeId,
    maker: f.liquidity === 'm',
  });

  const privateMethods: Record<string, (p: Params, res: ServerResponse, req: IncomingMessage) => Wire | undefined> = {
    Balance: () => Object.fromEntries(exchange.accounts.assetIds().map((id) => [id, formatFixed(exchange.accounts.balance(id), dir.asset(id).decimals)])),
    BalanceEx: () =>
      Object.fromEntries(
        exchange.accounts.assetIds().map((id) => {
          const d = dir.asset(id).decimals;
          return [id, { balance: formatFixed(exchange.accounts.balance(id), d), hold_trade: formatFixed(exchange.held(id), d) }];
        }),
      ),
    AddOrder: (p, _res, req) => {
      const pair = onePair(p);
      const oflags = (p.get('oflags') ?? '').split(',').filter(Boolean);
      for (const f of oflags) {
        if (f === 'viqc') reject('EGeneral:Invalid arguments:viqc');
        if (!['post', 'fcib', 'fciq', 'nompp'].includes(f)) reject('EGeneral:Invalid arguments:oflags');
      }
      const trigger = p.get('trigger');
      if (trigger !== undefined && trigger !== 'last' && trigger !== 'index') reject('EGeneral:Invalid arguments:trigger');
      const ordertype = p.get('ordertype');
      // Trigger kinds: price is the trigger and price2 the limit (sheet §9).
      const triggered = ordertype !== undefined && ordertype !== 'limit' && ordertype !== 'market';
      const r = exchange.addOrder({
        pair,
        side: p.get('type'),
        ordertype,
        volume: p.get('volume'),
        price: triggered ? p.get('price2') : p.get('price'),
        ...(triggered && p.has('price') ? { trigger: p.get('price') } : {}),
        ...(p.has('cl_ord_id') ? { clOrdId: p.get('cl_ord_id') } : {}),
        ...(p.has('userref') ? { userref: p.get('userref') } : {}),
        postOnly: oflags.includes('post'),
        ...(p.has('timeinforce') ? { timeInForce: p.get('timeinforce') } : {}),
        ...(p.has('expiretm') ? { expiretm: p.get('expiretm') } : {}),
        validate: isTrue(p.get('validate')),
        source: 'rest',
      });
      if (!r.ok) reject(r.error);
      const { order, descr } = r.value;
      if (order && ctx.faults.takeLostReply('rest-addorder')) {
        record.lostReplies.push({ kind: 'rest-addorder', txid: order.txid });
        req.socket.destroy();
        return undefined;
      }
      return order ? { descr: { order: descr }, txid: [order.txid] } : { descr: { order: descr } };
    },
    AmendOrder: (p) => {
      const cl = p.get('cl_ord_id');
      const txid = p.get('txid');
      const o = cl !== undefined ? exchange.openByClOrdId(cl) : txid !== undefined ? exchange.order(txid) : reject('EGeneral:Invalid arguments:txid');
      if (!o) reject('EOrder:Unknown order');
      const r = exchange.amend(o, {
        ...(p.has('order_qty') ? { qty: p.get('order_qty') } : {}),
        ...(p.has('limit_price') ? { price: p.get('limit_price') } : {}),
        ...(p.has('trigger_price') ? { triggerPrice: p.get('trigger_price') } : {}),
        ...(p.has('post_only') ? { postOnly: isTrue(p.get('post_only')) } : {}),
      });
      if (!r.ok) reject(r.error);
      return { amend_id: r.value.amendId };
    },
    OrderAmends: (p) => {
      const id = p.get('order_id');
      if (id === undefined || id === '') reject('EGeneral:Invalid arguments:order_id');
      const o = exchange.order(id);
      if (!o) reject('EOrder:Unknown order');
      // An order never amended lists nothing (count 0); otherwise the original entry counts too.
      const list = o.amends.length > 1 ? o.amends : [];
      return {
        count: list.length,
        amends: list.map((a) => ({
          amend_id: a.amendId,
          amend_type: a.type,
          order_qty: lot(o.pair, a.volume),
          remaining_qty: lot(o.pair, a.remaining),
          ...(a.price !== undefined ? { limit_price: px(o.pair, a.price) } : {}),
          ...(a.trigger !== undefined ? { trigger_price: px(o.pair, a.trigger) } : {}),
          post_only: a.postOnly,
          reason: a.type === 'original' ? null : 'User requested',
          timestamp: Math.floor(a.timeMs / 1000),
        })),
      };
    },
    CancelOrder: (p, _res, req) => {
      const list = findToCancel(p);
      for (const o of list) exchange.cancel(o);
      if (list.length > 0 && ctx.faults.takeLostReply('rest-cancelorder')) {
        for (const o of list) record.lostReplies.push({ kind: 'rest-cancelorder', txid: o.txid });
        req.socket.destroy();
        return undefined;
      }
      return { count: list.length, pending: false };
    },
    CancelAll: () => ({ count: exchange.cancelAll() }),
    CancelAllOrdersAfter: (p) => {
      const text = p.get('timeout');
      if (text === undefined || !/^\d+$/.test(text) || Number(text) >= 86400) reject('EGeneral:Invalid arguments:timeout');
      const { currentMs, triggerMs } = exchange.cancelAllAfter(Number(text));
      return { currentTime: rfc3339(currentMs, 0), triggerTime: triggerMs > 0 ? rfc3339(triggerMs, 0) : '0' };
    },
    OpenOrders: (p) => {
      const list = filterOrders(exchange.openOrders(), p);
      const trades = isTrue(p.get('trades'));
      return { open: Object.fromEntries(list.map((o) => [o.txid, orderJson(o, trades)])) };
    },
    ClosedOrders: (p) => {
      const trades = isTrue(p.get('trades'));
      const by = p.get('closetime') ?? 'both';
      const bound = (name: string): number | undefined => {
        const v = p.get(name);
        if (v === undefined) return undefined;
        const o = exchange.order(v);
        if (o) return o.closeMs ?? o.openMs;
        const n = Number(v);
        if (!Number.isFinite(n)) reject(`EGeneral:Invalid arguments:${name}`);
        return n * 1000;
      };
      const start = bound('start');
      const end = bound('end');
      const times = (o: Order): number[] => (by === 'open' ? [o.openMs] : by === 'close' ? [o.closeMs ?? 0] : [o.openMs, o.closeMs ?? 0]);
      const closed = filterOrders(
        exchange.allOrders().filter((o) => o.status === 'closed' || o.status === 'canceled' || o.status === 'expired'),
        p,
      )
        .filter((o) => times(o).some((t) => (start === undefined || t > start) && (end === undefined || t <= end)))
        .sort((a, b) => (b.closeMs ?? 0) - (a.closeMs ?? 0));
      const ofs = Math.max(0, Number(p.get('ofs') ?? '0') || 0);
      return { closed: Object.fromEntries(closed.slice(ofs, ofs + 50).map((o) => [o.txid, orderJson(o, trades)])), count: closed.length };
    },
    QueryOrders: (p) => {
      const txids = (p.get('txid') ?? '').split(',').filter(Boolean);
      if (txids.length === 0 || txids.length > 50) reject('EGeneral:Invalid arguments:txid');
      const trades = isTrue(p.get('trades'));
      const out: Record<string, Wire> = {};
      for (const id of txids) {
        const o = exchange.order(id);
        if (o) out[id] = orderJson(o, trades);
      }
      return out;
    },
    GetWebSocketsToken: () => {
      const token = ctx.ids.token();
      ctx.tokens.issue(token);
      return { token, expires: 900 };
    },
    TradesHistory: (p) => {
      // Newest first, 50 a page; start/end are unix s or a trade txid (start exclusive, end inclusive), doc §11.
      const bound = (name: string): number | undefined => {
        const v = p.get(name);
        if (v === undefined) return undefined;
        const byId = tradeById(v);
        if (byId) return byId.f.timeMs;
        const n = Number(v);
        if (v === '' || !Number.isFinite(n)) reject(`EGeneral:Invalid arguments:${name}`);
        return n * 1000;
      };
      const start = bound('start');
      const end = bound('end');
      const ofs = Math.max(0, Number(p.get('ofs') ?? '0') || 0);
      const fills = allFills()
        .filter(({ f }) => (start === undefined || f.timeMs > start) && (end === undefined || f.timeMs <= end))
        .sort((a, b) => b.f.timeMs - a.f.timeMs || (a.f.tradeId < b.f.tradeId ? 1 : -1));
      return { trades: Object.fromEntries(fills.slice(ofs, ofs + 50).map(({ o, f }) => [f.tradeId, tradeJson(o, f)])), count: fills.length };
    },
    QueryTrades: (p) => {
      const ids = (p.get('txid') ?? '').split(',').filter(Boolean);
      if (ids.length === 0 || ids.length > 20) reject('EGeneral:Invalid arguments:txid');
      const out: Record<string, Wire> = {};
      for (const id of ids) {
        const t = tradeById(id);
        if (t) out[id] = tradeJson(t.o, t.f);
      }
      return out;
    },
    Ledgers: () => {
      const out: Record<string, Wire> = {};
      const entries = [...exchange.accounts.ledger].reverse();
      for (const e of entries.slice(0, 50)) {
        const d = dir.asset(e.assetId).decimals;
        out[e.ledgerId] = {
          refid: e.refId,
          time: unixSeconds(e.timeMs),
          type: 'trade',
          subtype: '',
          aclass: 'currency',
          asset: e.assetId,
          amount: formatFixed(e.amount, d),
          fee: formatFixed(e.fee, d),
          balance: formatFixed(e.balance, d),
        };
      }
      return { ledger: out, count: entries.length };
    },
  };

  const handlePrivate = async (method: string, req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const raw = await readBody(req);
    if (req.method !== 'POST') return sendError(res, 'EGeneral:Invalid arguments');
    if (ctx.faults.takeUnavailable()) return sendError(res, 'EService:Unavailable');
    const params = parseBody(raw, req.headers['content-type']);
    const header = (name: string): string | undefined => {
      const v = req.headers[name];
      return Array.isArray(v) ? v[0] : v;
    };
    const auth = ctx.keys.check(header('api-key'), header('api-sign'), `/0/private/${method}`, params?.get('nonce'), raw);
    if (typeof auth === 'string') return sendError(res, auth);
    if (!params) return sendError(res, 'EGeneral:Invalid arguments');
    const handler = privateMethods[method];
    if (!handler) return sendError(res, 'EGeneral:Unknown method');
    if (!ctx.limits.tryRest(auth.apiKey, restCallCost(method))) return sendError(res, 'EAPI:Rate limit exceeded');
    const result = handler(params, res, req);
    if (result !== undefined) send(res, { error: [], result });
  };

  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const m = /^\/0\/(public|private)\/([A-Za-z]+)$/.exec(url.pathname);
    if (!m) return sendError(res, 'EGeneral:Unknown method', 404);
    const [, scope, method = ''] = m;
    bump(record.restCalls, method);
    const run = async (): Promise<void> => {
      if (scope === 'private') return handlePrivate(method, req, res);
      const handler = publicMethods[method];
      if (!handler) return sendError(res, 'EGeneral:Unknown method');
      const params: Params = new Map(url.searchParams);
      if (req.method === 'POST') {
        const body = parseBody(await readBody(req), req.headers['content-type']);
        for (const [k, v] of body ?? []) params.set(k, v);
      }
      send(res, { error: [], result: handler(params) });
    };
    run().catch((e: unknown) => {
      if (res.headersSent || res.destroyed) return;
      if (e instanceof RestError) sendError(res, e.message);
      else sendError(res, `EGeneral:Internal error:${e instanceof Error ? e.message : String(e)}`);
    });
  };
}
