/**
 * What every table says about a run (terminal, Markdown, HTML all use these rows): a saturated run is
 * labelled and gets no ratio, a thin percentile reads "max of N samples", an emulator is named in the
 * target's cell, a busy machine is in the notes.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ResultsFile, RunRecord, RunSummary } from './schema.ts';
import { summaryRow } from './summary-rows.ts';

const summary = (over: Partial<RunSummary> = {}): RunSummary => ({
  mode: 'open', targetRate: 500, concurrency: null, maxInFlight: 64, durationSeconds: 6, warmupSeconds: 1, measuredSeconds: 5,
  operations: 2500, throughput: 500, eventsPerSecond: 500, p50Ms: 2, p90Ms: 4, p99Ms: 9, p999Ms: 12, p9999Ms: 12, maxMs: 12, meanMs: 2.5,
  samples: 2500, tooFewSamplesFor: ['p99', 'p99.9', 'p99.99'], service: { p50Ms: 2, p99Ms: 8, maxMs: 11 }, sendDelay: { p50Ms: 0.1, p99Ms: 1, maxMs: 2 },
  errors: {}, errorCount: 0, conflicts: 0, conflictRate: 0, unsent: 0, maxPending: 0, lag: null, maxBacklog: 0, drain: null, subscribers: null,
  processCpuPercent: 30, saturated: false, saturation: [], baseline: null, ...over,
});

const run = (over: Partial<RunRecord>): RunRecord => ({ id: 'x', backend: 'kafka', target: 'kafka', kind: 'store', via: 'direct', workload: 'append-single', mode: 'open', status: 'ok', notes: [], summary: summary(), ...over });

const results = (runs: RunRecord[]): ResultsFile => ({
  schemaVersion: 2, startedAt: 't', finishedAt: 't', command: [], workloads: [], runs,
  environment: {
    hostname: 'h', os: { type: 'Linux', release: '6', platform: 'linux', arch: 'x64' }, cpu: { model: 'c', cores: 2, speedMHz: 0 }, memoryBytes: 1, node: 'v20', loadAverage: [1, 1, 1], packages: {}, settings: {}, notes: [],
    backends: [{ name: 'dynamodb', description: 'dynalite 4.0.0 (in memory)', version: null, emulator: 'dynalite: an in-memory emulator of the DynamoDB API; its figures say nothing about AWS' }],
  },
});

void describe('summary rows', () => {
  void test('a saturated run says so in its ops/s cell and notes, and shows no ratio to raw', () => {
    const r = run({ summary: summary({ throughput: 459, saturated: true, saturation: ['592 operations never sent'], unsent: 592, baseline: { label: 'raw', throughputRatio: 0.915, p99Ratio: 3 } }) });
    const row = summaryRow(results([r]), r);
    assert.equal(row.opsPerSecond, '459 (achieved while saturated)');
    assert.equal(row.vsRaw, '');
    assert.match(row.notes[0]!, /^SATURATED: 592 operations never sent; no ratio to raw/);
  });

  void test('a ratio whose ranges overlap reads as a tie, not as the ratio of the medians', () => {
    const tie = run({ mode: 'sweep', summary: summary({ baseline: { label: 'raw', throughputRatio: 2, p99Ratio: 0.8, rangesOverlap: true }, guaranteeBaseline: { label: 'raw tx', throughputRatio: 0.5, p99Ratio: 1, rangesOverlap: false } }) });
    assert.equal(summaryRow(results([tie]), tie).vsRaw, 'capacity: tie (ranges overlap), 0.5× same guarantee');
  });

  void test('a percentile too few samples support reads "max of N samples", one they support reads as a number', () => {
    const row = summaryRow(results([run({})]), run({}));
    assert.equal(row.p50, '2');
    assert.equal(row.p99, '9 (max of 2,500 samples)');
    assert.equal(row.p999, '12 (max of 2,500 samples)');
  });

  void test("an emulator is named in the target's cell and the notes; a busy machine in the notes", () => {
    const r = run({ backend: 'dynamodb', target: 'dynamodb', machine: { cores: 2, loadBefore: [6], loadAfter: [7], maxLoad1: 7, stealPercent: 0, busy: true, why: 'load average 7 > 2 cores' } });
    const row = summaryRow(results([r]), r);
    assert.equal(row.target, 'dynamodb [emulator]');
    assert.ok(row.notes.some((n) => /^dynalite: an in-memory emulator/.test(n)));
    assert.ok(row.notes.some((n) => n === 'busy machine: load average 7 > 2 cores'));
  });

  void test('a sweep row gives the headline with its range; a busy max-rate search gives no verdict', () => {
    const sweep = { rates: [100, 200], repeats: 3, minSamples: 1, stepSeconds: 1, saturationRule: { minAchievedShare: 0.95, maxSendDelayP99Ms: 20 }, steps: [], highestUnsaturatedRate: { median: 200, min: 100, max: 400 } };
    assert.equal(summaryRow(results([]), run({ mode: 'sweep', sweep: { ...sweep, rates: [100, 200, 400] } })).rate, 'unsaturated up to 200 (100–400)');
    assert.equal(summaryRow(results([]), run({ mode: 'sweep', sweep })).rate, 'unsaturated up to ≥ 200 (100–400) (top of the ladder)');
    assert.equal(summaryRow(results([]), run({ mode: 'sweep', sweep: { ...sweep, highestUnsaturatedRate: { median: 0, min: 0, max: 50 } } })).rate, 'none in most repeats (range 0–50)');
    const search = { maxP99Ms: 50, maxBacklog: 1000, steps: [], maxSustainableRate: 400, verdict: 'busy-machine' as const };
    assert.equal(summaryRow(results([]), run({ mode: 'max-rate', search })).rate, 'no verdict (busy machine; 400)');
  });
});
