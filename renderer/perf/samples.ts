/** A ring of latency samples with percentiles, shared by the charts' and the ladder's probes. */

export interface LatencyStats {
  /** Samples in the window. */
  count: number;
  p50?: number;
  p99?: number;
  max?: number;
}

/** The last `size` samples; a negative one (two clocks apart) counts as 0. */
export class Samples {
  private readonly values: Float64Array;
  private filled = 0;
  private cursor = 0;
  /** Samples ever added. */
  total = 0;

  constructor(size: number) {
    this.values = new Float64Array(size);
  }

  add(v: number): void {
    this.values[this.cursor] = Math.max(0, v);
    this.cursor = (this.cursor + 1) % this.values.length;
    this.filled = Math.min(this.filled + 1, this.values.length);
    this.total += 1;
  }

  stats(): LatencyStats {
    if (this.filled === 0) return { count: 0 };
    const sorted = Array.from(this.values.subarray(0, this.filled)).sort((a, b) => a - b);
    const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
    return { count: sorted.length, p50: at(0.5), p99: at(0.99), max: sorted[sorted.length - 1]! };
  }

  reset(): void {
    this.filled = 0;
    this.cursor = 0;
  }
}
