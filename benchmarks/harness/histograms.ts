/**
 * HdrHistograms of microseconds: how every latency is kept, encoded into results files, and read back.
 * 32-bit buckets: recording costs ~0.6 µs, where packed buckets cost ~3 µs, which the no-op backend's
 * harness overhead would show.
 */
import * as hdr from 'hdr-histogram-js';

export type Histogram = hdr.Histogram;

/** From 1 µs up, growing as needed; 3 significant digits for a run's histograms, 2 for per-interval ones. */
export function newHistogram(digits: 2 | 3 = 3): Histogram {
  return hdr.build({ bitBucketSize: 32, lowestDiscernibleValue: 1, numberOfSignificantValueDigits: digits, autoResize: true });
}

export function toMicros(ms: number): number {
  return Math.max(1, Math.round(ms * 1000));
}

export function percentileMs(h: Histogram, percentile: number): number {
  return h.totalCount === 0 ? 0 : h.getValueAtPercentile(percentile) / 1000;
}

/** Compressed base64 (any HdrHistogram implementation decodes it). */
export function encodeHistogram(h: Histogram): string {
  return hdr.encodeIntoCompressedBase64(h);
}

export function decodeHistogram(encoded: string): Histogram {
  return hdr.decodeFromCompressedBase64(encoded, 32, false);
}

export function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
