/**
 * The last candle of each series on screen. Ticks never go through React one by one: the
 * frame drain commits here at most once per frame, the chart reads it through a transient
 * subscription, and only the legend re-renders from it.
 */
import type { Candle } from '../../common/domain.js';
import { seriesKey } from './series-key.js';
import type { SliceCreator } from './app-state.js';
import type { FailuresBySeries } from './subscription-failures.js';

export interface CandlesSlice {
  lastCandles: Readonly<Record<string, Candle>>;
  /** Per series key: why the venue is not delivering it (refused, never confirmed). */
  subscriptionFailures: FailuresBySeries;
  /** Shows a candle from history until live ones arrive; never replaces a newer one. */
  seedCandle(candle: Candle): void;
  /** Drops a series no view shows any more, so a later view does not start from a stale bar. */
  forgetCandles(keyId: string): void;
}

/** Candles of one frame folded into the map; a candle older than the one shown is ignored. */
export function mergeCandles(
  current: Readonly<Record<string, Candle>>,
  candles: readonly Candle[],
): Readonly<Record<string, Candle>> {
  let next: Record<string, Candle> | undefined;
  for (const candle of candles) {
    const id = seriesKey(candle);
    const known = (next ?? current)[id];
    if (known && known.time > candle.time) continue;
    next ??= { ...current };
    next[id] = candle;
  }
  return next ?? current;
}

export const createCandlesSlice: SliceCreator<CandlesSlice> = () => (set, get) => ({
  lastCandles: {},
  subscriptionFailures: {},
  seedCandle(candle) {
    const known = get().lastCandles[seriesKey(candle)];
    if (known && known.time >= candle.time) return;
    set((s) => ({ lastCandles: mergeCandles(s.lastCandles, [candle]) }));
  },
  forgetCandles(keyId) {
    const { lastCandles, subscriptionFailures } = get();
    if (!(keyId in lastCandles) && !(keyId in subscriptionFailures)) return;
    set((s) => {
      const { [keyId]: _gone, ...rest } = s.lastCandles;
      const { [keyId]: _failed, ...standing } = s.subscriptionFailures;
      return { lastCandles: rest, subscriptionFailures: standing };
    });
  },
});
