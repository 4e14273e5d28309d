/**
 * A histogram whose counts are kept elsewhere (the journal's acknowledgement latency, the
 * renderer's reported ticks): prom-client's Histogram, with `get()` reading per-bucket counts
 * at scrape time instead of observing. Counts are given per bucket; the text is cumulative.
 */
import { Histogram } from 'prom-client';
import type { MetricObjectWithValues, MetricValueWithName } from 'prom-client';

export interface BucketSeries<L extends string> {
  labels: Partial<Record<L, string>>;
  /** Per bucket, not cumulative; one more than the bounds (the overflow bucket). */
  buckets: readonly number[];
  /** In the metric's unit. */
  sum: number;
  count: number;
}

export interface BucketHistogramOptions<L extends string> {
  name: string;
  help: string;
  labelNames: readonly L[];
  /** Upper bounds in the metric's unit. */
  bounds: readonly number[];
  read: () => readonly BucketSeries<L>[];
}

export class BucketHistogram<L extends string> extends Histogram<L> {
  private readonly metricName: string;
  private readonly head: Histogram<L>;
  private readonly bounds: readonly number[];
  private readonly read: () => readonly BucketSeries<L>[];

  constructor(opts: BucketHistogramOptions<L> & { registers: NonNullable<ConstructorParameters<typeof Histogram>[0]['registers']> }) {
    super({ name: opts.name, help: opts.help, labelNames: opts.labelNames, buckets: [...opts.bounds], registers: opts.registers });
    this.metricName = opts.name;
    this.head = new Histogram({ name: opts.name, help: opts.help, labelNames: opts.labelNames, buckets: [...opts.bounds], registers: [] });
    this.bounds = opts.bounds;
    this.read = opts.read;
  }

  /** prom-client's registry reads a histogram through this (the base's get() wraps it). */
  async getForPromString(): Promise<MetricObjectWithValues<MetricValueWithName<L>>> {
    return this.get();
  }

  override async get(): Promise<MetricObjectWithValues<MetricValueWithName<L>>> {
    const values: MetricValueWithName<L>[] = [];
    for (const s of this.read()) {
      let cumulative = 0;
      for (let i = 0; i < s.buckets.length; i++) {
        cumulative += s.buckets[i]!;
        const le = i < this.bounds.length ? this.bounds[i]! : '+Inf';
        values.push({ metricName: `${this.metricName}_bucket`, labels: { ...s.labels, le }, value: cumulative });
      }
      values.push({ metricName: `${this.metricName}_sum`, labels: { ...s.labels }, value: s.sum });
      values.push({ metricName: `${this.metricName}_count`, labels: { ...s.labels }, value: s.count });
    }
    // The family's name, help and type from an unregistered twin nothing is observed into.
    return { ...(await this.head.get()), values };
  }

}
