/** Ratios to the raw baselines: against the plain one and the same-guarantee one, never for a saturated run. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { RunRecord, RunSummary } from '../results-file/schema.ts';
import { attachBaselineRatios, rangesOverlap } from './baseline-ratios.ts';

const summary = (over: Partial<RunSummary> = {}): RunSummary => ({
  mode: 'closed', targetRate: null, concurrency: 8, maxInFlight: null, durationSeconds: 6, warmupSeconds: 1, measuredSeconds: 5,
  operations: 1000, throughput: 200, eventsPerSecond: 200, p50Ms: 2, p90Ms: 4, p99Ms: 10, p999Ms: 12, p9999Ms: 12, maxMs: 12, meanMs: 2.5,
  service: { p50Ms: 2, p99Ms: 8, maxMs: 11 }, sendDelay: { p50Ms: 0, p99Ms: 0, maxMs: 0 },
  errors: {}, errorCount: 0, conflicts: 0, conflictRate: 0, unsent: 0, maxPending: 0, lag: null, maxBacklog: 0, drain: null,
  processCpuPercent: 30, saturated: false, saturation: [], baseline: null, ...over,
});
const run = (over: Partial<RunRecord>): RunRecord => ({ id: 'x', backend: 'kafka', target: 'kafka', kind: 'store', via: 'direct', workload: 'append-single', mode: 'closed', status: 'ok', notes: [], summary: summary(), ...over });

void describe('ratios to raw', () => {
  void test('computed against the plain and the same-guarantee baselines', () => {
    const store = run({ summary: summary({ throughput: 200 }) });
    const plain = run({ kind: 'raw', target: 'kafka (raw)', rawGuarantee: 'none', summary: summary({ throughput: 800, p99Ms: 5 }) });
    const tx = run({ kind: 'raw', target: 'kafka (raw, tx)', rawGuarantee: 'same-as-store', summary: summary({ throughput: 100 }) });
    attachBaselineRatios([store, plain, tx], (b) => b);
    assert.deepEqual(store.summary!.baseline, { label: 'kafka (raw)', throughputRatio: 0.25, p99Ratio: 2 });
    assert.equal(store.summary!.guaranteeBaseline?.throughputRatio, 2);
  });

  void test('none when the store or the raw run saturated: an achieved-while-saturated rate is not a capacity', () => {
    const saturatedRaw = run({ kind: 'raw', target: 'kafka (raw)', summary: summary({ throughput: 800, saturated: true }) });
    const store = run({});
    attachBaselineRatios([store, saturatedRaw], (b) => b);
    assert.equal(store.summary!.baseline, null);
    const saturatedStore = run({ summary: summary({ throughput: 459, saturated: true }) });
    attachBaselineRatios([saturatedStore, run({ kind: 'raw', target: 'kafka (raw)' })], (b) => b);
    assert.equal(saturatedStore.summary!.baseline, null);
  });

  void test('a sweep compares the highest unsaturated rates', () => {
    const sweep = (median: number) => ({ rates: [], repeats: 3, minSamples: 1, stepSeconds: 1, saturationRule: { minAchievedShare: 0.95, maxSendDelayP99Ms: 20 }, steps: [], highestUnsaturatedRate: { median, min: median, max: median } });
    const store = run({ mode: 'sweep', sweep: sweep(200) });
    attachBaselineRatios([store, run({ kind: 'raw', target: 'kafka (raw)', mode: 'sweep', sweep: sweep(800) })], (b) => b);
    assert.equal(store.summary!.baseline?.throughputRatio, 0.25);
    assert.equal(store.summary!.baseline?.rangesOverlap, false);
  });

  void test('a sweep whose ranges overlap the baseline\'s is a tie, whatever the medians say', () => {
    const sweep = (median: number, min: number, max: number) => ({ rates: [], repeats: 3, minSamples: 1, stepSeconds: 1, saturationRule: { minAchievedShare: 0.95, maxSendDelayP99Ms: 20 }, steps: [], highestUnsaturatedRate: { median, min, max } });
    // Seen on a quiet machine: the store 3,200 (1,600-3,200), the raw driver 1,600 (1,600-1,600).
    const store = run({ mode: 'sweep', sweep: sweep(3200, 1600, 3200) });
    attachBaselineRatios([store, run({ kind: 'raw', target: 'postgres (raw pg)', mode: 'sweep', sweep: sweep(1600, 1600, 1600) })], (b) => b);
    assert.equal(store.summary!.baseline?.throughputRatio, 2);
    assert.equal(store.summary!.baseline?.rangesOverlap, true);
    assert.equal(rangesOverlap({ median: 400, min: 200, max: 400 }, { median: 800, min: 800, max: 800 }), false);
    assert.equal(rangesOverlap(undefined, { median: 800, min: 800, max: 800 }), undefined);
  });
});
