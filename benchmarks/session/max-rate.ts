/**
 * The highest open-loop rate a target sustains: the rate whose p99 (corrected) and backlog stay within
 * the limits given on the command line, and that does not saturate (harness/saturation.ts). Doubles
 * from the workload's rate until a step fails, then bisects between the last good and the first bad
 * rate. Each step is a short, complete open-loop run with its own warm-up, long enough for its samples
 * (rate-step.ts); the target is warmed up once before the first step (warmUpTarget). The search is repeated: the result is the median and range over repeats, because one
 * search on a shared machine can be off by a factor of several.
 */
import type { SearchStep, Spread } from '../results-file/schema.ts';
import { decodeHistogram, percentileMs, round } from '../harness/histograms.ts';
import type { RunOutcome } from '../harness/run-workload.ts';
import { percentileSupported, samplesBeyond } from '../harness/sample-count.ts';
import type { BenchTarget } from '../targets/target.ts';
import type { Workload } from '../workloads/workload.ts';
import { runRateStep, spreadOf, warmUpTarget, type StepOptions } from './rate-step.ts';

export interface MaxRateOptions extends StepOptions {
  maxP99Ms: number;
  /** Most operations held back by the in-flight bound, and most subscription backlog, at any time. */
  maxBacklog: number;
  /** Bisection steps after the first failure. */
  refineSteps?: number;
  /** Never try more than this rate. */
  ceilingRate?: number;
  /** Searches to run (the result is their median). */
  repeats?: number;
  /**
   * Try a failed step once more, and count the rate as failed only if that fails too. One stall of
   * ~100 ms (a GC, an fsync, a checkpoint) fails a 5-second step at any rate, and the doubling and
   * bisecting search then lands at half the rate or less: on a quiet machine two searches of PostgreSQL
   * gave medians of 1,875/s and 2,750/s, their repeats 938-3,000/s, each low one after a single failed
   * step whose rate passed everywhere else. Overload fails both tries; a lone stall rarely does. The
   * price: it favours the target by one retry (a rate that fails one try in two passes), and the
   * report shows both tries.
   */
  retryFailedSteps?: boolean;
  runId: string;
  onStep?: (step: SearchStep) => void;
}

export interface MaxRateSearch {
  steps: SearchStep[];
  maxSustainableRate: number | null;
  /** The run at the highest sustainable rate (or the lowest rate tried, if none was sustainable). */
  best: RunOutcome | undefined;
}

export interface MaxRateResult extends MaxRateSearch {
  repeats: MaxRateSearch[];
  /** Over repeats; null when no repeat found a sustainable rate. */
  spread: Spread | null;
  skipped?: string;
}

/**
 * The p99 a step is judged by: the histogram's own p99, whatever the sample count. The summary shows a
 * p99 from fewer than 10,000 samples as their maximum (sample-count.ts), but judging the maximum against a
 * p99 limit would judge a slow step (2,500 samples at 125/s) more harshly than a fast one (10,000 at
 * 500/s): seen on dynalite, 125/s failed on a 53 ms max while 500/s had a 57 ms p99. So every step is
 * judged on a p99, and one from fewer samples is labelled with how few values lie beyond it.
 */
export function stepP99(outcome: RunOutcome): { p99Ms: number; label: string } {
  const samples = outcome.summary.samples ?? 0;
  const p99Ms = samples > 0 ? round(percentileMs(decodeHistogram(outcome.histograms.corrected), 99), 3) : outcome.summary.p99Ms;
  const beyond = Math.floor(samplesBeyond(samples, 99));
  const label = percentileSupported(samples, 99) ? 'p99' : `p99 of ${samples} samples (${beyond} beyond it)`;
  return { p99Ms, label };
}

/** Sustainable: p99 and backlog within limits, no errors other than conflicts, and not saturated. */
export function judgeStep(rate: number, outcome: RunOutcome, options: Pick<MaxRateOptions, 'maxP99Ms' | 'maxBacklog'>): SearchStep {
  const s = outcome.summary;
  const reasons: string[] = [];
  const samples = s.samples ?? 0;
  const p99 = stepP99(outcome);
  if (p99.p99Ms > options.maxP99Ms) reasons.push(`${p99.label} ${p99.p99Ms} ms > ${options.maxP99Ms} ms`);
  if (s.maxPending > options.maxBacklog) reasons.push(`${s.maxPending} operations held back > ${options.maxBacklog}`);
  if (s.maxBacklog > options.maxBacklog) reasons.push(`subscription backlog ${s.maxBacklog} > ${options.maxBacklog}`);
  if (s.errorCount - s.conflicts > 0) reasons.push(`${s.errorCount - s.conflicts} errors`);
  reasons.push(...(s.saturation ?? []));
  return {
    rate,
    throughput: s.throughput,
    p99Ms: p99.p99Ms,
    p99Label: p99.label,
    samples,
    unsent: s.unsent,
    maxPending: s.maxPending,
    maxBacklog: s.maxBacklog,
    errorCount: s.errorCount,
    sustainable: reasons.length === 0,
    why: reasons.length === 0 ? 'within limits' : reasons.join('; '),
  };
}

export async function searchOnce(target: BenchTarget, workload: Workload, options: MaxRateOptions, runId: string): Promise<MaxRateSearch | string> {
  const steps: SearchStep[] = [];
  const outcomes = new Map<number, RunOutcome>();
  const ceiling = options.ceilingRate ?? 1_000_000;
  const attempt = async (rate: number, n: number): Promise<SearchStep | string> => {
    const outcome = await runRateStep(target, workload, rate, `${runId}-r${Math.round(rate)}${n > 1 ? `-try${n}` : ''}`, options);
    if (outcome.status === 'skipped') return outcome.reason;
    outcomes.set(rate, outcome);
    const step = { ...judgeStep(rate, outcome, options), ...(n > 1 ? { attempt: n } : {}) };
    steps.push(step);
    options.onStep?.(step);
    return step;
  };
  // A failed step is tried once more before the search believes it (retryFailedSteps, see MaxRateOptions).
  const tryRate = async (rate: number): Promise<SearchStep | string> => {
    const first = await attempt(rate, 1);
    if (typeof first === 'string' || first.sustainable || !options.retryFailedSteps) return first;
    return attempt(rate, 2);
  };

  let good: number | undefined;
  let bad: number | undefined;
  let rate = Math.min(workload.rate, ceiling);
  // Find a bracket: double while sustainable, halve while not.
  for (let i = 0; i < 12; i++) {
    const step = await tryRate(rate);
    if (typeof step === 'string') return step;
    if (step.sustainable) {
      good = rate;
      if (bad !== undefined || rate >= ceiling) break;
      rate = Math.min(rate * 2, ceiling);
    } else {
      bad = rate;
      if (good !== undefined) break;
      rate = round(rate / 2, 1);
      if (rate < 1) break;
    }
  }
  // Bisect.
  for (let i = 0; i < (options.refineSteps ?? 3) && good !== undefined && bad !== undefined && bad / good > 1.1; i++) {
    const mid = Math.round((good + bad) / 2);
    const step = await tryRate(mid);
    if (typeof step === 'string') break;
    if (step.sustainable) good = mid;
    else bad = mid;
  }
  const bestRate = good ?? Math.min(...outcomes.keys());
  return { steps, maxSustainableRate: good ?? null, best: outcomes.get(bestRate) };
}

export async function searchMaxRate(target: BenchTarget, workload: Workload, options: MaxRateOptions): Promise<MaxRateResult> {
  const repeats: MaxRateSearch[] = [];
  const cold = await warmUpTarget(target, workload, options.runId, options);
  if (cold) return { steps: [], maxSustainableRate: null, best: undefined, repeats, spread: null, skipped: cold.reason };
  for (let r = 0; r < (options.repeats ?? 1); r++) {
    const search = await searchOnce(target, workload, options, `${options.runId}-s${r}`);
    if (typeof search === 'string') return { steps: [], maxSustainableRate: null, best: undefined, repeats, spread: null, skipped: search };
    repeats.push(search);
  }
  const found = repeats.filter((s) => s.maxSustainableRate !== null);
  const spread = found.length ? spreadOf(repeats.map((s) => s.maxSustainableRate ?? 0)) : null;
  // The repeat closest to the median stands for the search (its steps and its best run).
  const median = spread?.median ?? null;
  const representative = median === null ? repeats[0]! : [...found].sort((a, b) => Math.abs(a.maxSustainableRate! - median) - Math.abs(b.maxSustainableRate! - median))[0]!;
  return { ...representative, maxSustainableRate: median, repeats, spread };
}
