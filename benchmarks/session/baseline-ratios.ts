/**
 * Store runs get their ratio to the raw baselines of the same server, workload, mode and path: the
 * plain one (`baseline`) and the one with the store's write guarantee (`guaranteeBaseline`). No ratio
 * when either run saturated: a saturated run's throughput is what it achieved while falling behind,
 * and dividing it by anything reads as a capacity it is not. The ratio of throughput is meaningful in
 * closed-loop, max-rate and sweep runs; at a fixed open-loop rate both keep up and the ratio of p99 says more.
 */
import { round } from '../harness/histograms.ts';
import type { RunRecord, Spread } from '../results-file/schema.ts';

export function attachBaselineRatios(runs: RunRecord[], serverOf: (backend: string) => string): void {
  for (const run of runs) {
    if (run.kind !== 'store' || run.status !== 'ok' || !run.summary || run.summary.saturated) continue;
    const s = run.summary;
    const raws = runs.filter(
      (r) => r.kind === 'raw' && r.status === 'ok' && r.summary && !r.summary.saturated && serverOf(r.backend) === serverOf(run.backend) && r.workload === run.workload && r.mode === run.mode && r.via === run.via,
    );
    // A sweep compares capacities: the highest offered rates that did not saturate (medians).
    const capacity = (r: RunRecord) => (r.sweep ? (r.sweep.highestUnsaturatedRate?.median ?? 0) : r.summary!.throughput);
    const ratio = (raw: RunRecord | undefined) => {
      if (!raw?.summary) return null;
      const overlap = rangesOverlap(repeatRangeOf(run), repeatRangeOf(raw));
      return {
        label: raw.target,
        throughputRatio: round(capacity(run) / Math.max(capacity(raw), 1e-9), 3),
        p99Ratio: round(s.p99Ms / Math.max(raw.summary.p99Ms, 1e-9), 3),
        ...(overlap === undefined ? {} : { rangesOverlap: overlap }),
      };
    };
    s.baseline = ratio(raws.find((r) => r.rawGuarantee !== 'same-as-store'));
    s.guaranteeBaseline = ratio(raws.find((r) => r.rawGuarantee === 'same-as-store'));
  }
}

/** A sweep's headline or a search's result over its repeats (undefined for a single run). */
function repeatRangeOf(r: RunRecord): Spread | undefined {
  return r.sweep ? (r.sweep.highestUnsaturatedRate ?? undefined) : (r.search?.spread ?? undefined);
}

/**
 * Whether two ranges over repeats overlap: then the ratio of their medians is not a difference the run
 * shows. A sweep's ladder doubles, so one rung apart is already 2x: seen on a quiet machine, the
 * PostgreSQL store at 3,200/s (1,600-3,200) against the raw driver at 1,600/s read "2x capacity".
 */
export function rangesOverlap(a: Spread | undefined, b: Spread | undefined): boolean | undefined {
  if (!a || !b) return undefined;
  return a.min <= b.max && b.min <= a.max;
}
