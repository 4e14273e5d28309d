/**
 * Share, bond, ETF, future and currency (§2.6, §9) → domain Instrument, and the catalog the
 * adapter answers lookups from. Prices are per security (bonds in % of nominal, futures in
 * points); orders and candle volumes are in lots, so the order unit is 'lot'.
 */
import type { Instrument } from '../../../common/domain.js';
import { dec } from '../../../common/decimal.js';
import { kindExtras } from './instrument-kinds.js';
import type { KindMsg } from './instrument-kinds.js';
import type { ShareMsg } from './messages.js';
import { QuotationError, quotationToDec } from './quotation.js';

/** Any kind's message → Instrument; throws QuotationError when it cannot be traded safely. */
export function toInstrument(k: KindMsg): Instrument {
  const base = shareToInstrument(k.msg);
  const extras = kindExtras(k);
  return { ...base, ...extras };
}

export function shareToInstrument(s: ShareMsg): Instrument {
  if (!s.uid) throw new QuotationError(`share ${s.ticker || s.figi} has no instrument uid`);
  // Orders are checked against the price step and sized in lots: without them there is no instrument.
  if (!Number.isInteger(s.lot) || s.lot <= 0) throw new QuotationError(`share ${s.uid} has lot ${s.lot}`);
  if (!s.minPriceIncrement) throw new QuotationError(`share ${s.uid} has no price step`);
  const step = quotationToDec(s.minPriceIncrement);
  if (step.startsWith('-') || /^[0.]*$/.test(step)) throw new QuotationError(`share ${s.uid} has price step ${step}`);
  const codes: Record<string, string> = {};
  if (s.figi) codes.figi = s.figi;
  if (s.classCode) codes.classCode = s.classCode;
  if (s.isin) codes.isin = s.isin;
  return {
    venue: 'tinvest',
    id: s.uid,
    symbol: s.ticker,
    name: s.name,
    currency: s.currency.toLowerCase(),
    priceStep: step,
    qtyStep: '1',
    lotSize: dec(String(s.lot)),
    qtyUnit: 'lot',
    minQty: '1',
    tradable: s.apiTradeAvailableFlag && s.buyAvailableFlag && s.sellAvailableFlag,
    codes,
    kind: 'share',
  };
}

/** Instruments by uid, with figi and ticker lookups and a plain search. */
export class InstrumentCatalog {
  private readonly byUid = new Map<string, Instrument>();
  private readonly figiToUid = new Map<string, string>();
  private readonly uidToFigi = new Map<string, string>();

  /** Replaces the catalog; each share skipped as unreadable goes to `skip` with why. */
  load(shares: readonly ShareMsg[], skip: (why: string, share: ShareMsg) => void = () => undefined): number {
    this.byUid.clear();
    this.figiToUid.clear();
    this.uidToFigi.clear();
    let skipped = 0;
    for (const s of shares) {
      try {
        this.add(shareToInstrument(s));
      } catch (e) {
        if (!(e instanceof QuotationError)) throw e;
        skipped += 1;
        skip(e.message, s);
      }
    }
    return skipped;
  }

  /** Adds instruments of any kind to what is loaded; each unreadable one goes to `skip` with why. */
  loadKinds(list: readonly KindMsg[], skip: (why: string, msg: KindMsg) => void = () => undefined): number {
    let skipped = 0;
    for (const k of list) {
      try {
        this.add(toInstrument(k));
      } catch (e) {
        if (!(e instanceof QuotationError)) throw e;
        skipped += 1;
        skip(e.message, k);
      }
    }
    return skipped;
  }

  add(i: Instrument): void {
    this.byUid.set(i.id, i);
    const figi = i.codes.figi;
    if (figi) {
      this.figiToUid.set(figi, i.id);
      this.uidToFigi.set(i.id, figi);
    }
  }

  get size(): number {
    return this.byUid.size;
  }

  get(uid: string): Instrument | undefined {
    return this.byUid.get(uid);
  }

  figiOf(uid: string): string | undefined {
    return this.uidToFigi.get(uid);
  }

  uidOfFigi(figi: string): string | undefined {
    return this.figiToUid.get(figi);
  }

  /** Ticker matches first (exact, then prefix), then name, figi or isin containing the query. */
  search(query: string, limit: number): Instrument[] {
    const q = query.trim().toLowerCase();
    if (limit <= 0) return [];
    // An empty query browses: tradable instruments first, by ticker (as on every venue).
    if (!q) {
      return [...this.byUid.values()]
        .sort((a, b) => Number(b.tradable) - Number(a.tradable) || a.symbol.localeCompare(b.symbol))
        .slice(0, limit);
    }
    const ranked: { i: Instrument; rank: number }[] = [];
    for (const i of this.byUid.values()) {
      const ticker = i.symbol.toLowerCase();
      let rank: number;
      if (ticker === q) rank = 0;
      else if (ticker.startsWith(q)) rank = 1;
      else if (i.name.toLowerCase().includes(q)) rank = 2;
      else if (Object.values(i.codes).some((c) => c.toLowerCase() === q) || i.id === q) rank = 3;
      else continue;
      ranked.push({ i, rank });
    }
    ranked.sort((a, b) => a.rank - b.rank || a.i.symbol.localeCompare(b.i.symbol));
    return ranked.slice(0, limit).map((r) => r.i);
  }
}
