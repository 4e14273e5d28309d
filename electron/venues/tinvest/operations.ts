/**
 * Pure parser: the operations history (GetOperationsByCursor, §10) as executed trades for the
 * ledger. A BUY (15) or SELL (22) operation lists its trades in trades_info; each becomes one
 * TradeRecord (trade id = the trade's number, quantity in pieces as the operations service
 * always counts, price per piece in its own currency). The fee is the BROKER_FEE (19) operation
 * whose parent_operation_id is the trade operation; it is spread over that operation's trades
 * by quantity, to the nano, the remainder on the first trade so the parts add up to the fee
 * exactly. Without a BROKER_FEE child the item's own `commission` is used when it has one;
 * otherwise the fee is 0 (fees can arrive a day or two later, §10: a later read brings them).
 * Cancelled operations carry nothing executed and are skipped. Operations name no order (no
 * order id, no request id), so a record has no client or exchange order id.
 */
import type { Dec, Side, TradeRecord } from '../../../common/domain.js';
import { formatScaled } from '../../../common/decimal.js';
import { OPERATION_STATE, OPERATION_TYPE } from './constants.js';
import type { OperationItemMsg } from './order-messages.js';
import { msOf } from './order-parse.js';
import { quotationNanos, quotationToDec } from './quotation.js';
import type { MoneyValue } from './quotation.js';

const NANO_SCALE = 9;

function pieces(text: string): bigint {
  return /^-?\d+$/.test(text) ? BigInt(text) : 0n;
}

/** Fee paid, in nanos and currency: the BROKER_FEE payments (negative = paid) summed. */
function feeOf(item: OperationItemMsg, feesByParent: ReadonlyMap<string, OperationItemMsg[]>): { nanos: bigint; currency: string } | undefined {
  const children = feesByParent.get(item.id) ?? [];
  let nanos = 0n;
  let currency = '';
  for (const c of children) {
    if (!c.payment) continue;
    nanos -= quotationNanos(c.payment);
    currency ||= c.payment.currency.toLowerCase();
  }
  if (children.length > 0 && currency) return { nanos, currency };
  const own = item.commission;
  if (own && quotationNanos(own) !== 0n && own.currency) {
    const n = quotationNanos(own);
    return { nanos: n < 0n ? -n : n, currency: own.currency.toLowerCase() };
  }
  return undefined;
}

/** Splits `total` nanos over weights; the rounding remainder goes to the first part. */
function spread(total: bigint, weights: readonly bigint[]): bigint[] {
  const sum = weights.reduce((s, w) => s + w, 0n);
  if (sum <= 0n) return weights.map((_, i) => (i === 0 ? total : 0n));
  const parts = weights.map((w) => (total * w) / sum);
  const rest = total - parts.reduce((s, p) => s + p, 0n);
  if (parts.length > 0) parts[0] = (parts[0] ?? 0n) + rest;
  return parts;
}

function money(m: MoneyValue | null | undefined): { value: Dec; currency: string } | undefined {
  if (!m || !m.currency) return undefined;
  return { value: quotationToDec(m), currency: m.currency.toLowerCase() };
}

/**
 * The trades of one account's operations (every page of a read, so a fee is found whatever page
 * it came on). `bad` collects items that could not be read, with why; they are left out.
 */
export function tradesOfOperations(accountId: string, items: readonly OperationItemMsg[], bad: (why: string, item: OperationItemMsg) => void): TradeRecord[] {
  const feesByParent = new Map<string, OperationItemMsg[]>();
  for (const it of items) {
    if (it.type !== OPERATION_TYPE.brokerFee || !it.parentOperationId || it.state === OPERATION_STATE.canceled) continue;
    const list = feesByParent.get(it.parentOperationId);
    if (list) list.push(it);
    else feesByParent.set(it.parentOperationId, [it]);
  }
  const out: TradeRecord[] = [];
  for (const it of items) {
    if (it.type !== OPERATION_TYPE.buy && it.type !== OPERATION_TYPE.sell) continue;
    if (it.state === OPERATION_STATE.canceled) continue;
    const side: Side = it.type === OPERATION_TYPE.buy ? 'buy' : 'sell';
    const trades = it.tradesInfo?.trades ?? [];
    if (trades.length === 0) continue;
    if (!it.instrumentUid) {
      bad('a trade operation without an instrument uid', it);
      continue;
    }
    const rows: { num: string; qty: bigint; price: Dec; currency: string; time: number }[] = [];
    for (const t of trades) {
      const qty = pieces(t.quantity);
      const price = money(t.price) ?? money(it.price);
      const time = msOf(t.date) ?? msOf(it.date);
      if (!t.num || qty <= 0n || !price || time === undefined) {
        bad(`trade ${t.num || '(no number)'} lacks a number, a positive quantity, a price or a date`, it);
        continue;
      }
      rows.push({ num: t.num, qty, price: price.value, currency: price.currency, time });
    }
    if (rows.length === 0) continue;
    const fee = feeOf(it, feesByParent);
    const parts = fee ? spread(fee.nanos, rows.map((r) => r.qty)) : rows.map(() => 0n);
    rows.forEach((r, i) => {
      out.push({
        venue: 'tinvest',
        accountId,
        tradeId: r.num,
        instrumentId: it.instrumentUid,
        side,
        quantity: r.qty.toString(),
        price: r.price,
        currency: r.currency,
        fee: formatScaled(parts[i] ?? 0n, NANO_SCALE),
        feeCurrency: fee?.currency ?? r.currency,
        time: r.time,
      });
    });
  }
  return out.sort((a, b) => a.time - b.time || (a.tradeId < b.tradeId ? -1 : a.tradeId > b.tradeId ? 1 : 0));
}
