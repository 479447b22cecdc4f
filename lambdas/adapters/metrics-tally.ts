import type { MetricName } from '../core/metric-names';
import type { Metrics } from '../ports';

/** Metrics kept in memory: the laptop's stand-in for CloudWatch, which tests read back. */
export class MetricsTally implements Metrics {
  private readonly totals = new Map<MetricName, number>();
  private readonly samples = new Map<MetricName, number[]>();

  count(name: MetricName, value = 1): void {
    this.totals.set(name, (this.totals.get(name) ?? 0) + value);
  }

  milliseconds(name: MetricName, value: number): void {
    this.sample(name, value);
  }

  seconds(name: MetricName, value: number): void {
    this.sample(name, value);
  }

  /** The sum of every count of `name` so far. */
  total(name: MetricName): number {
    return this.totals.get(name) ?? 0;
  }

  /** Every timing recorded under `name`, oldest first. */
  timings(name: MetricName): number[] {
    return [...(this.samples.get(name) ?? [])];
  }

  private sample(name: MetricName, value: number): void {
    const list = this.samples.get(name) ?? [];
    // Bounded so a long-running laptop stack does not grow without end.
    if (list.length >= 1000) list.shift();
    list.push(value);
    this.samples.set(name, list);
  }
}
