/**
 * Checks an order against its instrument before anything is sent: whole lots (30015/30080
 * otherwise), a limit price on the instrument's min_price_increment grid (30078 otherwise),
 * a UUID client key (30028). A refused order names the nearest valid values; nothing is
 * ever rounded to fit. Tradability is left to the venue: it changes during the day.
 */
import type { Dec, Instrument, OrderRequest } from '../../../common/domain.js';
import { DecimalError, cmp, isMultipleOf, nearestSteps, parseScaled } from '../../../common/decimal.js';
import type { Scaled } from '../../../common/decimal.js';
import { VenueError } from '../venue.js';

function invalid(code: string, message: string): VenueError {
  return new VenueError('invalid', code, message);
}

function nearest(kind: string, value: Dec, step: Dec): string {
  const { down, up } = nearestSteps(value, step);
  return cmp(down, '0') > 0 ? `the nearest valid ${kind} are ${down} and ${up}` : `the nearest valid one is ${up}`;
}

/**
 * The client key travels as PostOrder order_id: a UUID, 36 chars (§4.6; 30028/30055 otherwise).
 * 8-4-4-4-12 hex digits, checked by char codes since it runs per order.
 */
export function isUuid(key: string): boolean {
  if (key.length !== 36) return false;
  for (let i = 0; i < 36; i++) {
    const c = key.charCodeAt(i);
    if (i === 8 || i === 13 || i === 18 || i === 23) {
      if (c !== 45) return false;
    } else if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70))) {
      return false;
    }
  }
  return true;
}

export function checkClientKey(key: string): void {
  if (!isUuid(key)) {
    throw invalid('client-order-id', `client order id ${JSON.stringify(key)} must be a UUID (the venue's idempotency key, at most 36 chars)`);
  }
}

const POW10: readonly bigint[] = Array.from({ length: 19 }, (_, i) => 10n ** BigInt(i));
const NANO_SCALE = 9;

function scaledOf(d: Dec, name: string): Scaled {
  try {
    const v = parseScaled(d);
    if (v.scale >= POW10.length) throw new DecimalError('too many decimal places');
    return v;
  } catch (e) {
    if (e instanceof DecimalError) throw invalid(name, `${name} ${JSON.stringify(d)} is not a decimal number`);
    throw e;
  }
}

/** The price step in nanos, read once per instrument; 0 when unknown. */
const stepNanos = new WeakMap<Instrument, bigint>();
function stepOf(inst: Instrument): bigint {
  let step = stepNanos.get(inst);
  if (step === undefined) {
    try {
      const v = parseScaled(inst.priceStep);
      step = v.scale <= NANO_SCALE && v.int > 0n ? v.int * POW10[NANO_SCALE - v.scale]! : 0n;
    } catch {
      step = 0n;
    }
    stepNanos.set(inst, step);
  }
  return step;
}

/** Whole lots written plainly ("3"): the usual ticket, checked without bigint. */
const PLAIN_LOTS_RE = /^\d{1,15}$/;
/** A plain price ("301.05"), small enough that its nanos are an exact double (< 2^53). */
const PLAIN_PRICE_RE = /^(\d{1,6})(?:\.(\d{1,9}))?$/;

/** The common ticket, in plain numbers; undefined when it needs the exact path below. */
function plainCheck(inst: Instrument, type: OrderRequest['type'], quantity: Dec, price: Dec | undefined): boolean {
  if (inst.qtyStep !== '1' || inst.minQty !== '1' || !PLAIN_LOTS_RE.test(quantity) || Number(quantity) < 1) return false;
  if (type !== 'limit') return true;
  if (price === undefined) return false;
  const m = PLAIN_PRICE_RE.exec(price);
  const step = stepOf(inst);
  if (!m || step === 0n || step > BigInt(Number.MAX_SAFE_INTEGER)) return false;
  const nanos = Number(m[1]) * 1e9 + (m[2] ? Number(m[2].padEnd(9, '0')) : 0);
  return nanos > 0 && nanos % Number(step) === 0;
}

/** Quantity in lots and, for limit orders, a price the venue can take. Each value is parsed once. */
export function checkQuantityAndPrice(inst: Instrument, type: OrderRequest['type'], quantity: Dec, price: Dec | undefined): void {
  if (plainCheck(inst, type, quantity, price)) return;
  const what = inst.symbol || inst.id;
  const q = scaledOf(quantity, 'quantity');
  if (q.int <= 0n) throw invalid('quantity', `quantity must be at least ${inst.minQty} lot(s) of ${what}; got ${quantity}`);
  const whole = q.scale === 0 || q.int % POW10[q.scale]! === 0n;
  if (inst.qtyStep === '1' ? !whole : !isMultipleOf(quantity, inst.qtyStep)) {
    throw invalid('quantity', `quantity ${quantity} is not a whole number of lots of ${what} (lot = ${inst.lotSize}): ${nearest('quantities', quantity, inst.qtyStep)}`);
  }
  if (inst.minQty !== '1' || !whole ? cmp(quantity, inst.minQty) < 0 : false) {
    throw invalid('quantity', `quantity ${quantity} is below the minimum of ${inst.minQty} lot(s) of ${what}`);
  }
  if (type !== 'limit') return;
  if (price === undefined) throw invalid('price', `a limit order for ${what} needs a price`);
  const p = scaledOf(price, 'price');
  if (p.int <= 0n) throw invalid('price', `price must be positive; got ${price}`);
  const step = stepOf(inst);
  if (step === 0n) throw invalid('price-step', `${what} has no known price step; the price can't be checked`);
  // Prices travel as Quotation (nine places): anything finer is off every grid the venue has.
  const onNanos = p.scale <= NANO_SCALE || p.int % POW10[p.scale - NANO_SCALE]! === 0n;
  const nanos = !onNanos ? -1n : p.scale <= NANO_SCALE ? p.int * POW10[NANO_SCALE - p.scale]! : p.int / POW10[p.scale - NANO_SCALE]!;
  if (nanos < 0n || nanos % step !== 0n) {
    throw invalid('price-step', `price ${price} is not a multiple of the price step ${inst.priceStep} of ${what}: ${nearest('prices', price, inst.priceStep)}`);
  }
}

/** Everything checkable before the first send. */
export function checkOrder(req: OrderRequest, inst: Instrument): void {
  if (req.venue !== 'tinvest') throw invalid('wrong-venue', `order for ${req.venue} given to tinvest`);
  if (!req.accountId) throw invalid('account', 'an order needs an account');
  checkClientKey(req.clientOrderId);
  checkQuantityAndPrice(inst, req.type, req.quantity, req.price);
}
