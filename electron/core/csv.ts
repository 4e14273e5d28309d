/**
 * Orders and trades as RFC 4180 CSV for a spreadsheet or an accountant: a header row, CRLF
 * line ends, fields quoted when they hold a comma, a quote or a line break. Venue text
 * (reasons, ids) is untrusted, and a spreadsheet runs a cell that starts with = + - @ (or a
 * tab or CR before one) as a formula, so such a cell gets a leading apostrophe; a plain
 * negative number stays a number. Times are ISO 8601 UTC. Rows go oldest first.
 */
import { add, isDecText } from '../../common/decimal.js';
import type { Dec } from '../../common/decimal.js';
import type { Order, TradeRecord, VenueId } from '../../common/domain.js';

export type SymbolOf = (venue: VenueId, instrumentId: string) => string | undefined;

export type Cell = string | number | undefined;

const FORMULA_START = /^[=+\-@\t\r]/;
const PLAIN_NEGATIVE = /^-\d+(\.\d+)?$/;
const NEEDS_QUOTES = /[",\r\n]/;

/** One field as CSV text: neutralised if it would run as a formula, quoted if it needs it. */
export function csvField(value: Cell): string {
  if (value === undefined) return '';
  let s = typeof value === 'number' ? (Number.isFinite(value) ? String(value) : '') : value;
  if (FORMULA_START.test(s) && !PLAIN_NEGATIVE.test(s)) s = `'${s}`;
  return NEEDS_QUOTES.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** Rows (the first is the header) as CSV text, each line ended by CRLF. */
export function csvText(rows: readonly (readonly Cell[])[]): string {
  return rows.map((r) => r.map(csvField).join(',') + '\r\n').join('');
}

/** ms since epoch as ISO 8601 UTC; empty when the time is not a real one. */
export function isoTime(ms: number): string {
  if (!Number.isFinite(ms) || ms <= 0) return '';
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? '' : d.toISOString();
}

/** "1.5 rub; 0.0002 xbt": the fills' fees summed per currency, in name order. */
function feesText(order: Order): string {
  const sums = new Map<string, Dec>();
  for (const f of order.fills) {
    if (f.fee === undefined || !isDecText(f.fee)) continue;
    const cur = (f.feeCurrency ?? '').toLowerCase();
    sums.set(cur, add(sums.get(cur) ?? '0', f.fee));
  }
  return [...sums]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([cur, sum]) => (cur ? `${sum} ${cur}` : sum))
    .join('; ');
}

export const ORDER_COLUMNS = [
  'created',
  'venue',
  'account',
  'client order id',
  'venue order id',
  'instrument',
  'symbol',
  'side',
  'type',
  'quantity',
  'price',
  'trigger price',
  'trailing offset',
  'time in force',
  'expires',
  'status',
  'triggered at',
  'filled',
  'average price',
  'amends',
  'fees',
  'reason',
] as const;

/**
 * One row per order, oldest first (by creation, then client order id). Quantities are in order
 * units; price and quantity are the order's current ones (after its amends, counted in `amends`);
 * a trailing offset in percent ends with "%".
 */
export function ordersCsv(orders: readonly Order[], symbols?: SymbolOf): string {
  const sorted = [...orders].sort((a, b) => a.createdAt - b.createdAt || (a.clientOrderId < b.clientOrderId ? -1 : a.clientOrderId > b.clientOrderId ? 1 : 0));
  const rows: Cell[][] = [[...ORDER_COLUMNS]];
  for (const o of sorted) {
    const reason = o.reason ? [o.reason.code, o.reason.message, o.reason.trackingId ? `tracking id ${o.reason.trackingId}` : undefined].filter(Boolean).join(': ') : undefined;
    rows.push([
      isoTime(o.createdAt),
      o.venue,
      o.accountId,
      o.clientOrderId,
      o.venueOrderId,
      o.instrumentId,
      symbols?.(o.venue, o.instrumentId),
      o.side,
      o.type,
      o.quantity,
      o.price,
      o.triggerPrice,
      o.trailingOffset && `${o.trailingOffset.value}${o.trailingOffset.unit === 'percent' ? '%' : ''}`,
      o.timeInForce,
      o.expireAt === undefined ? undefined : isoTime(o.expireAt),
      o.status,
      o.triggeredAt === undefined ? undefined : isoTime(o.triggeredAt),
      o.filledQuantity,
      o.averagePrice,
      o.amends?.length ?? 0,
      feesText(o),
      reason,
    ]);
  }
  return csvText(rows);
}

export const TRADE_COLUMNS = [
  'time',
  'venue',
  'account',
  'trade id',
  'instrument',
  'symbol',
  'side',
  'quantity',
  'price',
  'currency',
  'fee',
  'fee currency',
  'client order id',
  'venue order id',
] as const;

/** One row per trade, oldest first (by time, then trade id). Quantities are in the instrument's units. */
export function tradesCsv(trades: readonly TradeRecord[], symbols?: SymbolOf): string {
  const sorted = [...trades].sort((a, b) => a.time - b.time || (a.tradeId < b.tradeId ? -1 : a.tradeId > b.tradeId ? 1 : 0));
  const rows: Cell[][] = [[...TRADE_COLUMNS]];
  for (const t of sorted) {
    rows.push([
      isoTime(t.time),
      t.venue,
      t.accountId,
      t.tradeId,
      t.instrumentId,
      symbols?.(t.venue, t.instrumentId),
      t.side,
      t.quantity,
      t.price,
      t.currency,
      t.fee,
      t.feeCurrency,
      t.clientOrderId,
      t.venueOrderId,
    ]);
  }
  return csvText(rows);
}

/** "switchboard-orders-2026-12-06.csv", by the UTC date of `now`. */
export function csvFilename(what: 'orders' | 'trades', now: number): string {
  return `switchboard-${what}-${new Date(now).toISOString().slice(0, 10)}.csv`;
}
