/**
 * One step of a rate search or sweep: a short, complete open-loop run at one offered rate, long enough
 * for the percentile it is judged by. A step runs at least `stepSeconds` and at least until `minSamples`
 * operations were intended after its warm-up (a number of samples, not a number of seconds: at 50/s,
 * 5 s is 250 samples, and a p99 of 250 samples is their maximum), up to `maxStepSeconds`.
 */
import type { SaturationRule, Spread } from '../results-file/schema.ts';
import { round } from '../harness/histograms.ts';
import { runWorkload, type RunOptions, type RunOutcome, type SkippedRun } from '../harness/run-workload.ts';
import type { Clock } from '../harness/clock.ts';
import type { BenchTarget } from '../targets/target.ts';
import { withOverrides, type Workload } from '../workloads/workload.ts';

export interface StepOptions {
  stepSeconds: number;
  warmupSeconds: number;
  /** Operations intended after the warm-up, at least. */
  minSamples: number;
  /** Never longer than this (measured seconds), whatever `minSamples` asks: a run stays bounded. */
  maxStepSeconds: number;
  saturationRule?: SaturationRule;
  /** Seconds the target runs, unjudged, before the first step (warmUpTarget); 0 or absent: none. */
  serverWarmupSeconds?: number;
  clock?: Clock;
  progress?: RunOptions['onProgress'];
}

/** Measured seconds of a step at `rate`. */
export function stepSeconds(rate: number, options: Pick<StepOptions, 'stepSeconds' | 'minSamples' | 'maxStepSeconds'>): number {
  return Math.min(options.maxStepSeconds, Math.max(options.stepSeconds, options.minSamples / rate));
}

export function stepWorkload(workload: Workload, rate: number, options: StepOptions): Workload {
  return withOverrides(workload, {
    rate,
    durationSeconds: stepSeconds(rate, options) + options.warmupSeconds,
    warmupSeconds: options.warmupSeconds,
  });
}

export function runRateStep(target: BenchTarget, workload: Workload, rate: number, runId: string, options: StepOptions): Promise<RunOutcome | SkippedRun> {
  return runWorkload(target, stepWorkload(workload, rate, options), {
    mode: 'open',
    runId,
    clock: options.clock,
    onProgress: options.progress,
    saturationRule: options.saturationRule,
    intervalMs: options.clock ? 1000 : undefined,
  });
}

/** Median (the mean of the middle two for an even count) and range. */
export function spreadOf(values: readonly number[]): Spread {
  if (values.length === 0) throw new RangeError('spreadOf needs at least one value');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { median: round(median, 3), min: sorted[0]!, max: sorted.at(-1)! };
}

/**
 * A server's first seconds are not its steady state (JIT compilation, caches, connection pools, the first
 * log segment): on dynalite the first 500/s step of a search had a p99 of 384 ms and the same rate a few
 * minutes later 57 ms, so the cold step decided the search. Before a search or a sweep the target runs
 * `serverWarmupSeconds` at the workload's own rate; nothing of it is judged or kept.
 */
export async function warmUpTarget(target: BenchTarget, workload: Workload, runId: string, options: StepOptions): Promise<SkippedRun | undefined> {
  const seconds = options.serverWarmupSeconds ?? 0;
  if (seconds <= 0) return undefined;
  const outcome = await runRateStep(target, workload, workload.rate, `${runId}-warmup`, { ...options, stepSeconds: seconds, minSamples: 0, maxStepSeconds: seconds });
  return outcome.status === 'skipped' ? outcome : undefined;
}
