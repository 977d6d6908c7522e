/**
 * The highest open-loop rate a target sustains: the rate whose p99 (corrected) and backlog stay within
 * the limits given on the command line, and whose achieved throughput keeps up with the schedule.
 * Doubles from the workload's rate until a step fails, then bisects between the last good and the
 * first bad rate. Each step is a short, complete open-loop run (with its own warm-up).
 */
import type { BenchTarget } from '../adapters/target.ts';
import type { SearchStep } from '../report/results.ts';
import { round } from './recorder.ts';
import { runWorkload, type RunOptions, type RunOutcome } from './runner.ts';
import { withOverrides, type Workload } from './workload.ts';

export interface MaxRateOptions {
  maxP99Ms: number;
  /** Most operations held back by the in-flight bound, and most subscription backlog, at any time. */
  maxBacklog: number;
  stepSeconds: number;
  warmupSeconds: number;
  /** Bisection steps after the first failure. */
  refineSteps?: number;
  /** Never try more than this rate. */
  ceilingRate?: number;
  runId: string;
  onStep?: (step: SearchStep) => void;
  progress?: RunOptions['onProgress'];
}

export interface MaxRateResult {
  steps: SearchStep[];
  maxSustainableRate: number | null;
  /** The run at the highest sustainable rate (or the lowest rate tried, if none was sustainable). */
  best: RunOutcome | undefined;
  skipped?: string;
}

/** Sustainable: p99 and backlog within limits, nothing unsent, no errors other than conflicts, and keeping up. */
export function judgeStep(rate: number, outcome: RunOutcome, options: Pick<MaxRateOptions, 'maxP99Ms' | 'maxBacklog'>): SearchStep {
  const s = outcome.summary;
  const reasons: string[] = [];
  if (s.p99Ms > options.maxP99Ms) reasons.push(`p99 ${s.p99Ms} ms > ${options.maxP99Ms} ms`);
  if (s.maxPending > options.maxBacklog) reasons.push(`${s.maxPending} operations held back > ${options.maxBacklog}`);
  if (s.maxBacklog > options.maxBacklog) reasons.push(`subscription backlog ${s.maxBacklog} > ${options.maxBacklog}`);
  if (s.unsent > 0) reasons.push(`${s.unsent} unsent`);
  if (s.errorCount - s.conflicts > 0) reasons.push(`${s.errorCount - s.conflicts} errors`);
  // Conflicts are answers, not failures; count them as completed work when judging "keeps up".
  const completed = s.throughput + (s.conflicts / Math.max(s.measuredSeconds, 1e-9));
  if (completed < 0.95 * rate) reasons.push(`completed ${round(completed, 1)}/s < 95 % of ${rate}/s`);
  return {
    rate,
    throughput: s.throughput,
    p99Ms: s.p99Ms,
    unsent: s.unsent,
    maxPending: s.maxPending,
    maxBacklog: s.maxBacklog,
    errorCount: s.errorCount,
    sustainable: reasons.length === 0,
    why: reasons.length === 0 ? 'within limits' : reasons.join('; '),
  };
}

export async function searchMaxRate(target: BenchTarget, workload: Workload, options: MaxRateOptions): Promise<MaxRateResult> {
  const steps: SearchStep[] = [];
  const outcomes = new Map<number, RunOutcome>();
  const ceiling = options.ceilingRate ?? 1_000_000;
  const tryRate = async (rate: number): Promise<SearchStep | string> => {
    const stepWorkload = withOverrides(workload, {
      rate,
      durationSeconds: options.stepSeconds + options.warmupSeconds,
      warmupSeconds: options.warmupSeconds,
    });
    const outcome = await runWorkload(target, stepWorkload, {
      mode: 'open',
      runId: `${options.runId}-r${Math.round(rate)}`,
      onProgress: options.progress,
    });
    if (outcome.status === 'skipped') return outcome.reason;
    outcomes.set(rate, outcome);
    const step = judgeStep(rate, outcome, options);
    steps.push(step);
    options.onStep?.(step);
    return step;
  };

  let good: number | undefined;
  let bad: number | undefined;
  let rate = Math.min(workload.rate, ceiling);
  // Find a bracket: double while sustainable, halve while not.
  for (let i = 0; i < 12; i++) {
    const step = await tryRate(rate);
    if (typeof step === 'string') return { steps, maxSustainableRate: null, best: undefined, skipped: step };
    if (step.sustainable) {
      good = rate;
      if (bad !== undefined || rate >= ceiling) break;
      rate = Math.min(rate * 2, ceiling);
    } else {
      bad = rate;
      if (good !== undefined) break;
      rate = rate / 2;
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
