/**
 * When a percentile means something. A p99 is the value 1 % of the samples exceed: from 800 samples that
 * is 8 values, and the "p99" is nearly the maximum, moved by any one slow operation. So a percentile is
 * reported only when at least MIN_SAMPLES_BEYOND samples lie beyond it (p99 needs 10,000 samples, p99.9
 * 100,000); otherwise the figure given is the maximum, and it is labelled "max of N samples".
 */
import type { PercentileName } from '../results-file/schema.ts';

export const MIN_SAMPLES_BEYOND = 100;

export const PERCENTILES: readonly { name: PercentileName; value: number }[] = [
  { name: 'p50', value: 50 },
  { name: 'p90', value: 90 },
  { name: 'p99', value: 99 },
  { name: 'p99.9', value: 99.9 },
  { name: 'p99.99', value: 99.99 },
];

/** Samples beyond the percentile: n × (1 − p/100). */
export function samplesBeyond(samples: number, percentile: number): number {
  return samples * (1 - percentile / 100);
}

export function percentileSupported(samples: number, percentile: number, minBeyond = MIN_SAMPLES_BEYOND): boolean {
  // (a hair of tolerance: 10,000 × 0.01 is 99.99999… in floating point)
  return samplesBeyond(samples, percentile) >= minBeyond - 1e-6;
}

/** The percentiles that `samples` do not support (their figures are the max). */
export function tooFewSamplesFor(samples: number, minBeyond = MIN_SAMPLES_BEYOND): PercentileName[] {
  return PERCENTILES.filter((p) => !percentileSupported(samples, p.value, minBeyond)).map((p) => p.name);
}

/** Samples needed before `percentile` is supported. */
export function samplesNeededFor(percentile: number, minBeyond = MIN_SAMPLES_BEYOND): number {
  return Math.ceil(minBeyond / (1 - percentile / 100) - 1e-6);
}

/** How a figure is labelled for people: "p99", or "max of 800 samples" when the samples do not support it. */
export function percentileLabel(name: PercentileName, samples: number, unsupported: readonly PercentileName[]): string {
  return unsupported.includes(name) ? `max of ${samples.toLocaleString('en-US')} samples` : name;
}
