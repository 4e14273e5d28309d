/**
 * The ticket's own checks, pure: quantity against the instrument's step and minimum, prices
 * and triggers against its tick, the trailing offset, time in force and expiry, what the
 * instrument's trading status allows, and the exact notional. The rules match the contract's
 * refinements of orders.place, so what the ticket lets through the bridge accepts. A value off
 * its step is never rounded here: the check offers the nearest valid values and the trader picks one.
 */
import type { Dec, Instrument, OrderRequest, OrderType, TimeInForce, TradingState } from '../../../common/domain.js';
import { PRICED_ORDER_TYPES, TRAILING_ORDER_TYPES, TRIGGER_ORDER_TYPES } from '../../../common/domain.js';
import { cmp, dec, isMultipleOf, isPlainDecimal, isPositive, mul, nearestSteps, places, withPlaces } from '../../../common/decimal.js';

export interface FieldCheck {
  /** The value to send, canonical; absent while the field is not valid. */
  value?: Dec;
  /** What is wrong, in a sentence; absent when valid or empty. */
  problem?: string;
  /** Valid values nearest to what was typed, when it is merely off its step. */
  suggestions: Dec[];
}

export interface TicketInput {
  type: OrderType;
  quantity: string;
  price: string;
  /** Activation price of stop and take-profit orders. */
  triggerPrice?: string;
  /** Trailing distance, in price units or percent. */
  trailingOffset?: string;
  trailingUnit?: 'price' | 'percent';
  /** Absent: the venue's default. */
  timeInForce?: TimeInForce;
  /** For gtd: the local date-time as a datetime-local field gives it ("2026-12-07T18:00"). */
  expireAt?: string;
  postOnly?: boolean;
}

/** What the venue and the instrument allow now, beside the instrument's steps. */
export interface TicketContext {
  /** The last price on screen, for a market order's estimated notional. */
  lastPrice?: Dec;
  /** The instrument's trading status from its quote, when known. */
  status?: TradingState;
  /** ms since epoch, for the expiry check. */
  now?: number;
}

export interface TicketCheck {
  quantity: FieldCheck;
  price: FieldCheck;
  triggerPrice: FieldCheck;
  trailingOffset: FieldCheck;
  /** The expiry in ms since epoch, when gtd and valid. */
  expireAt: { value?: number; problem?: string };
  /** price × quantity × lot size, exact; for a market order at the last price, marked estimated. */
  notional?: { value: Dec; estimated: boolean };
  /** Why the ticket cannot be sent as it is, or undefined when it can. */
  blocker?: string;
}

function suggestionsFor(value: string, step: string, min?: string): Dec[] {
  const { down, up } = nearestSteps(value, step);
  // Shown with the step's decimals ("306.5" with step "0.01" → "306.50"), the way a venue prints them.
  const out = [down, up].map((v) => withPlaces(v, places(step))).filter((v) => isPositive(v) && (min === undefined || cmp(v, min) >= 0));
  return [...new Set(out)];
}

export function checkQuantity(text: string, instrument: Instrument): FieldCheck {
  const t = text.trim();
  const unit = instrument.qtyUnit === 'lot' ? 'lots' : 'units';
  if (t === '') return { suggestions: [] };
  if (!isPlainDecimal(t)) return { problem: 'Quantity must be a plain number like 1 or 0.5', suggestions: [] };
  if (!isPositive(t)) return { problem: 'Quantity must be greater than zero', suggestions: [] };
  if (!isMultipleOf(t, instrument.qtyStep)) {
    return {
      problem: `Quantity must be a multiple of ${instrument.qtyStep} ${unit}`,
      suggestions: suggestionsFor(t, instrument.qtyStep, instrument.minQty),
    };
  }
  if (cmp(t, instrument.minQty) < 0) {
    return { problem: `Minimum quantity is ${instrument.minQty} ${unit}`, suggestions: [dec(instrument.minQty)] };
  }
  return { value: dec(t), suggestions: [] };
}

export function checkPrice(text: string, instrument: Instrument): FieldCheck {
  const t = text.trim();
  if (t === '') return { suggestions: [] };
  if (!isPlainDecimal(t)) return { problem: 'Price must be a plain number like 101.25', suggestions: [] };
  if (!isPositive(t)) return { problem: 'Price must be greater than zero', suggestions: [] };
  if (!isMultipleOf(t, instrument.priceStep)) {
    return { problem: `Price is off the tick of ${instrument.priceStep}`, suggestions: suggestionsFor(t, instrument.priceStep) };
  }
  return { value: dec(t), suggestions: [] };
}

/** Percent offsets: positive and below 100 (a 100% trail would never trigger). */
export function checkTrailingOffset(text: string, unit: 'price' | 'percent', instrument: Instrument): FieldCheck {
  const t = text.trim();
  if (t === '') return { suggestions: [] };
  if (!isPlainDecimal(t)) return { problem: 'Trailing offset must be a plain number like 1.5', suggestions: [] };
  if (!isPositive(t)) return { problem: 'Trailing offset must be greater than zero', suggestions: [] };
  if (unit === 'percent') {
    if (cmp(t, '100') >= 0) return { problem: 'A trailing offset in percent must be below 100', suggestions: [] };
    return { value: dec(t), suggestions: [] };
  }
  if (!isMultipleOf(t, instrument.priceStep)) {
    return { problem: `Trailing offset is off the tick of ${instrument.priceStep}`, suggestions: suggestionsFor(t, instrument.priceStep) };
  }
  return { value: dec(t), suggestions: [] };
}

/** A datetime-local value read as local time; it must lie in the future. */
export function checkExpiry(text: string | undefined, now: number): { value?: number; problem?: string } {
  const t = (text ?? '').trim();
  if (t === '') return {};
  const at = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(t) ? new Date(t).getTime() : Number.NaN;
  if (!Number.isFinite(at)) return { problem: 'Expiry must be a date and time' };
  if (at <= now) return { problem: 'Expiry must be in the future' };
  return { value: at };
}

const NONE: FieldCheck = { suggestions: [] };

/** Checks the whole ticket; `context` adds the last price, the trading status and the clock. */
export function checkTicket(input: TicketInput, instrument: Instrument, context: TicketContext | Dec = {}): TicketCheck {
  const ctx: TicketContext = typeof context === 'string' ? { lastPrice: context } : context;
  const { type } = input;
  const priced = PRICED_ORDER_TYPES.has(type);
  const trailing = TRAILING_ORDER_TYPES.has(type);
  const triggered = TRIGGER_ORDER_TYPES.has(type) && !trailing;
  const unit = input.trailingUnit ?? 'price';
  const quantity = checkQuantity(input.quantity, instrument);
  const price = priced ? checkPrice(input.price, instrument) : NONE;
  const triggerPrice = triggered ? checkPrice(input.triggerPrice ?? '', instrument) : NONE;
  const trailingOffset = trailing ? checkTrailingOffset(input.trailingOffset ?? '', unit, instrument) : NONE;
  const gtd = input.timeInForce === 'gtd';
  const expireAt = gtd ? checkExpiry(input.expireAt, ctx.now ?? Date.now()) : {};
  let notional: TicketCheck['notional'];
  // A limit price is what it costs; a stop becomes a market order near its trigger; a market order near the last price.
  const at = priced ? price.value : triggered ? triggerPrice.value : ctx.lastPrice;
  if (quantity.value && at && isPlainDecimal(at)) {
    notional = { value: mul(at, quantity.value, instrument.lotSize), estimated: !priced };
  }
  const status = ctx.status;
  let blocker: string | undefined;
  if (!instrument.tradable) blocker = `${instrument.symbol} is not tradable through the API`;
  else if (status && !status.tradable) blocker = `${instrument.symbol} is not trading now (${status.venueStatus})`;
  else if (status && type === 'market' && !status.marketOrders) blocker = `Market orders are not accepted now (${status.venueStatus})`;
  else if (status && priced && !status.limitOrders) blocker = `Limit orders are not accepted now (${status.venueStatus})`;
  else if (quantity.problem) blocker = quantity.problem;
  else if (!quantity.value) blocker = 'Enter a quantity';
  else if (triggered && triggerPrice.problem) blocker = triggerPrice.problem;
  else if (triggered && !triggerPrice.value) blocker = 'Enter a trigger price';
  else if (trailing && trailingOffset.problem) blocker = trailingOffset.problem;
  else if (trailing && !trailingOffset.value) blocker = 'Enter a trailing offset';
  else if (priced && price.problem) blocker = price.problem;
  else if (priced && !price.value) blocker = 'Enter a limit price';
  else if (gtd && expireAt.problem) blocker = expireAt.problem;
  else if (gtd && expireAt.value === undefined) blocker = 'Enter an expiry date and time';
  else if (input.postOnly && type !== 'limit') blocker = 'Post-only is for limit orders';
  else if (input.postOnly && (input.timeInForce === 'ioc' || input.timeInForce === 'fok')) blocker = 'A post-only order rests on the book: not with IOC or FOK';
  const out: TicketCheck = { quantity, price, triggerPrice, trailingOffset, expireAt };
  if (notional) out.notional = notional;
  if (blocker !== undefined) out.blocker = blocker;
  return out;
}

/** The order fields beyond the identity, as the contract wants them for the type; call only when valid. */
export function requestTerms(
  input: TicketInput,
  check: TicketCheck,
): Pick<OrderRequest, 'price' | 'triggerPrice' | 'trailingOffset' | 'timeInForce' | 'expireAt' | 'postOnly'> {
  const out: Pick<OrderRequest, 'price' | 'triggerPrice' | 'trailingOffset' | 'timeInForce' | 'expireAt' | 'postOnly'> = {};
  if (PRICED_ORDER_TYPES.has(input.type) && check.price.value) out.price = check.price.value;
  if (TRIGGER_ORDER_TYPES.has(input.type) && !TRAILING_ORDER_TYPES.has(input.type) && check.triggerPrice.value) out.triggerPrice = check.triggerPrice.value;
  if (TRAILING_ORDER_TYPES.has(input.type) && check.trailingOffset.value) {
    out.trailingOffset = { value: check.trailingOffset.value, unit: input.trailingUnit ?? 'price' };
  }
  if (input.timeInForce) out.timeInForce = input.timeInForce;
  if (input.timeInForce === 'gtd' && check.expireAt.value !== undefined) out.expireAt = check.expireAt.value;
  if (input.postOnly && input.type === 'limit') out.postOnly = true;
  return out;
}
