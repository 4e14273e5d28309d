/** One printed benchmark figure; `ceiling` is the raw reference measured in the same run. */
export interface Figure {
  name: string;
  value: number;
  unit: string;
  ceiling?: number;
  /** What good looks like, for the printed table ("≤ 0.9× ceiling"). */
  target?: string;
  /** The same figure measured another way in the same run (the development path beside the release). */
  beside?: { label: string; value: number };
  /** The individual runs behind a median, printed on the line below. */
  note?: string;
}

/** CPU time (user+system) in µs consumed while running `fn`. */
export async function cpuMicros(fn: () => Promise<void> | void): Promise<number> {
  const before = process.cpuUsage();
  await fn();
  const d = process.cpuUsage(before);
  return d.user + d.system;
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}
