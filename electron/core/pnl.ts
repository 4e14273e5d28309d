/**
 * Realized and unrealized P&L per instrument and account, by average cost, from the trade
 * ledger. Pure: the same trades and prices give the same rows.
 *
 * A position is kept as a signed quantity Q (short < 0) and a signed cost basis C (what was
 * paid for a long, minus what was received for a short, fees of the instrument's currency
 * included), so long and short are one rule:
 * - a trade that opens or adds (same sign as Q, or Q = 0) adds its signed quantity q to Q and
 *   price × q + fee to C;
 * - a trade that reduces closes the fraction f = −q / Q of the position: it realizes
 *   −price × q − C × f − fee, and C shrinks by C × f;
 * - a trade through zero is split into the closing part and the opening rest, its fee shared
 *   in proportion to the quantities.
 * Average cost is C / Q; unrealized is lastPrice × Q − C.
 *
 * C × f is rarely a finite decimal (a third of 100), so the arithmetic is exact rationals over
 * bigint, and each figure is rounded once, on the way out, to OUT_PLACES (half to even). A
 * position closed in full realizes its exact total.
 *
 * Fees in another asset (Kraken may charge in the base asset) are not converted: they are
 * summed per asset in `otherFees`. Trades are grouped by currency too, so a ledger that gave
 * one instrument two currencies never adds one to the other.
 */
import type { Dec } from '../../common/decimal.js';
import { formatScaled, isDecText, parseScaled } from '../../common/decimal.js';
import type { PositionPnl, TradeRecord, VenueId } from '../../common/domain.js';

/** Decimal places of the figures that division makes (average cost, realized after a partial close). */
export const OUT_PLACES = 8;

export type PriceOf = (venue: VenueId, instrumentId: string) => Dec | undefined;
export type SymbolOf = (venue: VenueId, instrumentId: string) => string | undefined;

export class PnlError extends Error {
  override readonly name = 'PnlError';
  constructor(
    readonly trade: Pick<TradeRecord, 'venue' | 'accountId' | 'tradeId'>,
    message: string,
  ) {
    super(`${trade.venue}/${trade.accountId} trade ${trade.tradeId}: ${message}`);
  }
}

/** n / d with d > 0; not reduced until it is formatted. */
interface Ratio {
  n: bigint;
  d: bigint;
}

const ZERO: Ratio = { n: 0n, d: 1n };

function ratio(x: Dec): Ratio {
  const { int, scale } = parseScaled(x);
  return { n: int, d: 10n ** BigInt(scale) };
}

function gcd(a: bigint, b: bigint): bigint {
  let x = a < 0n ? -a : a;
  let y = b;
  while (y !== 0n) [x, y] = [y, x % y];
  return x === 0n ? 1n : x;
}

function norm(n: bigint, d: bigint): Ratio {
  if (d < 0n) [n, d] = [-n, -d];
  const g = gcd(n, d);
  return { n: n / g, d: d / g };
}

const plus = (a: Ratio, b: Ratio): Ratio => norm(a.n * b.d + b.n * a.d, a.d * b.d);
const minus = (a: Ratio, b: Ratio): Ratio => norm(a.n * b.d - b.n * a.d, a.d * b.d);
const times = (a: Ratio, b: Ratio): Ratio => norm(a.n * b.n, a.d * b.d);
const over = (a: Ratio, b: Ratio): Ratio => norm(a.n * b.d, a.d * b.n);
const neg = (a: Ratio): Ratio => ({ n: -a.n, d: a.d });
const sign = (a: Ratio): -1n | 0n | 1n => (a.n < 0n ? -1n : a.n > 0n ? 1n : 0n);
const absr = (a: Ratio): Ratio => (a.n < 0n ? neg(a) : a);
const less = (a: Ratio, b: Ratio): boolean => a.n * b.d < b.n * a.d;

/** The ratio as a decimal: exact when it is a finite one of up to OUT_PLACES, else rounded half to even. */
function toDec(r: Ratio): Dec {
  const unit = 10n ** BigInt(OUT_PLACES);
  const scaled = r.n * unit;
  let q = scaled / r.d; // truncates toward zero
  const rem = scaled % r.d;
  if (rem !== 0n) {
    const twice = (rem < 0n ? -rem : rem) * 2n;
    const away = r.n < 0n ? -1n : 1n;
    if (twice > r.d || (twice === r.d && q % 2n !== 0n)) q += away;
  }
  return formatScaled(q, OUT_PLACES);
}

interface Book {
  venue: VenueId;
  accountId: string;
  instrumentId: string;
  currency: string;
  qty: Ratio;
  cost: Ratio;
  realized: Ratio;
  fees: Ratio;
  otherFees: Map<string, Ratio>;
  trades: number;
}

function checked(t: TradeRecord): { q: Ratio; price: Ratio; fee: Ratio } {
  const bad = (what: string, v: unknown) => new PnlError(t, `${what} is not a decimal: ${JSON.stringify(v)}`);
  if (typeof t.quantity !== 'string' || !isDecText(t.quantity)) throw bad('quantity', t.quantity);
  if (typeof t.price !== 'string' || !isDecText(t.price)) throw bad('price', t.price);
  if (typeof t.fee !== 'string' || !isDecText(t.fee)) throw bad('fee', t.fee);
  const quantity = ratio(t.quantity);
  if (sign(quantity) <= 0n) throw new PnlError(t, `quantity must be positive, not ${t.quantity}`);
  if (sign(ratio(t.price)) < 0n) throw new PnlError(t, `price must not be negative, not ${t.price}`);
  if (t.side !== 'buy' && t.side !== 'sell') throw new PnlError(t, `side is ${JSON.stringify(t.side)}`);
  return { q: t.side === 'buy' ? quantity : neg(quantity), price: ratio(t.price), fee: ratio(t.fee) };
}

function sameCurrency(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

/** One trade into its book: open/add, reduce, or close and open the other way. */
function book(b: Book, t: TradeRecord): void {
  const { q, price, fee: fullFee } = checked(t);
  b.trades++;
  let fee = ZERO;
  if (sameCurrency(t.feeCurrency, b.currency)) {
    fee = fullFee;
    b.fees = plus(b.fees, fee);
  } else if (sign(fullFee) !== 0n) {
    const asset = t.feeCurrency.toLowerCase();
    b.otherFees.set(asset, plus(b.otherFees.get(asset) ?? ZERO, fullFee));
  }

  const held = sign(b.qty);
  if (held === 0n || held === sign(q)) {
    b.qty = plus(b.qty, q);
    b.cost = plus(b.cost, plus(times(price, q), fee));
    return;
  }
  // Reducing: close at most what is held; the rest (if any) opens the other way.
  const closing = less(absr(q), absr(b.qty)) ? q : neg(b.qty);
  const share = over(closing, q); // of the trade, for its fee
  const closeFee = times(fee, share);
  const f = over(neg(closing), b.qty);
  const released = times(b.cost, f);
  b.realized = plus(b.realized, minus(minus(neg(times(price, closing)), released), closeFee));
  b.qty = plus(b.qty, closing);
  b.cost = minus(b.cost, released);
  const rest = minus(q, closing);
  if (sign(rest) !== 0n) {
    b.qty = rest;
    b.cost = plus(times(price, rest), minus(fee, closeFee));
  }
}

function byTimeThenId(a: TradeRecord, b: TradeRecord): number {
  if (a.time !== b.time) return a.time - b.time;
  return a.tradeId < b.tradeId ? -1 : a.tradeId > b.tradeId ? 1 : 0;
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Positions and P&L per (venue, account, instrument, currency), by average cost, fees of the
 * instrument's currency included. `prices` gives the last price per unit for unrealized P&L.
 * Throws PnlError on a trade that is not money (bad decimal text, quantity ≤ 0): a P&L that
 * silently skipped a trade would be wrong.
 */
export function positionsPnl(trades: readonly TradeRecord[], prices: PriceOf, symbols?: SymbolOf): PositionPnl[] {
  const books = new Map<string, Book>();
  for (const t of [...trades].sort(byTimeThenId)) {
    const currency = t.currency.toLowerCase();
    const key = JSON.stringify([t.venue, t.accountId, t.instrumentId, currency]);
    let b = books.get(key);
    if (!b) {
      b = { venue: t.venue, accountId: t.accountId, instrumentId: t.instrumentId, currency, qty: ZERO, cost: ZERO, realized: ZERO, fees: ZERO, otherFees: new Map(), trades: 0 };
      books.set(key, b);
    }
    book(b, t);
  }

  const rows = [...books.values()].map((b): PositionPnl => {
    const row: PositionPnl = {
      venue: b.venue,
      accountId: b.accountId,
      instrumentId: b.instrumentId,
      quantity: toDec(b.qty),
      realized: toDec(b.realized),
      fees: toDec(b.fees),
      currency: b.currency,
      trades: b.trades,
    };
    const symbol = symbols?.(b.venue, b.instrumentId);
    if (symbol !== undefined) row.symbol = symbol;
    const flat = sign(b.qty) === 0n;
    if (!flat) row.averageCost = toDec(over(b.cost, b.qty));
    const last = prices(b.venue, b.instrumentId);
    if (last !== undefined && isDecText(last)) {
      row.lastPrice = last;
      row.unrealized = flat ? '0' : toDec(minus(times(ratio(last), b.qty), b.cost));
    } else if (flat) {
      row.unrealized = '0';
    }
    if (b.otherFees.size > 0) {
      row.otherFees = Object.fromEntries([...b.otherFees].sort(([x], [y]) => compareText(x, y)).map(([asset, r]) => [asset, toDec(r)]));
    }
    return row;
  });
  return rows.sort(
    (a, b) =>
      compareText(a.venue, b.venue) ||
      compareText(a.accountId, b.accountId) ||
      compareText(a.instrumentId, b.instrumentId) ||
      compareText(a.currency, b.currency),
  );
}
