/**
 * The ticket's own checks, pure: quantity against the instrument's step and minimum, price
 * against its tick, and the exact notional. A value off its step is never rounded here:
 * the check offers the nearest valid values and the trader picks one.
 */
import type { Dec, Instrument, OrderType } from '../../../common/domain.js';
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
}

export interface TicketCheck {
  quantity: FieldCheck;
  price: FieldCheck;
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

/** `lastPrice`: the last close on screen, for a market order's estimated notional. */
export function checkTicket(input: TicketInput, instrument: Instrument, lastPrice?: Dec): TicketCheck {
  const quantity = checkQuantity(input.quantity, instrument);
  const price = input.type === 'limit' ? checkPrice(input.price, instrument) : { suggestions: [] };
  let notional: TicketCheck['notional'];
  const at = input.type === 'limit' ? price.value : lastPrice;
  if (quantity.value && at && isPlainDecimal(at)) {
    notional = { value: mul(at, quantity.value, instrument.lotSize), estimated: input.type === 'market' };
  }
  let blocker: string | undefined;
  if (!instrument.tradable) blocker = `${instrument.symbol} is not tradable through the API`;
  else if (quantity.problem) blocker = quantity.problem;
  else if (!quantity.value) blocker = 'Enter a quantity';
  else if (input.type === 'limit' && price.problem) blocker = price.problem;
  else if (input.type === 'limit' && !price.value) blocker = 'Enter a limit price';
  return blocker === undefined ? { quantity, price, notional } : { quantity, price, notional, blocker };
}
