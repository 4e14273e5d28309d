/**
 * The venue's operations history (venue notes §10), kept from the order engine's events in the
 * sim's own process, so it stays whole whatever happens to a client. An order's executions make
 * one BUY (15) or SELL (22) operation (state EXECUTED, "fully or partly") listing its trades in
 * trades_info, quantities in pieces, with a BROKER_FEE (19) operation whose parent_operation_id
 * is the trade operation (the engine's commission, 0.05% of the value by default, in the
 * instrument's currency). An order cancelled before anything executed leaves a CANCELED
 * operation (the cursor API returns cancelled ones too, §10). Trade numbers are the order
 * engine's trade ids (the real venue's may differ, §10; the sim keeps them equal).
 *
 * GetOperationsByCursor lists newest first; an item's cursor is its creation sequence, and
 * the next page starts below the last item's cursor, so items created while a client pages
 * (newer ones) never shift the pages it has yet to read.
 */
import { createHash } from 'node:crypto';
import type { OrderEvent, SimOrder } from './orders.js';
import { money } from './order-messages.js';
import { formatScaled } from '../../common/decimal.js';
import { ExecutionReportStatus, NANO_SCALE, OrderDirection, VenueError, msOfTimestamp, timestampOfMs } from './wire.js';

export const OperationType = { BUY: 15, BROKER_FEE: 19, SELL: 22 } as const;
export const OperationState = { UNSPECIFIED: 0, EXECUTED: 1, CANCELED: 2, PROGRESS: 3 } as const;

interface OpTrade {
  num: string;
  dateMs: number;
  pieces: bigint;
  /** Per piece. */
  priceNanos: bigint;
}

export interface SimOperation {
  readonly id: string;
  readonly seq: number;
  readonly accountId: string;
  readonly parentId: string;
  readonly type: number;
  state: number;
  readonly dateMs: number;
  readonly order: SimOrder;
  /** Signed: money in is positive. */
  paymentNanos: bigint;
  readonly trades: OpTrade[];
  cancelMs: number | undefined;
}

export interface OperationsByCursorIn {
  account_id?: string | null;
  instrument_id?: string | null;
  from?: { seconds?: string | number | null; nanos?: number | null } | null;
  to?: { seconds?: string | number | null; nanos?: number | null } | null;
  cursor?: string | null;
  limit?: number | null;
  operation_types?: number[] | null;
  state?: number | null;
  without_trades?: boolean | null;
}

const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 1000;
/** Cursors look like the venue's long numeric strings (§10). */
const CURSOR_BASE = 1_643_052_359_212_000_000n;

export class OperationsLedger {
  private readonly ops: SimOperation[] = [];
  /** Exchange order id → its trade operation and fee operation. */
  private readonly byOrder = new Map<string, { trade: SimOperation; fee?: SimOperation }>();
  private seq = 0;
  private readonly idBase: number;

  constructor(seed: number) {
    // Operation ids look like the venue's numeric ones and differ per seed.
    this.idBase = 2_000_000_000 + (createHash('sha256').update(`switchboard-sim:operations:${seed}`).digest().readUInt32BE(0) % 500_000_000);
  }

  /** Follows one order engine event. */
  onOrderEvent(e: OrderEvent): void {
    const o = e.order;
    if (e.fills.length > 0) {
      let entry = this.byOrder.get(o.orderId);
      if (!entry) {
        const first = e.fills[0];
        const trade = this.add(o, o.direction === OrderDirection.BUY ? OperationType.BUY : OperationType.SELL, '', first?.timeMs ?? Date.now(), OperationState.EXECUTED);
        entry = { trade };
        this.byOrder.set(o.orderId, entry);
      }
      const trade = entry.trade;
      const lot = BigInt(o.instrument.lot);
      let fee = 0n;
      for (const f of e.fills) {
        const pieces = f.lots * lot;
        trade.trades.push({ num: f.tradeId, dateMs: f.timeMs, pieces, priceNanos: f.priceNanos });
        const amount = f.priceNanos * pieces;
        trade.paymentNanos += o.direction === OrderDirection.BUY ? -amount : amount;
        fee += f.commissionNanos;
      }
      if (fee > 0n) {
        entry.fee ??= this.add(o, OperationType.BROKER_FEE, trade.id, trade.dateMs, OperationState.EXECUTED);
        entry.fee.paymentNanos -= fee;
      }
      return;
    }
    if (o.status === ExecutionReportStatus.CANCELLED && !this.byOrder.has(o.orderId)) {
      const op = this.add(o, o.direction === OrderDirection.BUY ? OperationType.BUY : OperationType.SELL, '', o.createdMs, OperationState.CANCELED);
      op.cancelMs = o.completedMs;
      this.byOrder.set(o.orderId, { trade: op });
    }
  }

  /** Every operation of an account, oldest first (for tests). */
  of(accountId: string): SimOperation[] {
    return this.ops.filter((op) => op.accountId === accountId);
  }

  /** GetOperationsByCursor; `resolveInstrument` maps an instrument_id (figi or uid) to its uid. */
  byCursor(raw: OperationsByCursorIn, accountId: string, resolveInstrument: (id: string) => string | undefined): object {
    const limit = raw.limit ?? DEFAULT_LIMIT;
    // 30069: limit over 1000 (§10).
    if (limit > MAX_LIMIT) throw VenueError.of('30069', `limit must be at most ${MAX_LIMIT}`);
    const size = limit <= 0 ? DEFAULT_LIMIT : limit;
    let below = Number.POSITIVE_INFINITY;
    if (raw.cursor) {
      if (!/^\d+$/.test(raw.cursor)) throw VenueError.of('30000', 'cursor is malformed');
      below = Number(BigInt(raw.cursor) - CURSOR_BASE);
    }
    const from = msOfTimestamp(raw.from);
    const to = msOfTimestamp(raw.to);
    const types = raw.operation_types ?? [];
    const uid = raw.instrument_id ? resolveInstrument(raw.instrument_id) : undefined;
    if (raw.instrument_id && uid === undefined) throw VenueError.of('50002');
    const state = raw.state ?? OperationState.UNSPECIFIED;
    const matching: SimOperation[] = [];
    for (let i = this.ops.length - 1; i >= 0; i--) {
      const op = this.ops[i];
      if (!op || op.seq >= below || op.accountId !== accountId) continue;
      if (from !== undefined && op.dateMs < from) continue;
      if (to !== undefined && op.dateMs >= to) continue;
      if (types.length > 0 && !types.includes(op.type)) continue;
      if (uid !== undefined && op.order.instrument.uid !== uid) continue;
      if (state !== OperationState.UNSPECIFIED && op.state !== state) continue;
      matching.push(op);
      if (matching.length > size) break;
    }
    const page = matching.slice(0, size);
    const last = page[page.length - 1];
    const hasNext = matching.length > size;
    return {
      has_next: hasNext,
      next_cursor: hasNext && last ? cursorOf(last) : '',
      items: page.map((op) => this.item(op, raw.without_trades === true)),
    };
  }

  private add(o: SimOrder, type: number, parentId: string, dateMs: number, state: number): SimOperation {
    this.seq += 1;
    const op: SimOperation = {
      id: String(this.idBase + this.seq),
      seq: this.seq,
      accountId: o.accountId,
      parentId,
      type,
      state,
      dateMs,
      order: o,
      paymentNanos: 0n,
      trades: [],
      cancelMs: undefined,
    };
    this.ops.push(op);
    return op;
  }

  private item(op: SimOperation, withoutTrades: boolean): Record<string, unknown> {
    const o = op.order;
    const i = o.instrument;
    const cur = i.currency;
    const pieces = o.lotsRequested * BigInt(i.lot);
    const done = op.trades.reduce((s, t) => s + t.pieces, 0n);
    const isFee = op.type === OperationType.BROKER_FEE;
    const out: Record<string, unknown> = {
      cursor: cursorOf(op),
      broker_account_id: op.accountId,
      id: op.id,
      parent_operation_id: op.parentId,
      name: isFee ? 'Удержание комиссии за операцию' : op.type === OperationType.BUY ? 'Покупка ценных бумаг' : 'Продажа ценных бумаг',
      date: timestampOfMs(op.dateMs),
      type: op.type,
      description: '',
      state: op.state,
      instrument_uid: i.uid,
      figi: i.figi,
      instrument_type: 'share',
      instrument_kind: 2,
      position_uid: i.positionUid,
      ticker: i.ticker,
      class_code: i.classCode,
      payment: money(op.paymentNanos, cur),
      price: money(isFee || done === 0n ? 0n : averageOf(op.trades), cur),
      commission: money(0n, cur),
      quantity: isFee ? '0' : pieces.toString(),
      quantity_rest: isFee ? '0' : (pieces - done).toString(),
      quantity_done: isFee ? '0' : done.toString(),
      cancel_reason: op.state === OperationState.CANCELED ? 'cancelled by client' : '',
      asset_uid: i.assetUid,
      child_operations: [],
    };
    if (op.cancelMs !== undefined) out.cancel_date_time = timestampOfMs(op.cancelMs);
    if (!isFee && !withoutTrades) {
      out.trades_info = {
        trades: op.trades.map((t) => ({ num: t.num, date: timestampOfMs(t.dateMs), quantity: t.pieces.toString(), price: money(t.priceNanos, cur) })),
      };
    }
    return out;
  }
}

function cursorOf(op: SimOperation): string {
  return (CURSOR_BASE + BigInt(op.seq)).toString();
}

function averageOf(trades: readonly OpTrade[]): bigint {
  let amount = 0n;
  let pieces = 0n;
  for (const t of trades) {
    amount += t.priceNanos * t.pieces;
    pieces += t.pieces;
  }
  return pieces === 0n ? 0n : amount / pieces;
}

/** An operation as the venue's record shows it to tests: plain values, money as decimal text. */
export interface SimOperationRecord {
  id: string;
  parentId: string;
  type: 'BUY' | 'SELL' | 'BROKER_FEE';
  state: 'EXECUTED' | 'CANCELED';
  /** The order's exchange id and client key (the wire does not show them). */
  orderId: string;
  requestKey: string;
  instrumentUid: string;
  currency: string;
  payment: string;
  trades: { num: string; pieces: bigint; price: string; timeMs: number }[];
}

export function operationRecord(op: SimOperation): SimOperationRecord {
  return {
    id: op.id,
    parentId: op.parentId,
    type: op.type === OperationType.BUY ? 'BUY' : op.type === OperationType.SELL ? 'SELL' : 'BROKER_FEE',
    state: op.state === OperationState.CANCELED ? 'CANCELED' : 'EXECUTED',
    orderId: op.order.orderId,
    requestKey: op.order.requestKey,
    instrumentUid: op.order.instrument.uid,
    currency: op.order.instrument.currency,
    payment: formatScaled(op.paymentNanos, NANO_SCALE),
    trades: op.trades.map((t) => ({ num: t.num, pieces: t.pieces, price: formatScaled(t.priceNanos, NANO_SCALE), timeMs: t.dateMs })),
  };
}
