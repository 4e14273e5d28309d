/**
 * Keys the venue refused or never confirmed (unknown instrument, limit reached), per series:
 * the chart of the key says why, in its own area, until a candle shows it recovered.
 */
import type { SubscriptionError, SubscriptionFailure } from '../../electron/contract.js';
import { seriesKey } from './series-key.js';

export type FailuresBySeries = Readonly<Record<string, SubscriptionError>>;

/** `base` with `recovered` series cleared, then every failure of `lists` set, in order. */
export function mergeFailures(base: FailuresBySeries, resync: readonly SubscriptionFailure[], recovered: readonly string[], failures: readonly SubscriptionFailure[]): FailuresBySeries {
  if (resync.length === 0 && failures.length === 0 && !recovered.some((k) => k in base)) return base;
  const next: Record<string, SubscriptionError> = { ...base };
  for (const f of resync) next[seriesKey(f)] = f.error;
  for (const k of recovered) delete next[k];
  for (const f of failures) next[seriesKey(f)] = f.error;
  return next;
}
