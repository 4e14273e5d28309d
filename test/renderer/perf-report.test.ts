import { describe, expect, it } from 'vitest';
import { TICK_TO_SCREEN_BUCKETS_MS } from '../../common/perf-buckets.js';
import { requestSchemas } from '../../electron/contract.js';
import type { MethodName } from '../../electron/contract.js';
import { PerfReport } from '../../renderer/perf/perf-report.js';

/** A bridge that keeps what it was asked and answers ok. */
function recordingBridge(): { calls: { method: MethodName; request: unknown }[]; invoke: (method: MethodName, request: unknown) => Promise<{ ok: true; value: null }> } {
  const calls: { method: MethodName; request: unknown }[] = [];
  return {
    calls,
    invoke: (method, request) => {
      calls.push({ method, request });
      return Promise.resolve({ ok: true, value: null });
    },
  };
}

describe("the renderer's performance report", () => {
  it('counts samples into the shared buckets and sends them once, in a report the main side accepts', () => {
    const bridge = recordingBridge();
    const report = new PerfReport(bridge as never);
    report.flush();
    expect(bridge.calls).toEqual([]);
    for (const ms of [1, 3, 3, 40, 12_000, 900_000]) report.sample(ms);
    report.sample(Number.NaN);
    report.sample(-1);
    report.flush();
    expect(bridge.calls).toHaveLength(1);
    const { method, request } = bridge.calls[0]!;
    expect(method).toBe('perf.report');
    const parsed = requestSchemas['perf.report'].parse(request);
    const b = parsed.tickToScreen.buckets;
    expect(b).toHaveLength(TICK_TO_SCREEN_BUCKETS_MS.length + 1);
    expect(parsed.tickToScreen.count).toBe(6);
    expect(b[0]).toBe(1);
    expect(b[1]).toBe(2);
    // 12 s and 15 min are past every bound; the latter is counted at the contract's cap.
    expect(b[TICK_TO_SCREEN_BUCKETS_MS.length]).toBe(2);
    expect(parsed.tickToScreen.sumMs).toBe(1 + 3 + 3 + 40 + 12_000 + 600_000);
    // Counts since the last report only.
    report.flush();
    expect(bridge.calls).toHaveLength(1);
    report.sample(5);
    report.flush();
    expect(requestSchemas['perf.report'].parse(bridge.calls[1]!.request).tickToScreen.count).toBe(1);
  });

  it('is refused by the contract when its counts do not add up or exceed the bounds', () => {
    const buckets = new Array<number>(TICK_TO_SCREEN_BUCKETS_MS.length + 1).fill(0);
    buckets[0] = 2;
    const schema = requestSchemas['perf.report'];
    expect(schema.safeParse({ tickToScreen: { buckets, sumMs: 2, count: 2 } }).success).toBe(true);
    expect(schema.safeParse({ tickToScreen: { buckets, sumMs: 2, count: 3 } }).success).toBe(false);
    expect(schema.safeParse({ tickToScreen: { buckets, sumMs: 2_000_000, count: 2 } }).success).toBe(false);
    expect(schema.safeParse({ tickToScreen: { buckets: buckets.slice(1), sumMs: 2, count: 2 } }).success).toBe(false);
  });
});
