/**
 * Kraken reconciliation: turns what the venue says (executions, OpenOrders, QueryOrders,
 * ClosedOrders, QueryTrades, TradesHistory) into `OrderEvidence` and `TradeRecord`s. It
 * decides no order state: the core folds the evidence. It asks the venue only when
 * something happened (a reconnect, an unreadable execution, a lost answer, the core's
 * question); the one repeating ask is the REST refresh while the private stream is down,
 * because then REST is the only way to learn that a resting order filled.
 */
import type { Fill, OrderAmendRecord, OrderEvidence, OrderTerms, TradeRecord } from '../../../common/domain.js';
import { VenueError, isVenueError } from '../venue.js';
import type { ConnectionReporter, ResolveHint, VenueHistory, VenueSink } from '../venue.js';
import { SPOT_ACCOUNT_ID } from './constants.js';
import type { WsExecution } from './messages.js';
import type { OrderFacts } from './parse.js';
import { MalformedFrame, executionToEvidence, feeOf, restOrderToEvidence, restTradeToFill, restTradeToRecord, wholeNumber } from './parse.js';
import type { KrakenRest } from './rest.js';
import type { RestClosedOrders, RestOpenOrders, RestOrder, RestQueryOrders, RestQueryTrades, RestTradesHistory } from './rest-types.js';
import type { SymbolTable } from './symbols.js';
import type { WireOrders } from './wire-orders.js';

/** ClosedOrders and TradesHistory answer 50 rows a page (doc §11). */
export const HISTORY_PAGE = 50;
/**
 * Pages per history call: 1,000 orders and 1,000 trades, 20–40 points of the REST counter
 * (which the limiter paces). Rows come newest first, so beyond this the oldest rows of the
 * range are not fetched by this call; that is reported to diagnostics ('history-truncated')
 * and the caller narrows `sinceMs` or calls again later.
 */
export const MAX_HISTORY_PAGES = 20;
/** QueryOrders takes up to 50 txids, QueryTrades up to 20 (doc §2.4, §11). */
const QUERY_ORDERS_MAX = 50;
const QUERY_TRADES_MAX = 20;
/** resolveOrder fetches fills (QueryTrades) for at most this many trades of one order; beyond, totals only. */
const RESOLVE_TRADES_MAX = 40;
/**
 * How far before the intent's commit time the venue's order may have been opened: clocks
 * differ (ours vs Kraken's), and ClosedOrders' `start` is whole seconds. Generous, because a
 * cl_ord_id is reused only for the same intent.
 */
export const RESOLVE_SLACK_MS = 5 * 60_000;

export interface ReconcilerOptions {
  symbols: SymbolTable;
  rest: KrakenRest;
  wire: WireOrders;
  sink: VenueSink;
  reporter: ConnectionReporter;
  now: () => number;
  /** True while the private socket (and so the executions stream) is live. */
  streamLive: () => boolean;
  /** Pages per history call; default MAX_HISTORY_PAGES. */
  maxHistoryPages?: number;
}

/** One resolveOrder call waiting for its batch. */
interface ResolveAsk {
  clientOrderId: string;
  hint: ResolveHint;
  resolve: (ev: OrderEvidence) => void;
  reject: (e: unknown) => void;
}

export class Reconciler {
  private readonly o: ReconcilerOptions;
  private asks: ResolveAsk[] = [];
  private draining: Promise<void> | undefined;
  private refreshing: Promise<void> | undefined;
  private closed = false;

  constructor(opts: ReconcilerOptions) {
    this.o = opts;
  }

  close(): void {
    this.closed = true;
  }

  /** One executions entry → evidence to the sink ('fill' for trades, 'status' otherwise). */
  applyExecution(e: WsExecution): void {
    const facts = executionToEvidence(e, (s) => this.o.symbols.find(s)?.id);
    if (e.fees !== undefined) {
      const others = feeOf(e.fees)?.others ?? [];
      if (others.length > 0) this.o.reporter.malformed(`execution fees in more than one asset (${others.join(', ')} not counted)`, JSON.stringify(e.fees));
    }
    const w = this.note(facts);
    if (e.exec_type === 'amended') this.o.wire.restarted(facts.venueOrderId, this.o.now());
    const ev = this.evidence(facts.fill ? 'fill' : 'status', w.clientOrderId, facts, 'stream');
    if (e.exec_type === 'amended') {
      // Ours while one is out; otherwise amended elsewhere, named by the event so a replay is the same amend.
      const at = facts.time ?? this.o.now();
      const amended: OrderAmendRecord = { amendId: w.amendInFlight ?? `kraken:${facts.venueOrderId}:${at}`, venueOrderId: facts.venueOrderId, at };
      if (facts.quantity !== undefined) amended.quantity = facts.quantity;
      if (facts.price !== undefined) amended.price = facts.price;
      if (facts.triggerPrice !== undefined) amended.triggerPrice = facts.triggerPrice;
      ev.amended = amended;
    }
    if (facts.fill) w.trades.add(facts.fill.tradeId);
    this.o.sink.order(ev);
  }

  /** The venue's open orders of the account as 'status' evidence with terms (OpenOrders). */
  async openOrders(): Promise<OrderEvidence[]> {
    const open = await this.o.rest.privatePost<RestOpenOrders>('OpenOrders', { trades: 'true' });
    const out: OrderEvidence[] = [];
    for (const [txid, ro] of entries(open?.open)) {
      const facts = this.read(txid, ro);
      if (!facts) continue;
      const w = this.note(facts);
      out.push(this.evidence('status', w.clientOrderId, facts, 'reconcile'));
    }
    return out;
  }

  /**
   * What the venue holds for one of our orders: QueryOrders by txid when we know it, else
   * OpenOrders then ClosedOrders by cl_ord_id (QueryOrders takes txids only, doc §2.4).
   * 'not-found' only when both lists lack it: open is asked first, so an order that closes
   * between the two asks is in the closed list. Asks made together (the core resolving every
   * order that was in flight at a crash) share their REST calls: see resolveBatch.
   */
  resolveOrder(clientOrderId: string, hint: ResolveHint): Promise<OrderEvidence> {
    return new Promise((resolve, reject) => {
      this.asks.push({ clientOrderId, hint, resolve, reject });
      this.draining ??= this.drain();
    });
  }

  /** Answers waiting asks in batches; asks made while a batch is out go in the next one. */
  private async drain(): Promise<void> {
    // The asks of this turn of the event loop gather first.
    await new Promise((r) => setImmediate(r));
    while (this.asks.length > 0) {
      const batch = this.asks.splice(0);
      try {
        await this.resolveBatch(batch);
      } catch (e) {
        // Those already answered keep their answer (a settled promise ignores this).
        for (const a of batch) a.reject(e);
      }
    }
    this.draining = undefined;
  }

  /**
   * One batch: QueryOrders for every known txid (50 a call), one OpenOrders for the rest, then
   * ClosedOrders: by cl_ord_id for one or two orders, else one scan from the oldest send time,
   * paged while that is cheaper than asking per order. Fills come from QueryTrades, 20 ids a call.
   */
  private async resolveBatch(batch: readonly ResolveAsk[]): Promise<void> {
    const asks = new Map<string, ResolveAsk[]>();
    for (const a of batch) asks.set(a.clientOrderId, [...(asks.get(a.clientOrderId) ?? []), a]);
    const hintOf = (cl: string): ResolveHint => asks.get(cl)![0]!.hint;
    const fromOf = (cl: string): number => hintOf(cl).sentAt - RESOLVE_SLACK_MS;
    const found = new Map<string, { txid: string; ro: RestOrder }>();
    const left = (): string[] => [...asks.keys()].filter((cl) => !found.has(cl));

    const known = [...asks.keys()].flatMap((cl) => {
      const txid = hintOf(cl).venueOrderId ?? this.o.wire.get(cl)?.venueOrderId;
      return txid === undefined ? [] : [{ cl, txid }];
    });
    for (let i = 0; i < known.length; i += QUERY_ORDERS_MAX) {
      const chunk = known.slice(i, i + QUERY_ORDERS_MAX);
      const q = await this.o.rest.privatePost<RestQueryOrders>('QueryOrders', { txid: chunk.map((k) => k.txid).join(','), trades: 'true' });
      for (const { cl, txid } of chunk) {
        const ro = q?.[txid];
        // A txid the core remembered for another id is no answer for this one.
        if (ro !== undefined && ro !== null && (ro.cl_ord_id === undefined || ro.cl_ord_id === null || ro.cl_ord_id === cl)) found.set(cl, { txid, ro });
      }
    }

    let rest = left();
    if (rest.length > 0) {
      const params: Record<string, string> = { trades: 'true' };
      // One order: the venue filters; several: one list of everything open.
      if (rest.length === 1) params.cl_ord_id = rest[0]!;
      const open = await this.o.rest.privatePost<RestOpenOrders>('OpenOrders', params);
      const wanted = new Set(rest);
      for (const [txid, ro] of entries(open?.open)) {
        const cl = ro?.cl_ord_id;
        if (typeof cl === 'string' && wanted.has(cl)) found.set(cl, { txid, ro });
      }
    }

    rest = left();
    const closedMatch = (rows: [string, RestOrder][], wanted: ReadonlySet<string>): void => {
      for (const [txid, ro] of rows) {
        const cl = ro?.cl_ord_id;
        if (typeof cl !== 'string' || !wanted.has(cl) || typeof ro.opentm !== 'number' || ro.opentm * 1000 < fromOf(cl)) continue;
        // Newest wins: an older order that reused the id (unique among open orders only) loses.
        const cur = found.get(cl);
        if (!cur || (cur.ro.opentm ?? 0) < ro.opentm) found.set(cl, { txid, ro });
      }
    };
    const startOf = (ms: number): string => String(Math.max(0, Math.floor(ms / 1000) - 1));
    let perOrder = rest;
    if (rest.length > 2) {
      // One scan of everything closed since the oldest send, while it costs fewer calls than asking per order.
      const wanted = new Set(rest);
      const start = startOf(Math.min(...rest.map(fromOf)));
      const end = String(Math.ceil(this.o.now() / 1000) + 1);
      let complete = false;
      for (let p = 0; ; p++) {
        const page = await this.o.rest.privatePost<RestClosedOrders>('ClosedOrders', { start, end, ofs: String(p * HISTORY_PAGE), trades: 'true' });
        const rows = entries(page?.closed);
        closedMatch(rows, wanted);
        const total = typeof page?.count === 'number' ? page.count : undefined;
        if (rows.length < HISTORY_PAGE || (total !== undefined && (p + 1) * HISTORY_PAGE >= total)) {
          complete = true;
          break;
        }
        const pagesLeft = total === undefined ? Infinity : Math.ceil(total / HISTORY_PAGE) - (p + 1);
        if (pagesLeft >= left().length) break;
      }
      perOrder = complete ? [] : left();
    }
    for (const cl of perOrder) {
      const closed = await this.o.rest.privatePost<RestClosedOrders>('ClosedOrders', { cl_ord_id: cl, trades: 'true', start: startOf(fromOf(cl)) });
      closedMatch(entries(closed?.closed), new Set([cl]));
    }

    // Fills, when an order has few enough trades to list cheaply; totals say the rest.
    const tradeIds = [...found.values()].flatMap(({ ro }) => (Array.isArray(ro.trades) && ro.trades.length <= RESOLVE_TRADES_MAX ? ro.trades : []));
    const fills = new Map<string, Fill[]>();
    for (const f of await this.fills(tradeIds)) fills.set(f.venueOrderId, [...(fills.get(f.venueOrderId) ?? []), f.fill]);

    for (const [cl, list] of asks) {
      const hit = found.get(cl);
      const facts = hit ? this.read(hit.txid, hit.ro) : undefined;
      let ev: OrderEvidence;
      if (hit && facts) {
        this.note(facts, cl);
        ev = this.evidence('status', cl, facts, 'reconcile');
        const ids = Array.isArray(hit.ro.trades) ? hit.ro.trades : [];
        const got = fills.get(hit.txid) ?? [];
        // Only a complete list: totals already say what a partial one would miss.
        if (ids.length > 0 && got.length === ids.length) ev.fills = [...got].sort((a, b) => a.time - b.time);
      } else if (hit) {
        // The venue holds it but its record broke the contract (reported): that is not "not found".
        for (const a of list) a.reject(new VenueError('internal', 'malformed-order', `Kraken order ${hit.txid} for ${cl} is unreadable`));
        continue;
      } else {
        // Surely not at the venue: our bookkeeping stops asking about it, and the id may go again.
        this.o.wire.drop(cl);
        ev = { kind: 'not-found', venue: 'kraken', accountId: SPOT_ACCOUNT_ID, clientOrderId: cl, at: this.o.now(), source: 'reconcile' };
      }
      for (const a of list) a.resolve(ev);
    }
  }

  /**
   * The account's history since `sinceMs`: closed orders (ClosedOrders, paged) and the open
   * ones (OpenOrders) as 'status' evidence with terms, and executed trades (TradesHistory,
   * paged) with their fees in the quote currency.
   */
  async accountHistory(sinceMs: number): Promise<VenueHistory> {
    // `start` is exclusive and whole seconds: one second earlier never misses a row; the
    // core de-duplicates by venue ids. A fixed `end` keeps the pages stable while orders close.
    const start = String(Math.max(0, Math.floor(sinceMs / 1000) - 1));
    const end = String(Math.ceil(this.o.now() / 1000) + 1);
    const orders: OrderEvidence[] = [];
    const clientOf = new Map<string, string>();
    await this.pages<RestClosedOrders>('ClosedOrders', { start, end }, (page) => {
      const rows = entries(page?.closed);
      for (const [txid, ro] of rows) {
        const facts = this.read(txid, ro);
        if (!facts) continue;
        // An order placed elsewhere may have no cl_ord_id: its txid stands in as its client
        // order id (unique at the venue, and what its executions map to as well).
        const cl = facts.clientOrderId ?? txid;
        clientOf.set(txid, cl);
        this.o.wire.seen(txid, facts.clientOrderId, { ...(facts.instrumentId !== undefined ? { instrumentId: facts.instrumentId } : {}), final: true, at: this.o.now() });
        orders.push(this.evidence('status', cl, facts, 'history'));
      }
      return { rows: rows.length, count: page?.count };
    });
    for (const ev of await this.openOrders()) {
      if (ev.terms !== undefined && ev.terms.createdAt < sinceMs) continue;
      clientOf.set(ev.venueOrderId ?? ev.clientOrderId, ev.clientOrderId);
      orders.push({ ...ev, source: 'history' });
    }
    const trades: TradeRecord[] = [];
    await this.pages<RestTradesHistory>('TradesHistory', { start, end }, (page) => {
      const rows = entries(page?.trades);
      for (const [tid, tr] of rows) {
        const pair = typeof tr?.pair === 'string' ? this.o.symbols.find(tr.pair) : undefined;
        if (!pair) {
          this.o.reporter.malformed('TradesHistory trade of a pair we do not know', JSON.stringify({ [tid]: tr }));
          continue;
        }
        try {
          const rec = restTradeToRecord(tid, tr, pair.id, pair.instrument.currency);
          const cl = clientOf.get(tr.ordertxid) ?? this.o.wire.clientIdOf(tr.ordertxid);
          trades.push({ ...rec, accountId: SPOT_ACCOUNT_ID, ...(cl !== undefined ? { clientOrderId: cl } : {}) });
        } catch (e) {
          if (!(e instanceof MalformedFrame)) throw e;
          this.o.reporter.malformed(`TradesHistory: ${e.message}`, JSON.stringify({ [tid]: tr }));
        }
      }
      return { rows: rows.length, count: page?.count };
    });
    return { orders, trades };
  }

  /**
   * After a (re)connect or an unreadable execution: every open order, our unsettled orders
   * that are no longer open (QueryOrders), and fills the stream did not deliver (QueryTrades),
   * reported to the sink. Orders whose answer was lost and whose order_id we never learned
   * wait for the core's resolveOrder: only it may conclude 'not-found'.
   */
  async reconcile(): Promise<void> {
    const open = await this.o.rest.privatePost<RestOpenOrders>('OpenOrders', { trades: 'true' });
    const seen = new Set<string>();
    const missing: string[] = [];
    const report = (txid: string, ro: RestOrder): void => {
      const facts = this.read(txid, ro);
      if (!facts) return;
      const w = this.note(facts);
      this.o.sink.order(this.evidence('status', w.clientOrderId, facts, 'reconcile'));
      for (const t of ro.trades ?? []) if (!w.trades.has(t)) missing.push(t);
    };
    for (const [txid, ro] of entries(open?.open)) {
      seen.add(txid);
      report(txid, ro);
    }
    const gone = this.o.wire
      .live()
      .map((w) => w.venueOrderId)
      .filter((id): id is string => id !== undefined && !seen.has(id));
    for (let i = 0; i < gone.length; i += QUERY_ORDERS_MAX) {
      const q = await this.o.rest.privatePost<RestQueryOrders>('QueryOrders', { txid: gone.slice(i, i + QUERY_ORDERS_MAX).join(','), trades: 'true' });
      for (const [txid, ro] of entries(q)) report(txid, ro);
    }
    for (const fill of await this.fills(missing)) {
      const w = this.o.wire.byVenueId(fill.venueOrderId);
      if (!w) continue;
      w.trades.add(fill.fill.tradeId);
      this.o.sink.order({ kind: 'fill', venue: 'kraken', accountId: SPOT_ACCOUNT_ID, clientOrderId: w.clientOrderId, venueOrderId: fill.venueOrderId, fills: [fill.fill], at: fill.fill.time, source: 'reconcile' });
    }
  }

  /**
   * While the private stream is down and orders of ours may still move, asks REST now and
   * then (1 s doubling to 10 s; the REST limiter paces it too). Ends when the stream is back,
   * nothing is live, or the adapter closes.
   */
  refreshWhileDown(delayMs = 1_000): void {
    if (this.refreshing || this.closed) return;
    const needed = (): boolean => !this.closed && !this.o.streamLive() && this.o.wire.live().length > 0;
    this.refreshing = (async () => {
      while (needed()) {
        await new Promise((r) => setTimeout(r, delayMs).unref());
        if (!needed()) return;
        try {
          await this.reconcile();
        } catch (e) {
          if (isVenueError(e)) this.o.reporter.error(e.info(this.o.now()));
          else throw e;
        }
        delayMs = Math.min(delayMs * 2, 10_000);
      }
    })().finally(() => (this.refreshing = undefined));
  }

  /** QueryTrades for these trade txids, ≤20 a call; unreadable rows are reported and skipped. */
  private async fills(ids: readonly string[]): Promise<{ venueOrderId: string; fill: Fill }[]> {
    const out: { venueOrderId: string; fill: Fill }[] = [];
    for (let i = 0; i < ids.length; i += QUERY_TRADES_MAX) {
      const q = await this.o.rest.privatePost<RestQueryTrades>('QueryTrades', { txid: ids.slice(i, i + QUERY_TRADES_MAX).join(','), trades: 'true' });
      for (const [tid, tr] of entries(q)) {
        const pair = typeof tr?.pair === 'string' ? this.o.symbols.find(tr.pair) : undefined;
        try {
          out.push(restTradeToFill(tid, tr, pair?.instrument.currency ?? ''));
        } catch (e) {
          if (!(e instanceof MalformedFrame)) throw e;
          this.o.reporter.malformed(`QueryTrades: ${e.message}`, JSON.stringify({ [tid]: tr }));
        }
      }
    }
    return out;
  }

  /** Pages a history method (ofs += 50) until a page is short, the count is reached, or the bound. */
  private async pages<T>(method: string, params: Record<string, string>, take: (page: T) => { rows: number; count: unknown }): Promise<void> {
    const max = this.o.maxHistoryPages ?? MAX_HISTORY_PAGES;
    for (let p = 0; ; p++) {
      if (p === max) {
        const err = new VenueError('unavailable', 'history-truncated', `Kraken ${method}: more than ${max * HISTORY_PAGE} rows since the requested time; the oldest were not fetched`);
        this.o.reporter.error(err.info(this.o.now()));
        return;
      }
      const page = await this.o.rest.privatePost<T>(method, { ...params, ofs: String(p * HISTORY_PAGE) });
      const { rows, count } = take(page);
      let total: number | undefined;
      try {
        total = count === undefined ? undefined : wholeNumber(count, `${method} count`);
      } catch (e) {
        if (!(e instanceof MalformedFrame)) throw e;
        this.o.reporter.malformed(e.message, JSON.stringify(count));
      }
      if (rows < HISTORY_PAGE || (total !== undefined && (p + 1) * HISTORY_PAGE >= total)) return;
    }
  }

  /** A REST order's facts, or undefined (reported) when it breaks the contract. */
  private read(txid: string, ro: RestOrder): OrderFacts | undefined {
    try {
      return restOrderToEvidence(txid, ro, (alt) => this.o.symbols.find(alt)?.id);
    } catch (e) {
      if (!(e instanceof MalformedFrame)) throw e;
      this.o.reporter.malformed(e.message, JSON.stringify({ [txid]: ro }));
      return undefined;
    }
  }

  /** Links the ids and notes resting/final in the wire bookkeeping. */
  private note(facts: OrderFacts, clientOrderId = facts.clientOrderId): ReturnType<WireOrders['seen']> {
    const st = facts.status;
    return this.o.wire.seen(facts.venueOrderId, clientOrderId, {
      ...(facts.instrumentId !== undefined ? { instrumentId: facts.instrumentId } : {}),
      ...(facts.quantity !== undefined ? { quantity: facts.quantity } : {}),
      resting: st === 'open' || st === 'partially-filled',
      final: st === 'filled' || st === 'cancelled' || st === 'expired',
      at: this.o.now(),
    });
  }

  private evidence(kind: OrderEvidence['kind'], clientOrderId: string, f: OrderFacts, source: OrderEvidence['source']): OrderEvidence {
    const ev: OrderEvidence = {
      kind,
      venue: 'kraken',
      accountId: SPOT_ACCOUNT_ID,
      clientOrderId,
      venueOrderId: f.venueOrderId,
      at: f.time ?? this.o.now(),
      source,
    };
    if (f.status !== undefined) ev.status = f.status;
    if (f.filledQuantity !== undefined) ev.filledQuantity = f.filledQuantity;
    if (f.averagePrice !== undefined) ev.averagePrice = f.averagePrice;
    if (f.fill) ev.fills = [f.fill];
    if (f.reason) ev.reason = f.reason;
    if (f.instrumentId !== undefined && f.side !== undefined && f.type !== undefined && f.quantity !== undefined) {
      const terms: OrderTerms = { instrumentId: f.instrumentId, side: f.side, type: f.type, quantity: f.quantity, createdAt: f.openedAt ?? f.time ?? this.o.now() };
      if (f.price !== undefined) terms.price = f.price;
      if (f.triggerPrice !== undefined) terms.triggerPrice = f.triggerPrice;
      if (f.trailingOffset !== undefined) terms.trailingOffset = f.trailingOffset;
      if (f.timeInForce !== undefined) terms.timeInForce = f.timeInForce;
      if (f.expireAt !== undefined) terms.expireAt = f.expireAt;
      if (f.postOnly !== undefined) terms.postOnly = f.postOnly;
      ev.terms = terms;
    }
    if (f.triggeredAt !== undefined) ev.triggeredAt = f.triggeredAt;
    return ev;
  }
}

/** The rows of a REST map; anything but an object is no rows. */
function entries<T>(m: Record<string, T> | undefined | null): [string, T][] {
  return typeof m === 'object' && m !== null && !Array.isArray(m) ? Object.entries(m) : [];
}
