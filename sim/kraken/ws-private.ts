/**
 * The private half of the local Kraken WS v2 (doc §4.5, §12, sheet §8–§9): executions and
 * balances as the venue words them, and the trading methods (add_order with triggers,
 * amend_order, cancel_order, cancel_all, cancel_all_orders_after), each gated by the token.
 * The connection plumbing (ws.ts) hands requests here and sends what comes back.
 */
import type { LedgerEntry } from './accounts.js';
import type { ExecEvent, Order } from './exchange.js';
import type { KrakenPair } from './pairs.js';
import { num, numberText, rescale, rfc3339 } from './wire.js';
import type { Num, Wire } from './wire.js';
import type { WsContext } from './ws.js';

export type Json = { [k: string]: unknown };

export function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A client's decimal as text: JSON numbers and strings both accepted. */
export function decText(v: unknown): string | undefined {
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

/** How the private half answers: the plumbing's reply functions, for any connection type. */
export interface PrivateIo<C> {
  reply(c: C, method: string, reqId: unknown, timeIn: number, result: Wire, extra?: Json): void;
  replyError(c: C, method: string | undefined, reqId: unknown, timeIn: number, error: string, result?: Wire): void;
  tokenOk(c: C, token: unknown): boolean;
}

export function createPrivateWire<C>(ctx: WsContext, io: PrivateIo<C>) {
  const { dir, market, exchange, record } = ctx;
  const { reply, replyError, tokenOk } = io;
  const px = (pair: KrakenPair, v: bigint): Num => num(v, pair.pairDecimals);
  const qty = (pair: KrakenPair, v: bigint): Num => num(v, pair.lotDecimals);
  const quoteNum = (pair: KrakenPair, v: bigint): Num => num(v, dir.asset(pair.quote).decimals);

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

  const addOrder = (c: C, p: Json, reqId: unknown, timeIn: number): void => {
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

  const trading = (c: C, method: string, p: Json, reqId: unknown, timeIn: number): void => {
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

  return { orderEntry, execEntry, balanceSnapshot, ledgerWire, openStatus, trading };
}
