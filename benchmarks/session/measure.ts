/**
 * One run record: a target, a workload, a mode (open, closed, max-rate, sweep), with the machine's load
 * watched while it runs. A search or sweep on a busy machine says so instead of presenting a verdict.
 */
import type { RunRecord } from '../results-file/schema.ts';
import type { Progress, RunOutcome } from '../harness/run-workload.ts';
import { runWorkload } from '../harness/run-workload.ts';
import type { BenchTarget } from '../targets/target.ts';
import type { Workload } from '../workloads/workload.ts';
import { watchMachineLoad } from './machine-load.ts';
import { searchMaxRate, type MaxRateOptions } from './max-rate.ts';
import { stepSeconds, type StepOptions } from './rate-step.ts';
import { DEFAULT_SWEEP_RATES, runSweep, type SweepOptions } from './sweep.ts';

export type SessionMode = 'open' | 'closed' | 'max-rate' | 'sweep' | 'growth';
export type Via = 'direct' | 'http';

export type SearchSettings = Omit<MaxRateOptions, 'runId' | 'onStep' | 'progress'>;
export type SweepSettings = Omit<SweepOptions, 'runId' | 'onStep' | 'progress'>;

/**
 * Steps run until 10,000 operations were intended after the warm-up (what a p99 needs, sample-count.ts)
 * or 20 s, whichever comes first, and at least 5 s. The target first runs 10 s unjudged (warmUpTarget).
 */
const DEFAULT_STEP = { stepSeconds: 5, warmupSeconds: 1, minSamples: 10_000, maxStepSeconds: 20, serverWarmupSeconds: 10 };
export const DEFAULT_SEARCH: SearchSettings = { ...DEFAULT_STEP, maxP99Ms: 50, maxBacklog: 1000, repeats: 3, retryFailedSteps: true };
export const DEFAULT_SWEEP: SweepSettings = { ...DEFAULT_STEP, rates: DEFAULT_SWEEP_RATES, repeats: 3, extraSaturatedSteps: 1 };

export interface MeasureOptions {
  search?: Partial<SearchSettings>;
  sweep?: Partial<SweepSettings>;
  intervalMs?: number;
  log?: (line: string) => void;
  progress?: {
    begin(label: string, totalSeconds: number): void;
    update(progress: Progress): void;
    end(record: RunRecord): void;
  };
}

export async function measure(id: string, target: BenchTarget, workload: Workload, mode: SessionMode, via: Via, options: MeasureOptions, extra: Partial<RunRecord> = {}): Promise<RunRecord> {
  const base = { id, backend: target.backend, target: target.label, kind: target.kind, via, workload: workload.name, mode, ...extra } as const;
  const runId = `${id}-${target.kind}`;
  const log = options.log ?? (() => {});
  const search: SearchSettings = { ...DEFAULT_SEARCH, ...options.search };
  const sweep: SweepSettings = { ...DEFAULT_SWEEP, ...options.sweep };
  options.progress?.begin(`${target.label} · ${workload.name} · ${mode}`, expectedSeconds(workload, mode, search, sweep));
  const machine = watchMachineLoad();
  let record: RunRecord;
  try {
    if (mode === 'max-rate') {
      const result = await searchMaxRate(target, workload, {
        ...search,
        runId,
        progress: options.progress?.update,
        onStep: (s) => log(`  ${target.label} ${workload.name}: ${s.rate}/s${s.attempt ? ` (try ${s.attempt})` : ''} -> ${s.sustainable ? 'sustainable' : `not sustainable (${s.why})`}`),
      });
      if (result.skipped !== undefined || !result.best) {
        record = { ...base, status: 'skipped', reason: result.skipped ?? 'no step ran', notes: [] };
      } else {
        record = {
          ...base,
          ...outcomeFields(result.best),
          search: {
            maxP99Ms: search.maxP99Ms,
            maxBacklog: search.maxBacklog,
            steps: result.steps,
            maxSustainableRate: result.maxSustainableRate,
            repeats: result.repeats.map((r) => ({ maxSustainableRate: r.maxSustainableRate, steps: r.steps })),
            spread: result.spread,
            verdict: result.maxSustainableRate === null ? 'none-sustainable' : 'measured',
          },
        };
        if (result.maxSustainableRate === null) record.notes.push('no rate tried was sustainable: the summary is the lowest rate tried');
      }
    } else if (mode === 'sweep') {
      const result = await runSweep(target, workload, {
        ...sweep,
        runId,
        progress: options.progress?.update,
        onStep: (s) => log(`  ${target.label} ${workload.name}: ${s.offeredRate}/s offered -> ${s.achievedRate}/s, p99 ${s.p99Ms} ms${s.saturated ? ' SATURATED' : ''}`),
      });
      if (result.skipped !== undefined || !result.representative) {
        record = { ...base, status: 'skipped', reason: result.skipped ?? 'no step ran', notes: [] };
      } else {
        record = { ...base, ...outcomeFields(result.representative), sweep: result.sweep };
        if (result.sweep.highestUnsaturatedRate === null) record.notes.push('every offered rate saturated: the summary is the lowest rate tried');
      }
    } else if (mode === 'growth') {
      throw new Error("mode 'growth' is measured per backend (benchmarks/growth/session-growth.ts), not per workload");
    } else {
      const outcome = await runWorkload(target, workload, { mode, runId, intervalMs: options.intervalMs, onProgress: options.progress?.update });
      record = outcome.status === 'skipped' ? { ...base, status: 'skipped', reason: outcome.reason, notes: [] } : { ...base, ...outcomeFields(outcome) };
    }
  } catch (error) {
    record = { ...base, status: 'failed', reason: error instanceof Error ? error.message : String(error), notes: [] };
  }
  record.machine = machine.stop();
  if (record.machine.busy && record.status === 'ok') {
    record.notes.push(`the machine was busy during this run (${record.machine.why}): its figures may say more about the other work than about the target`);
    if (record.search) record.search.verdict = 'busy-machine';
  }
  options.progress?.end(record);
  return record;
}

function outcomeFields(outcome: RunOutcome): Pick<RunRecord, 'status' | 'summary' | 'histograms' | 'timeSeries' | 'notes'> {
  return { status: 'ok', summary: outcome.summary, histograms: outcome.histograms, timeSeries: outcome.timeSeries, notes: [...outcome.notes] };
}

/** For the progress bar: roughly how long the record takes. */
function expectedSeconds(workload: Workload, mode: SessionMode, search: SearchSettings, sweep: SweepSettings): number {
  const step = (o: StepOptions, rate: number) => stepSeconds(rate, o) + o.warmupSeconds;
  if (mode === 'max-rate') return Math.round(step(search, workload.rate) * 6 * (search.repeats ?? 1));
  if (mode === 'sweep') return Math.round(sweep.rates.reduce((sum, rate) => sum + step(sweep, rate), 0) * sweep.repeats);
  return workload.durationSeconds;
}
