/**
 * The renderer's side of the metrics: tick-to-screen samples counted into the shared buckets
 * (common/perf-buckets.ts) and sent to the main side every few seconds (perf.report), where
 * the metrics endpoint serves them. Only counts cross, never a sample list; a report that
 * fails is dropped (the next one carries what came after: counts, not a stream).
 */
import { TICK_TO_SCREEN_BUCKETS_MS, tickBucketOf } from '../../common/perf-buckets.js';
import type { BridgeApi } from '../../electron/contract.js';

export const PERF_REPORT_EVERY_MS = 5_000;
/** The contract refuses a report larger than this; a flood beyond it is cut into reports. */
const MAX_REPORT_SAMPLES = 100_000;
/** The contract's cap on one sample: a larger one is counted at the cap (it lands in the overflow bucket either way). */
const MAX_SAMPLE_MS = 600_000;

export class PerfReport {
  private buckets = new Array<number>(TICK_TO_SCREEN_BUCKETS_MS.length + 1).fill(0);
  private sumMs = 0;
  private count = 0;

  constructor(private readonly bridge: Pick<BridgeApi, 'invoke'>) {}

  /** One tick-to-screen sample (ms). */
  sample(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) return;
    const v = Math.min(ms, MAX_SAMPLE_MS);
    this.buckets[tickBucketOf(v)]! += 1;
    this.sumMs += v;
    this.count += 1;
    if (this.count >= MAX_REPORT_SAMPLES) this.flush();
  }

  /** Sends what was counted since the last report, if anything. */
  flush(): void {
    if (this.count === 0) return;
    const tickToScreen = { buckets: this.buckets, sumMs: this.sumMs, count: this.count };
    this.buckets = new Array<number>(TICK_TO_SCREEN_BUCKETS_MS.length + 1).fill(0);
    this.sumMs = 0;
    this.count = 0;
    void this.bridge.invoke('perf.report', { tickToScreen }).catch(() => undefined);
  }
}

/** Reports every PERF_REPORT_EVERY_MS while the page lives. */
export function startPerfReport(bridge: Pick<BridgeApi, 'invoke'>, everyMs = PERF_REPORT_EVERY_MS): PerfReport {
  const report = new PerfReport(bridge);
  setInterval(() => report.flush(), everyMs);
  return report;
}
