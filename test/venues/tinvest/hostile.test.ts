/**
 * The property run of issue 9 for T-Invest: tens of thousands of frames from the hostile venue
 * (real shapes, mutated at the protobuf and the value level) through the real adapter's
 * market-data stream over loopback. The process stays up, every valid candle arrives, the
 * series is the valid subset, and the malformed counter equals the venue's count of invalid frames.
 */
import { describe, expect, it } from 'vitest';
import { runTInvestFuzz } from '../../fuzz/tinvest-run.js';

describe('T-Invest against a hostile venue', () => {
  it.each([1, 2])('seed %i: 20 000 frames, malformed counted = invalid sent, valid candles all delivered, no crash', async (seed) => {
    const r = await runTInvestFuzz({ frames: 20_000, seed });
    expect(r.frames).toBe(20_000);
    expect(r.invalid).toBeGreaterThan(5_000);
    expect(r.validCandles).toBeGreaterThan(5_000);
    expect(r.malformedCounted).toBe(r.invalid);
    expect(r.deliveredCandles).toBe(r.validCandles);
    expect(r.seriesEqual).toBe(true);
    expect(r.crashes).toBe(0);
  }, 120_000);
});
