/**
 * Trigger orders of the local venue (sheet §9): stop-loss and take-profit wait for the last
 * trade price to reach their trigger (stop-loss from the unfavourable side, take-profit from
 * the favourable one), trailing stops follow the best price since placement by an offset.
 * Once triggered they act as a market order, or a limit order for the `-limit` kinds.
 * Prices are integers at the pair's price scale.
 */
import type { Side } from './matching.js';

export const TRIGGER_TYPES = ['stop-loss', 'stop-loss-limit', 'take-profit', 'take-profit-limit', 'trailing-stop', 'trailing-stop-limit'] as const;
export type TriggerType = (typeof TRIGGER_TYPES)[number];
export type KrakenOrderType = 'market' | 'limit' | TriggerType;

export function isTriggerType(t: string): t is TriggerType {
  return (TRIGGER_TYPES as readonly string[]).includes(t);
}

export function isLimitLeg(t: KrakenOrderType): boolean {
  return t === 'limit' || t.endsWith('-limit');
}

export type PriceType = 'static' | 'pct' | 'quote';

export interface Trigger {
  /** As placed: absolute for static; the offset for pct (in hundredths of a percent) and quote (price scale). */
  price: bigint;
  priceType: PriceType;
  /** The price that fires it now (trailing stops move it). */
  actual: bigint;
  /** Best last price since placement (trailing stops). */
  peak: bigint;
  last: bigint;
  status: 'untriggered' | 'triggered';
  triggeredMs?: number;
}

/** The absolute trigger of a trailing stop for a peak: below it for sells, above for buys. */
export function trailingTrigger(side: Side, peak: bigint, t: Pick<Trigger, 'price' | 'priceType'>): bigint {
  const dist = t.priceType === 'pct' ? (peak * t.price) / 10_000n : t.price;
  return side === 'sell' ? peak - dist : peak + dist;
}

/** A new trigger at placement; `last` is the market's last price now. */
export function newTrigger(type: TriggerType, side: Side, price: bigint, priceType: PriceType, last: bigint): Trigger {
  const t: Trigger = { price, priceType, actual: price, peak: last, last, status: 'untriggered' };
  if (type.startsWith('trailing')) t.actual = trailingTrigger(side, last, t);
  else if (priceType !== 'static') {
    // Relative stop/take-profit triggers are fixed against the last price at placement.
    const dist = priceType === 'pct' ? (last * (price < 0n ? -price : price)) / 10_000n : price < 0n ? -price : price;
    t.actual = price < 0n ? last - dist : last + dist;
  }
  return t;
}

/**
 * One last trade price: moves a trailing stop's peak, and says whether the trigger fires.
 * Sells stop out as the price falls to the trigger and take profit as it rises to it; buys the other way.
 */
export function onLast(type: TriggerType, side: Side, t: Trigger, last: bigint): boolean {
  t.last = last;
  if (t.status === 'triggered') return false;
  if (type.startsWith('trailing')) {
    if (side === 'sell' ? last > t.peak : last < t.peak) {
      t.peak = last;
      t.actual = trailingTrigger(side, last, t);
    }
  }
  const stop = type.startsWith('stop-loss') || type.startsWith('trailing');
  const falls = last <= t.actual;
  const rises = last >= t.actual;
  if (side === 'sell') return stop ? falls : rises;
  return stop ? rises : falls;
}

/** Parses a trigger price text: static, "+5%"/"-150" (REST relative), or a signed number with a WS price_type. */
export function parseTriggerText(text: string, scale: number): { value: bigint; type: PriceType } | undefined {
  const m = /^([+-]?)(\d+)(?:\.(\d+))?(%?)$/.exec(text);
  if (!m) return undefined;
  const [, sign, whole = '0', frac = '', pct] = m;
  if (pct === '%') {
    // Hundredths of a percent: two decimals are enough for every offset Kraken takes.
    if (frac.length > 2) return undefined;
    const v = BigInt(whole + frac.padEnd(2, '0'));
    return { value: sign === '-' ? -v : v, type: 'pct' };
  }
  if (frac.length > scale) return undefined;
  const v = BigInt(whole + frac.padEnd(scale, '0'));
  if (sign === '') return { value: v, type: 'static' };
  return { value: sign === '-' ? -v : v, type: 'quote' };
}
