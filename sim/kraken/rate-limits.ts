/**
 * Kraken's two rate limiters (doc §3): the REST call counter per key, and the trading
 * counter per pair that REST and WS order entry share. Both are leaky counters that
 * decay continuously; the clock is injectable so tests can step time instead of sleeping.
 */

export type KrakenTier = 'starter' | 'intermediate' | 'pro';

export interface KrakenLimits {
  restMax: number;
  restDecayPerSec: number;
  tradingMax: number;
  tradingDecayPerSec: number;
}

export const TIER_LIMITS: Readonly<Record<KrakenTier, KrakenLimits>> = {
  starter: { restMax: 15, restDecayPerSec: 0.33, tradingMax: 60, tradingDecayPerSec: 1 },
  intermediate: { restMax: 20, restDecayPerSec: 0.5, tradingMax: 125, tradingDecayPerSec: 2.34 },
  pro: { restMax: 20, restDecayPerSec: 1, tradingMax: 180, tradingDecayPerSec: 3.75 },
};

/** REST call cost: ledger and trade history queries count double; order entry is not counted here. */
export function restCallCost(method: string): number {
  if (method === 'Ledgers' || method === 'QueryLedgers' || method === 'TradesHistory') return 2;
  if (ORDER_ENTRY.has(method)) return 0;
  return 1;
}

const ORDER_ENTRY = new Set(['AddOrder', 'AddOrderBatch', 'AmendOrder', 'EditOrder', 'CancelOrder', 'CancelOrderBatch', 'CancelAll', 'CancelAllOrdersAfter']);

/** Penalty for cancelling an order that rested `ageMs` (since placed or last amended). */
export function cancelPenalty(ageMs: number): number {
  const s = ageMs / 1000;
  if (s < 5) return 8;
  if (s < 10) return 6;
  if (s < 15) return 5;
  if (s < 45) return 4;
  if (s < 90) return 2;
  if (s < 300) return 1;
  return 0;
}

/** Amend: +1 fixed plus +3/+2/+1 for orders younger than 5/10/15 s. */
export function amendCost(ageMs: number): number {
  const s = ageMs / 1000;
  return 1 + (s < 5 ? 3 : s < 10 ? 2 : s < 15 ? 1 : 0);
}

class LeakyCounter {
  private level = 0;
  private at: number;

  constructor(
    private readonly decayPerSec: number,
    private readonly now: () => number,
  ) {
    this.at = now();
  }

  value(): number {
    const t = this.now();
    this.level = Math.max(0, this.level - ((t - this.at) / 1000) * this.decayPerSec);
    this.at = t;
    return this.level;
  }

  add(cost: number): void {
    this.level = this.value() + cost;
  }
}

export class RateLimits {
  private readonly rest = new Map<string, LeakyCounter>();
  private readonly trading = new Map<string, LeakyCounter>();

  constructor(
    readonly limits: KrakenLimits,
    private readonly now: () => number,
  ) {}

  /** Charges a REST call; false (nothing charged) when it would pass the maximum. */
  tryRest(apiKey: string, cost: number): boolean {
    if (cost === 0) return true;
    const c = this.counter(this.rest, apiKey, this.limits.restDecayPerSec);
    if (c.value() + cost > this.limits.restMax) return false;
    c.add(cost);
    return true;
  }

  /** Charges an order-entry action on a pair; false (nothing charged) when it would pass the threshold. */
  tryTrade(pairId: string, cost: number): boolean {
    const c = this.counter(this.trading, pairId, this.limits.tradingDecayPerSec);
    if (c.value() + cost > this.limits.tradingMax) return false;
    c.add(cost);
    return true;
  }

  /** Charges unconditionally: cancels always go through, their penalty lands on later adds. */
  chargeTrade(pairId: string, cost: number): void {
    if (cost > 0) this.counter(this.trading, pairId, this.limits.tradingDecayPerSec).add(cost);
  }

  restLevel(apiKey: string): number {
    return this.rest.get(apiKey)?.value() ?? 0;
  }

  tradingLevel(pairId: string): number {
    return this.trading.get(pairId)?.value() ?? 0;
  }

  private counter(map: Map<string, LeakyCounter>, key: string, decay: number): LeakyCounter {
    let c = map.get(key);
    if (!c) {
      c = new LeakyCounter(decay, this.now);
      map.set(key, c);
    }
    return c;
  }
}
