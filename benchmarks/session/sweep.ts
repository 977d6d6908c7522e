/**
 * The rate sweep: the same open-loop workload at each offered rate of a ladder, each rate repeated, as
 * OpenMessaging Benchmark and YCSB results are read: latency against achieved throughput, and where the
 * curve bends is the backend's capacity on this machine. Every step says whether it saturated
 * (harness/saturation.ts); repeats give each figure's median and range. Once a rate saturates, the
 * ladder goes on for `extraSaturatedSteps` more rates (to show the curve past the bend) and stops: a
 * saturated step only queues.
 */
import type { SaturationRule, Sweep, SweepRepeat, SweepStep } from '../results-file/schema.ts';
import type { RunOutcome } from '../harness/run-workload.ts';
import { tooFewSamplesFor } from '../harness/sample-count.ts';
import { DEFAULT_SATURATION_RULE } from '../harness/saturation.ts';
import type { BenchTarget } from '../targets/target.ts';
import type { Workload } from '../workloads/workload.ts';
import { runRateStep, spreadOf, warmUpTarget, type StepOptions } from './rate-step.ts';

export const DEFAULT_SWEEP_RATES = [25, 50, 100, 200, 400, 800, 1600, 3200];

export interface SweepOptions extends StepOptions {
  rates: number[];
  repeats: number;
  /** Rates still tried after the first saturated one. */
  extraSaturatedSteps?: number;
  runId: string;
  onStep?: (step: SweepStep) => void;
}

export interface SweepResult {
  sweep: Sweep;
  /** The run shown as the summary: the highest unsaturated step (its median-p99 repeat), or the lowest step. */
  representative: RunOutcome | undefined;
  skipped?: string;
}

export function repeatOf(outcome: RunOutcome): SweepRepeat {
  const s = outcome.summary;
  return {
    achievedRate: s.throughput,
    p50Ms: s.p50Ms,
    p99Ms: s.p99Ms,
    p999Ms: s.p999Ms,
    sendDelayP99Ms: s.sendDelay.p99Ms,
    samples: s.samples ?? 0,
    unsent: s.unsent,
    errorCount: s.errorCount,
    saturated: s.saturated ?? false,
    saturation: s.saturation ?? [],
    tooFewSamplesFor: s.tooFewSamplesFor ?? [],
  };
}

/** One offered rate's figures over its repeats: each figure's median, the spread, saturated by majority. */
export function aggregateStep(offeredRate: number, repeats: SweepRepeat[]): SweepStep {
  const median = (pick: (r: SweepRepeat) => number) => spreadOf(repeats.map(pick)).median;
  const samples = median((r) => r.samples);
  const saturatedCount = repeats.filter((r) => r.saturated).length;
  return {
    offeredRate,
    achievedRate: median((r) => r.achievedRate),
    p50Ms: median((r) => r.p50Ms),
    p99Ms: median((r) => r.p99Ms),
    p999Ms: median((r) => r.p999Ms),
    sendDelayP99Ms: median((r) => r.sendDelayP99Ms),
    samples,
    unsent: median((r) => r.unsent),
    errorCount: median((r) => r.errorCount),
    saturated: saturatedCount * 2 > repeats.length,
    tooFewSamplesFor: tooFewSamplesFor(samples),
    spread: {
      achievedRate: spreadOf(repeats.map((r) => r.achievedRate)),
      p50Ms: spreadOf(repeats.map((r) => r.p50Ms)),
      p99Ms: spreadOf(repeats.map((r) => r.p99Ms)),
      p999Ms: spreadOf(repeats.map((r) => r.p999Ms)),
    },
    repeats,
  };
}

/**
 * The headline figure: for each repeat, the highest offered rate at which that repeat did not saturate;
 * their median and range. Null when no repeat kept up at any rate.
 */
export function highestUnsaturatedRate(steps: readonly SweepStep[], repeats: number): Sweep['highestUnsaturatedRate'] {
  const perRepeat = Array.from({ length: repeats }, (_, i) => Math.max(0, ...steps.filter((s) => s.repeats[i] && !s.repeats[i].saturated).map((s) => s.offeredRate)));
  if (perRepeat.every((r) => r === 0)) return null;
  return spreadOf(perRepeat);
}

export async function runSweep(target: BenchTarget, workload: Workload, options: SweepOptions): Promise<SweepResult> {
  const rule: SaturationRule = options.saturationRule ?? DEFAULT_SATURATION_RULE;
  const rates = [...new Set(options.rates)].sort((a, b) => a - b);
  const steps: SweepStep[] = [];
  const outcomes = new Map<number, RunOutcome[]>();
  let extra = options.extraSaturatedSteps ?? 1;
  const cold = await warmUpTarget(target, workload, options.runId, options);
  if (cold) return { sweep: sweepOf(options, rule, steps), representative: undefined, skipped: cold.reason };
  for (const rate of rates) {
    const runs: RunOutcome[] = [];
    for (let r = 0; r < options.repeats; r++) {
      const outcome = await runRateStep(target, workload, rate, `${options.runId}-r${rate}-${r}`, { ...options, saturationRule: rule });
      if (outcome.status === 'skipped') return { sweep: sweepOf(options, rule, steps), representative: undefined, skipped: outcome.reason };
      runs.push(outcome);
    }
    outcomes.set(rate, runs);
    const step = aggregateStep(rate, runs.map(repeatOf));
    steps.push(step);
    options.onStep?.(step);
    if (step.saturated && extra-- <= 0) break;
  }
  const sweep = sweepOf(options, rule, steps);
  const best = [...steps].reverse().find((s) => !s.saturated) ?? steps[0];
  const representative = representativeOf(best ? outcomes.get(best.offeredRate) ?? [] : []);
  return { sweep, representative };
}

/**
 * The run that stands for a step in the summary: the repeat whose p99 is the median one (of an odd
 * count; the lower middle otherwise) among the repeats that kept up. A step is unsaturated when most of
 * its repeats were, and the summary row says "unsaturated up to <rate>": its figures must come from a
 * repeat that kept up, not from the one that did not (seen: Kafka's 3,200/s step, 2 of 3 repeats kept
 * up, and the row read "unsaturated up to 3200 … 3,189 (achieved while saturated)").
 */
export function representativeOf<T extends { summary: { p99Ms: number; saturated?: boolean } }>(runs: readonly T[]): T | undefined {
  const keptUp = runs.filter((r) => !r.summary.saturated);
  const pool = keptUp.length ? keptUp : [...runs];
  return pool.sort((a, b) => a.summary.p99Ms - b.summary.p99Ms)[Math.floor((pool.length - 1) / 2)];
}

function sweepOf(options: SweepOptions, rule: SaturationRule, steps: SweepStep[]): Sweep {
  return {
    rates: options.rates,
    repeats: options.repeats,
    minSamples: options.minSamples,
    stepSeconds: options.stepSeconds,
    saturationRule: rule,
    steps,
    highestUnsaturatedRate: highestUnsaturatedRate(steps, options.repeats),
  };
}
