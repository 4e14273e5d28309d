/**
 * The order journal's storage: orders (current state), an append-only event log, fills, the
 * account's trades and how far each account's venue history was merged.
 *
 * Durability: an order's intent is committed durably (synchronous=FULL: the log is fsynced)
 * before `intent()` resolves — the journal awaits it before the first byte of the order goes
 * to the venue. Intents of orders placed together share one commit (group commit: one fsync
 * for all of them). Later changes are queued and committed at the end of the tick without
 * their own fsync (synchronous=NORMAL: a process crash keeps them, as the OS has them; a
 * power loss may lose the last few), which loses nothing the venue does not still know:
 * replay marks every working order unknown and asks the venue. Every row read back is checked; a row that fails is skipped and counted, never
 * trusted.
 */
import type { AmendRequest, Dec, Fill, Order, OrderAmendRecord, OrderRequest, OrderStatus, TradeRecord, TrailingOffset, VenueId, VenueMode } from '../../common/domain.js';
import { ORDER_TYPES, TIME_IN_FORCE, VENUE_IDS } from '../../common/domain.js';
import { isDecText } from '../../common/decimal.js';
import type { SqliteDb } from './db.js';

export interface StoredOrder {
  order: Order;
  /** What the venue was connected to when the order was placed or learned. */
  mode: VenueMode;
  /** The request as the ticket sent it, when this app placed the order. */
  request?: OrderRequest;
  resendable: boolean;
}

export interface OrderEventRecord {
  /** intent | amend-intent | amend-answered | amend-refused | evidence | state | replay | adopted */
  kind: string;
  at: number;
  body: unknown;
}

interface OrderRow {
  venue: string;
  client_order_id: string;
  mode: string;
  account_id: string;
  venue_order_id: string | null;
  instrument_id: string;
  side: string;
  type: string;
  quantity: string;
  price: string | null;
  status: string;
  filled_quantity: string;
  average_price: string | null;
  reason: string | null;
  created_at: number;
  updated_at: number;
  request: string | null;
  resendable: number;
  conditions: string | null;
}

/** An amend committed before it was sent: which order it is of, and what it asked. */
export interface StoredAmend {
  venue: VenueId;
  clientOrderId: string;
  request: AmendRequest;
  at: number;
  /** The venue's answer (or its loss, or a refusal) was recorded; false: the app stopped while it was out. */
  answered: boolean;
}

interface FillRow {
  venue: string;
  client_order_id: string;
  trade_id: string;
  price: string;
  quantity: string;
  time: number;
  fee: string | null;
  fee_currency: string | null;
}

interface TradeRow {
  venue: string;
  account_id: string;
  trade_id: string;
  instrument_id: string;
  side: string;
  quantity: string;
  price: string;
  currency: string;
  fee: string;
  fee_currency: string;
  time: number;
  client_order_id: string | null;
  venue_order_id: string | null;
}

const STATUSES: ReadonlySet<string> = new Set<OrderStatus>(['pending', 'open', 'partially-filled', 'filled', 'cancelled', 'rejected', 'expired', 'unknown']);
const VENUES: ReadonlySet<string> = new Set(VENUE_IDS);
const MODES: ReadonlySet<string> = new Set<VenueMode>(['demo', 'sandbox', 'live']);
const TYPES: ReadonlySet<string> = new Set(ORDER_TYPES);
const TIFS: ReadonlySet<string> = new Set(TIME_IN_FORCE);

type Pending =
  | { what: 'order'; stored: StoredOrder; event: OrderEventRecord; fills: Fill[]; durable?: { resolve(): void; reject(err: unknown): void } }
  | { what: 'trades'; trades: TradeRecord[]; mode: VenueMode }
  | { what: 'sync'; venue: VenueId; mode: VenueMode; accountId: string; to: number };

export class OrderStore {
  private readonly db: SqliteDb;
  private queue: Pending[] = [];
  private flushScheduled = false;
  private closed = false;
  /** Rows read back that failed their checks. */
  corruptRows = 0;
  /** Durable commits made (intents and group commits). */
  commits = 0;
  private readonly stmt;

  constructor(db: SqliteDb) {
    this.db = db;
    this.stmt = {
      upsertOrder: db.prepare(`
        INSERT INTO orders (venue, client_order_id, mode, account_id, venue_order_id, instrument_id, side, type, quantity, price,
          status, filled_quantity, average_price, reason, created_at, updated_at, request, resendable, conditions)
        VALUES (@venue, @client_order_id, @mode, @account_id, @venue_order_id, @instrument_id, @side, @type, @quantity, @price,
          @status, @filled_quantity, @average_price, @reason, @created_at, @updated_at, @request, @resendable, @conditions)
        ON CONFLICT (venue, client_order_id) DO UPDATE SET
          account_id = excluded.account_id, venue_order_id = excluded.venue_order_id, instrument_id = excluded.instrument_id,
          side = excluded.side, type = excluded.type, quantity = excluded.quantity, price = excluded.price,
          status = excluded.status, filled_quantity = excluded.filled_quantity, average_price = excluded.average_price,
          reason = excluded.reason, created_at = excluded.created_at, updated_at = excluded.updated_at,
          request = COALESCE(excluded.request, orders.request), resendable = excluded.resendable, conditions = excluded.conditions`),
      event: db.prepare('INSERT INTO order_events (venue, client_order_id, at, kind, body) VALUES (?, ?, ?, ?, ?)'),
      fill: db.prepare(`INSERT OR IGNORE INTO fills (venue, client_order_id, trade_id, price, quantity, time, fee, fee_currency)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
      trade: db.prepare(`
        INSERT INTO trades (venue, mode, account_id, trade_id, instrument_id, side, quantity, price, currency, fee, fee_currency, time, client_order_id, venue_order_id)
        VALUES (@venue, @mode, @account_id, @trade_id, @instrument_id, @side, @quantity, @price, @currency, @fee, @fee_currency, @time, @client_order_id, @venue_order_id)
        ON CONFLICT (venue, mode, account_id, trade_id) DO UPDATE SET
          fee = CASE WHEN excluded.fee <> '0' THEN excluded.fee ELSE trades.fee END,
          fee_currency = CASE WHEN excluded.fee <> '0' THEN excluded.fee_currency ELSE trades.fee_currency END,
          client_order_id = COALESCE(trades.client_order_id, excluded.client_order_id),
          venue_order_id = COALESCE(trades.venue_order_id, excluded.venue_order_id)`),
      sync: db.prepare(`INSERT INTO history_sync (venue, mode, account_id, synced_to) VALUES (?, ?, ?, ?)
        ON CONFLICT (venue, mode, account_id) DO UPDATE SET synced_to = MAX(history_sync.synced_to, excluded.synced_to)`),
      syncedTo: db.prepare('SELECT synced_to FROM history_sync WHERE venue = ? AND mode = ? AND account_id = ?'),
    };
  }

  /**
   * A new order's intent (the order as pending, and the request), committed durably with
   * whatever else is queued: resolves once it is on disk, rejects if the commit failed. Only
   * then may the order be sent.
   */
  intent(order: Order, mode: VenueMode, request: OrderRequest, at: number): Promise<void> {
    this.ensureOpen();
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ what: 'order', stored: { order, mode, request, resendable: false }, event: { kind: 'intent', at, body: request }, fills: [], durable: { resolve, reject } });
      this.schedule();
    });
  }

  /**
   * An amend's intent (the order as it stands, and the amend), committed durably like an order's
   * intent and in the same group commit: only then may the amend be sent.
   */
  amendIntent(order: Order, mode: VenueMode, request: AmendRequest, at: number): Promise<void> {
    this.ensureOpen();
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ what: 'order', stored: { order, mode, resendable: false }, event: { kind: 'amend-intent', at, body: request }, fills: [], durable: { resolve, reject } });
      this.schedule();
    });
  }

  /** Every amend intent ever committed, oldest first; rows that fail their checks are skipped and counted. */
  loadAmends(): StoredAmend[] {
    this.flush();
    // Answered: a later event of the order names the amend (its answer, refusal or loss, or a
    // replay that already made the order unknown for it).
    const rows = this.db
      .prepare(
        `SELECT e.venue, e.client_order_id, e.at, e.body, EXISTS (
           SELECT 1 FROM order_events x
           WHERE x.venue = e.venue AND x.client_order_id = e.client_order_id AND x.seq > e.seq
             AND x.kind IN ('amend-answered', 'amend-refused', 'state', 'replay')
             AND json_valid(x.body) AND json_valid(e.body) AND json_extract(x.body, '$.amendId') = json_extract(e.body, '$.amendId')
         ) AS answered
         FROM order_events e WHERE e.kind = 'amend-intent' ORDER BY e.seq`,
      )
      .all() as { venue: string; client_order_id: string; at: number; body: string; answered: number }[];
    const out: StoredAmend[] = [];
    for (const r of rows) {
      const req = safeJson(r.body);
      if (!VENUES.has(r.venue) || !Number.isSafeInteger(r.at) || !isAmend(req, r.venue, r.client_order_id)) {
        this.corruptRows += 1;
        continue;
      }
      const request: AmendRequest = { venue: req.venue, accountId: req.accountId, clientOrderId: req.clientOrderId, amendId: req.amendId };
      if (req.price !== undefined) request.price = req.price;
      if (req.quantity !== undefined) request.quantity = req.quantity;
      if (req.triggerPrice !== undefined) request.triggerPrice = req.triggerPrice;
      out.push({ venue: r.venue as VenueId, clientOrderId: r.client_order_id, request, at: r.at, answered: r.answered === 1 });
    }
    return out;
  }

  /** One intent committed durably, now, alone (what a single order pays; the bench's figure). */
  commitIntent(order: Order, mode: VenueMode, request: OrderRequest, at: number): void {
    this.ensureOpen();
    this.queue.push({ what: 'order', stored: { order, mode, request, resendable: false }, event: { kind: 'intent', at, body: request }, fills: [], durable: { resolve: () => undefined, reject: () => undefined } });
    this.flush();
  }

  /** Queues a change of an order (and its new fills) for the next group commit. */
  saveOrder(stored: StoredOrder, event: OrderEventRecord, newFills: Fill[] = []): void {
    this.ensureOpen();
    this.queue.push({ what: 'order', stored, event, fills: newFills });
    this.schedule();
  }

  saveTrades(trades: TradeRecord[], mode: VenueMode): void {
    if (trades.length === 0) return;
    this.ensureOpen();
    this.queue.push({ what: 'trades', trades, mode });
    this.schedule();
  }

  setHistorySyncedTo(venue: VenueId, mode: VenueMode, accountId: string, to: number): void {
    this.ensureOpen();
    this.queue.push({ what: 'sync', venue, mode, accountId, to });
    this.schedule();
  }

  historySyncedTo(venue: VenueId, mode: VenueMode, accountId: string): number | undefined {
    this.flush();
    const row = this.stmt.syncedTo.get(venue, mode, accountId) as { synced_to: number } | undefined;
    return row?.synced_to;
  }

  /**
   * Commits everything queued, in one transaction: fsynced when it carries an intent, else
   * left to the OS (see the top of this file). Throws when the commit fails, after telling
   * every intent in it.
   */
  flush(): void {
    if (this.closed || this.queue.length === 0) return;
    const queued = this.takeQueue();
    const durable = queued.flatMap((p) => (p.what === 'order' && p.durable ? [p.durable] : []));
    try {
      this.syncMode(durable.length > 0 ? 'FULL' : 'NORMAL');
      this.db.transaction(() => this.writeQueued(queued))();
    } catch (err) {
      for (const d of durable) d.reject(err);
      throw err;
    }
    this.commits += 1;
    for (const d of durable) d.resolve();
  }

  private synchronous: 'FULL' | 'NORMAL' | undefined;

  private syncMode(mode: 'FULL' | 'NORMAL'): void {
    if (this.synchronous === mode) return;
    this.db.pragma(`synchronous = ${mode}`);
    this.synchronous = mode;
  }

  /** Every stored order with its fills. */
  loadOrders(): StoredOrder[] {
    this.flush();
    const fills = new Map<string, Fill[]>();
    for (const r of this.db.prepare('SELECT * FROM fills ORDER BY time, trade_id').all() as FillRow[]) {
      const f = this.fillOf(r);
      if (!f) continue;
      const key = `${r.venue}|${r.client_order_id}`;
      let list = fills.get(key);
      if (!list) fills.set(key, (list = []));
      list.push(f);
    }
    const out: StoredOrder[] = [];
    for (const r of this.db.prepare(
      // Orders placed in the same millisecond come back in the order they were first written
      // (their first event), as the journal listed them before the restart.
      `SELECT * FROM orders o ORDER BY o.created_at,
         (SELECT MIN(e.seq) FROM order_events e WHERE e.venue = o.venue AND e.client_order_id = o.client_order_id), o.client_order_id`,
    ).all() as OrderRow[]) {
      const s = this.orderOf(r, fills.get(`${r.venue}|${r.client_order_id}`) ?? []);
      if (s) out.push(s);
    }
    return out;
  }

  /** The trades of each venue's current mode (or of one venue), newest first. */
  trades(modeOf: (v: VenueId) => VenueMode, venue?: VenueId, limit = 10_000): TradeRecord[] {
    this.flush();
    const out: TradeRecord[] = [];
    for (const v of venue === undefined ? VENUE_IDS : [venue]) {
      const rows = this.db.prepare('SELECT * FROM trades WHERE venue = ? AND mode = ? ORDER BY time DESC, trade_id DESC LIMIT ?').all(v, modeOf(v), limit) as TradeRow[];
      for (const r of rows) {
        const t = this.tradeOf(r);
        if (t) out.push(t);
      }
    }
    out.sort((a, b) => b.time - a.time || (a.tradeId < b.tradeId ? 1 : a.tradeId > b.tradeId ? -1 : 0));
    return out.slice(0, limit);
  }

  /** The event log of one order, oldest first (diagnostics and tests). */
  events(venue: VenueId, clientOrderId: string): OrderEventRecord[] {
    this.flush();
    const rows = this.db.prepare('SELECT at, kind, body FROM order_events WHERE venue = ? AND client_order_id = ? ORDER BY seq').all(venue, clientOrderId) as {
      at: number;
      kind: string;
      body: string;
    }[];
    return rows.map((r) => ({ at: r.at, kind: r.kind, body: safeJson(r.body) }));
  }

  close(): void {
    if (this.closed) return;
    this.flush();
    // What the next owner of the connection expects (db.ts opens it FULL).
    this.syncMode('FULL');
    this.closed = true;
  }

  private schedule(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      try {
        this.flush();
      } catch {
        // A failed group commit keeps nothing half-written (one transaction); the intents in
        // it were rejected, so their orders are not sent.
      }
    });
  }

  private takeQueue(): Pending[] {
    const q = this.queue;
    this.queue = [];
    return q;
  }

  private writeQueued(queued: Pending[]): void {
    for (const p of queued) {
      if (p.what === 'order') this.writeOrder(p.stored, p.event, p.fills);
      else if (p.what === 'trades') for (const t of p.trades) this.stmt.trade.run(tradeParams(t, p.mode));
      else this.stmt.sync.run(p.venue, p.mode, p.accountId, p.to);
    }
  }

  private writeOrder(s: StoredOrder, event: OrderEventRecord, fills: Fill[]): void {
    const o = s.order;
    this.stmt.upsertOrder.run({
      venue: o.venue,
      client_order_id: o.clientOrderId,
      mode: s.mode,
      account_id: o.accountId,
      venue_order_id: o.venueOrderId ?? null,
      instrument_id: o.instrumentId,
      side: o.side,
      type: o.type,
      quantity: o.quantity,
      price: o.price ?? null,
      status: o.status,
      filled_quantity: o.filledQuantity,
      average_price: o.averagePrice ?? null,
      reason: o.reason ? JSON.stringify(o.reason) : null,
      created_at: o.createdAt,
      updated_at: o.updatedAt,
      request: s.request ? JSON.stringify(s.request) : null,
      resendable: s.resendable ? 1 : 0,
      conditions: conditionsJson(o),
    });
    this.stmt.event.run(o.venue, o.clientOrderId, event.at, event.kind, JSON.stringify(event.body ?? null));
    for (const f of fills) {
      this.stmt.fill.run(o.venue, o.clientOrderId, f.tradeId, f.price, f.quantity, f.time, f.fee ?? null, f.feeCurrency ?? null);
    }
  }

  private ensureOpen(): void {
    if (this.closed) throw new Error('the order store is closed');
  }

  private orderOf(r: OrderRow, fills: Fill[]): StoredOrder | undefined {
    const ok =
      VENUES.has(r.venue) &&
      MODES.has(r.mode) &&
      STATUSES.has(r.status) &&
      (r.side === 'buy' || r.side === 'sell') &&
      TYPES.has(r.type) &&
      isDecText(r.quantity) &&
      isDecText(r.filled_quantity) &&
      (r.price === null || isDecText(r.price)) &&
      (r.average_price === null || isDecText(r.average_price)) &&
      Number.isSafeInteger(r.created_at) &&
      Number.isSafeInteger(r.updated_at);
    const conditions = r.conditions === null ? {} : conditionsOf(safeJson(r.conditions));
    if (!ok || !conditions) {
      this.corruptRows += 1;
      return undefined;
    }
    const order: Order = {
      venue: r.venue as VenueId,
      accountId: r.account_id,
      clientOrderId: r.client_order_id,
      instrumentId: r.instrument_id,
      side: r.side as Order['side'],
      type: r.type as Order['type'],
      quantity: r.quantity as Dec,
      status: r.status as OrderStatus,
      filledQuantity: r.filled_quantity as Dec,
      fills,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
    };
    if (r.venue_order_id !== null) order.venueOrderId = r.venue_order_id;
    if (r.price !== null) order.price = r.price as Dec;
    if (r.average_price !== null) order.averagePrice = r.average_price as Dec;
    Object.assign(order, conditions);
    const reason = r.reason === null ? undefined : safeJson(r.reason);
    if (isReason(reason)) order.reason = reason;
    const out: StoredOrder = { order, mode: r.mode as VenueMode, resendable: r.resendable === 1 };
    const req = r.request === null ? undefined : safeJson(r.request);
    if (isRequest(req, order)) out.request = req;
    return out;
  }

  private fillOf(r: FillRow): Fill | undefined {
    if (!isDecText(r.price) || !isDecText(r.quantity) || !Number.isSafeInteger(r.time) || (r.fee !== null && !isDecText(r.fee))) {
      this.corruptRows += 1;
      return undefined;
    }
    const f: Fill = { tradeId: r.trade_id, price: r.price as Dec, quantity: r.quantity as Dec, time: r.time };
    if (r.fee !== null) f.fee = r.fee as Dec;
    if (r.fee_currency !== null) f.feeCurrency = r.fee_currency;
    return f;
  }

  private tradeOf(r: TradeRow): TradeRecord | undefined {
    const ok =
      VENUES.has(r.venue) &&
      (r.side === 'buy' || r.side === 'sell') &&
      isDecText(r.quantity) &&
      isDecText(r.price) &&
      isDecText(r.fee) &&
      Number.isSafeInteger(r.time);
    if (!ok) {
      this.corruptRows += 1;
      return undefined;
    }
    const t: TradeRecord = {
      venue: r.venue as VenueId,
      accountId: r.account_id,
      tradeId: r.trade_id,
      instrumentId: r.instrument_id,
      side: r.side as TradeRecord['side'],
      quantity: r.quantity as Dec,
      price: r.price as Dec,
      currency: r.currency,
      fee: r.fee as Dec,
      feeCurrency: r.fee_currency,
      time: r.time,
    };
    if (r.client_order_id !== null) t.clientOrderId = r.client_order_id;
    if (r.venue_order_id !== null) t.venueOrderId = r.venue_order_id;
    return t;
  }
}

function tradeParams(t: TradeRecord, mode: VenueMode): Record<string, string | number | null> {
  return {
    venue: t.venue,
    mode,
    account_id: t.accountId,
    trade_id: t.tradeId,
    instrument_id: t.instrumentId,
    side: t.side,
    quantity: t.quantity,
    price: t.price,
    currency: t.currency,
    fee: t.fee,
    fee_currency: t.feeCurrency,
    time: t.time,
    client_order_id: t.clientOrderId ?? null,
    venue_order_id: t.venueOrderId ?? null,
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function isReason(v: unknown): v is NonNullable<Order['reason']> {
  if (typeof v !== 'object' || v === null) return false;
  const r = v as Record<string, unknown>;
  return typeof r.code === 'string' && typeof r.message === 'string' && (r.trackingId === undefined || typeof r.trackingId === 'string');
}

function isRequest(v: unknown, o: Order): v is OrderRequest {
  if (typeof v !== 'object' || v === null) return false;
  const r = v as Record<string, unknown>;
  return (
    r.venue === o.venue &&
    r.clientOrderId === o.clientOrderId &&
    r.accountId === o.accountId &&
    r.instrumentId === o.instrumentId &&
    (r.side === 'buy' || r.side === 'sell') &&
    typeof r.type === 'string' &&
    TYPES.has(r.type) &&
    isDecField(r.quantity) &&
    optDec(r.price) &&
    optDec(r.triggerPrice) &&
    (r.trailingOffset === undefined || isTrailing(r.trailingOffset)) &&
    (r.timeInForce === undefined || (typeof r.timeInForce === 'string' && TIFS.has(r.timeInForce))) &&
    (r.expireAt === undefined || Number.isSafeInteger(r.expireAt)) &&
    (r.postOnly === undefined || typeof r.postOnly === 'boolean')
  );
}

function isDecField(v: unknown): v is Dec {
  return typeof v === 'string' && isDecText(v);
}

function optDec(v: unknown): boolean {
  return v === undefined || isDecField(v);
}

function isTrailing(v: unknown): v is TrailingOffset {
  if (typeof v !== 'object' || v === null) return false;
  const t = v as Record<string, unknown>;
  return isDecField(t.value) && (t.unit === 'price' || t.unit === 'percent');
}

function isAmend(v: unknown, venue: string, clientOrderId: string): v is AmendRequest {
  if (typeof v !== 'object' || v === null) return false;
  const a = v as Record<string, unknown>;
  return (
    a.venue === venue &&
    a.clientOrderId === clientOrderId &&
    typeof a.accountId === 'string' &&
    typeof a.amendId === 'string' &&
    a.amendId.length > 0 &&
    optDec(a.price) &&
    optDec(a.quantity) &&
    optDec(a.triggerPrice)
  );
}

function isAmendRecord(v: unknown): v is OrderAmendRecord {
  if (typeof v !== 'object' || v === null) return false;
  const a = v as Record<string, unknown>;
  return (
    typeof a.amendId === 'string' &&
    optDec(a.price) &&
    optDec(a.quantity) &&
    optDec(a.triggerPrice) &&
    (a.venueOrderId === undefined || typeof a.venueOrderId === 'string') &&
    Number.isSafeInteger(a.at)
  );
}

type Conditions = Pick<Order, 'triggerPrice' | 'trailingOffset' | 'timeInForce' | 'expireAt' | 'postOnly' | 'triggeredAt' | 'amends'>;

/** The order's fields beyond the first schema's columns, as JSON; null when it has none. */
function conditionsJson(o: Order): string | null {
  const c: Conditions = {};
  if (o.triggerPrice !== undefined) c.triggerPrice = o.triggerPrice;
  if (o.trailingOffset !== undefined) c.trailingOffset = o.trailingOffset;
  if (o.timeInForce !== undefined) c.timeInForce = o.timeInForce;
  if (o.expireAt !== undefined) c.expireAt = o.expireAt;
  if (o.postOnly !== undefined) c.postOnly = o.postOnly;
  if (o.triggeredAt !== undefined) c.triggeredAt = o.triggeredAt;
  if (o.amends !== undefined && o.amends.length > 0) c.amends = o.amends;
  return Object.keys(c).length === 0 ? null : JSON.stringify(c);
}

/** The stored conditions, checked field by field; undefined when any of them is not what was written. */
function conditionsOf(v: unknown): Conditions | undefined {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined;
  const r = v as Record<string, unknown>;
  const out: Conditions = {};
  if (r.triggerPrice !== undefined) {
    if (!isDecField(r.triggerPrice)) return undefined;
    out.triggerPrice = r.triggerPrice;
  }
  if (r.trailingOffset !== undefined) {
    if (!isTrailing(r.trailingOffset)) return undefined;
    out.trailingOffset = { value: r.trailingOffset.value, unit: r.trailingOffset.unit };
  }
  if (r.timeInForce !== undefined) {
    if (typeof r.timeInForce !== 'string' || !TIFS.has(r.timeInForce)) return undefined;
    out.timeInForce = r.timeInForce as Order['timeInForce'];
  }
  for (const name of ['expireAt', 'triggeredAt'] as const) {
    const t = r[name];
    if (t === undefined) continue;
    if (typeof t !== 'number' || !Number.isSafeInteger(t)) return undefined;
    out[name] = t;
  }
  if (r.postOnly !== undefined) {
    if (typeof r.postOnly !== 'boolean') return undefined;
    out.postOnly = r.postOnly;
  }
  if (r.amends !== undefined) {
    if (!Array.isArray(r.amends) || !r.amends.every(isAmendRecord)) return undefined;
    out.amends = r.amends.map((a) => {
      const rec: OrderAmendRecord = { amendId: a.amendId, at: a.at };
      if (a.price !== undefined) rec.price = a.price;
      if (a.quantity !== undefined) rec.quantity = a.quantity;
      if (a.triggerPrice !== undefined) rec.triggerPrice = a.triggerPrice;
      if (a.venueOrderId !== undefined) rec.venueOrderId = a.venueOrderId;
      return rec;
    });
  }
  return out;
}
