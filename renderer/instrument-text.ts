/** How an instrument's kind, lot, step and pricing read, in the picker and on the ticket. */
import type { Instrument, InstrumentKind } from '../common/domain.js';
import { dateTime } from './order-text.js';

const KIND_NAMES: Readonly<Record<InstrumentKind, string>> = {
  share: 'Share',
  bond: 'Bond',
  etf: 'ETF',
  future: 'Future',
  currency: 'Currency',
  spot: 'Spot pair',
};

/** Instruments saved before kinds existed read as a share (T-Invest) or a spot pair (Kraken). */
export function kindText(i: Pick<Instrument, 'kind' | 'venue'>): string {
  return KIND_NAMES[i.kind ?? (i.venue === 'kraken' ? 'spot' : 'share')];
}

/** "Lot 10 · step 0.01 RUB". */
export function lotAndStepText(i: Instrument): string {
  const lot = i.qtyUnit === 'lot' ? `Lot ${i.lotSize} · ` : '';
  return `${lot}price step ${i.priceStep} ${i.currency.toUpperCase()}`;
}

/**
 * How a quoted price becomes money, when it is not price × units:
 * bonds in % of nominal with accrued interest, futures in points with a point value.
 */
export function pricingText(i: Instrument): string | undefined {
  const p = i.pricing;
  const expiry = i.expiresAt !== undefined ? `; ${i.kind === 'bond' ? 'matures' : 'expires'} ${dateTime(i.expiresAt).slice(0, 10)}` : '';
  if (!p) return expiry ? expiry.slice(2, 3).toUpperCase() + expiry.slice(3) : undefined;
  switch (p.rule) {
    case 'bond-percent':
      return `Price in % of nominal ${p.nominal} ${p.nominalCurrency.toUpperCase()}; accrued interest ${p.accruedInterest} ${p.nominalCurrency.toUpperCase()} per bond${expiry}`;
    case 'futures-points':
      return `Price in points; one step (${i.priceStep}) = ${p.stepPrice} ${i.currency.toUpperCase()}${p.underlying ? `; underlying ${p.underlying}` : ''}${expiry}`;
    case 'currency-nominal':
      return `Price per ${p.nominal} units${expiry}`;
  }
}
