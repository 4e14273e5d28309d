/**
 * The buckets of the renderer's tick-to-screen histogram, shared by the renderer (which counts
 * its samples into them) and the main side (which checks a report against them and serves
 * them as metrics): upper bounds in ms; one more bucket counts everything slower.
 */
export const TICK_TO_SCREEN_BUCKETS_MS: readonly number[] = [2, 4, 8, 16, 25, 33, 50, 75, 100, 150, 250, 500, 1_000, 2_500, 5_000, 10_000];

/** Index of the bucket a sample of `ms` falls in. */
export function tickBucketOf(ms: number): number {
  for (let i = 0; i < TICK_TO_SCREEN_BUCKETS_MS.length; i++) if (ms <= TICK_TO_SCREEN_BUCKETS_MS[i]!) return i;
  return TICK_TO_SCREEN_BUCKETS_MS.length;
}
