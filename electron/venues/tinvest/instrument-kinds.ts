/**
 * Bonds, ETFs, futures and currencies (§9) as our reading of their messages (camelCase, as
 * proto-loader gives them), and what each kind adds to a domain Instrument: its kind, how a
 * price becomes money (bond % of nominal plus accrued interest, futures points, currency
 * nominal) and its expiry or maturity.
 */
import type { Dec } from '../../../common/decimal.js';
import { cmp } from '../../../common/decimal.js';
import type { InstrumentKind, InstrumentPricing } from '../../../common/domain.js';
import type { ShareMsg, Timestamp } from './messages.js';
import type { Quotation } from './quotation.js';
import { QuotationError, moneyToDec, quotationToDec } from './quotation.js';

interface MoneyMsg extends Quotation {
  currency: string;
}

export interface BondMsg extends ShareMsg {
  nominal?: MoneyMsg | null;
  aciValue?: MoneyMsg | null;
  maturityDate?: Timestamp | null;
}

export type EtfMsg = ShareMsg;

/** Futures have no isin (§9): proto-loader fills it with '' when absent. */
export interface FutureMsg extends ShareMsg {
  basicAsset?: string;
  basicAssetSize?: Quotation | null;
  expirationDate?: Timestamp | null;
  minPriceIncrementAmount?: Quotation | null;
}

export interface CurrencyMsg extends ShareMsg {
  nominal?: MoneyMsg | null;
  isoCurrencyName?: string;
}

export interface BondsResponse {
  instruments: BondMsg[];
}
export interface EtfsResponse {
  instruments: EtfMsg[];
}
export interface FuturesResponse {
  instruments: FutureMsg[];
}
export interface CurrenciesResponse {
  instruments: CurrencyMsg[];
}

/** A message of any kind with the kind it was listed as. */
export type KindMsg =
  | { kind: 'share'; msg: ShareMsg }
  | { kind: 'bond'; msg: BondMsg }
  | { kind: 'etf'; msg: EtfMsg }
  | { kind: 'future'; msg: FutureMsg }
  | { kind: 'currency'; msg: CurrencyMsg };

export interface KindExtras {
  kind: InstrumentKind;
  pricing?: InstrumentPricing;
  expiresAt?: number;
}

function ms(ts: Timestamp | null | undefined): number | undefined {
  if (!ts) return undefined;
  const v = Number(ts.seconds) * 1000 + Math.floor(ts.nanos / 1_000_000);
  return Number.isFinite(v) && v > 0 ? v : undefined;
}

function positive(d: Dec): boolean {
  return cmp(d, '0') > 0;
}

/** What the kind adds; throws QuotationError when a field the money rule needs is unusable. */
export function kindExtras(k: KindMsg): KindExtras {
  const id = k.msg.uid || k.msg.ticker;
  switch (k.kind) {
    case 'share':
    case 'etf':
      return { kind: k.kind };
    case 'bond': {
      // Without the nominal a bond's price (in % of it) cannot become money.
      if (!k.msg.nominal) throw new QuotationError(`bond ${id} has no nominal`);
      const nominal = moneyToDec(k.msg.nominal);
      if (!positive(nominal.value)) throw new QuotationError(`bond ${id} has nominal ${nominal.value}`);
      const aci = k.msg.aciValue ? quotationToDec(k.msg.aciValue) : '0';
      if (cmp(aci, '0') < 0) throw new QuotationError(`bond ${id} has accrued interest ${aci}`);
      const maturity = ms(k.msg.maturityDate);
      return {
        kind: 'bond',
        pricing: { rule: 'bond-percent', nominal: nominal.value, accruedInterest: aci, nominalCurrency: nominal.currency },
        ...(maturity !== undefined ? { expiresAt: maturity } : {}),
      };
    }
    case 'future': {
      const expiry = ms(k.msg.expirationDate);
      const step = k.msg.minPriceIncrementAmount ? quotationToDec(k.msg.minPriceIncrementAmount) : undefined;
      const size = k.msg.basicAssetSize ? quotationToDec(k.msg.basicAssetSize) : undefined;
      // A future without a point value still lists (its price is shown), without a money rule.
      const pricing: InstrumentPricing | undefined =
        step !== undefined && positive(step)
          ? {
              rule: 'futures-points',
              stepPrice: step,
              ...(k.msg.basicAsset ? { underlying: k.msg.basicAsset } : {}),
              ...(size !== undefined && positive(size) ? { underlyingSize: size } : {}),
            }
          : undefined;
      return { kind: 'future', ...(pricing ? { pricing } : {}), ...(expiry !== undefined ? { expiresAt: expiry } : {}) };
    }
    case 'currency': {
      const nominal = k.msg.nominal ? quotationToDec(k.msg.nominal) : '1';
      if (!positive(nominal)) throw new QuotationError(`currency ${id} has nominal ${nominal}`);
      return { kind: 'currency', pricing: { rule: 'currency-nominal', nominal } };
    }
  }
}
