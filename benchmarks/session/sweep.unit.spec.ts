/**
 * The sweep and the repeated max-rate search on a virtual clock, against a synthetic backend of known
 * capacity (one operation at a time, 5 ms each: 200/s): which steps saturate, how long a step runs for
 * its samples, medians and spreads over repeats; and the busy-machine verdict.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { VirtualClock } from '../harness/clock.ts';
import { stallOnceTarget } from '../targets/stall-once-target.ts';
import { parseWorkload } from '../workloads/workload.ts';
import { judgeMachineLoad, parseProcStat } from './machine-load.ts';
import { searchMaxRate } from './max-rate.ts';
import { spreadOf, stepSeconds } from './rate-step.ts';
import { aggregateStep, highestUnsaturatedRate, runSweep } from './sweep.ts';
import type { SweepRepeat } from '../results-file/schema.ts';

const workload = parseWorkload({ name: 'capacity', description: 'appends', mix: { append: 1 }, rate: 50, durationSeconds: 5, warmupSeconds: 1, streams: 1, eventsPerAppend: 1, eventSizeBytes: 10, maxInFlight: 16 });
const step = { stepSeconds: 1, warmupSeconds: 0.5, minSamples: 300, maxStepSeconds: 4 };

void describe('rate sweep (virtual clock)', () => {
  void test('steps below capacity keep up, steps above saturate; the ladder stops one step past the bend', async () => {
    const clock = new VirtualClock();
    const target = stallOnceTarget({ clock, serviceMs: 5, stallMs: 0 });
    const seen: number[] = [];
    const result = await clock.run(runSweep(target, workload, { ...step, clock, rates: [50, 100, 150, 400, 800, 1600], repeats: 3, runId: 'sweep', onStep: (s) => seen.push(s.offeredRate) }));
    const steps = result.sweep.steps;
    assert.deepEqual(seen, [50, 100, 150, 400, 800], '1600 is not tried: 400 and 800 already saturated');
    assert.deepEqual(steps.map((s) => s.saturated), [false, false, false, true, true]);
    for (const s of steps) {
      assert.equal(s.repeats.length, 3);
      assert.equal(s.samples, Math.round(stepSeconds(s.offeredRate, step) * s.offeredRate), `${s.offeredRate}/s ran for its samples`);
      assert.ok(s.spread.p99Ms.min <= s.p99Ms && s.p99Ms <= s.spread.p99Ms.max);
    }
    assert.equal(steps[0]!.samples, 200, '50/s: 300 samples would take 6 s; the 4 s limit wins');
    assert.equal(steps[2]!.samples, 300, '150/s: 2 s for 300 samples, above the 1 s minimum');
    assert.ok(steps[0]!.tooFewSamplesFor.includes('p99'), 'and its p99 is flagged as the max of 200 samples');
    assert.ok(steps[3]!.achievedRate <= 200.5 && steps[3]!.unsent > 0);
    assert.deepEqual(result.sweep.highestUnsaturatedRate, { median: 150, min: 150, max: 150 });
    assert.equal(result.representative?.summary.targetRate, 150, 'the summary is the highest unsaturated step');
  });

  void test('a step is saturated when most of its repeats are; the headline is each repeat\'s highest unsaturated rate', () => {
    const repeat = (saturated: boolean, p99Ms: number): SweepRepeat => ({ achievedRate: 100, p50Ms: 1, p99Ms, p999Ms: p99Ms, sendDelayP99Ms: 0.1, samples: 500, unsent: 0, errorCount: 0, saturated, saturation: [], tooFewSamplesFor: ['p99'] });
    const a = aggregateStep(100, [repeat(false, 3), repeat(false, 9), repeat(true, 5)]);
    const b = aggregateStep(200, [repeat(true, 30), repeat(false, 10), repeat(true, 50)]);
    assert.equal(a.saturated, false);
    assert.equal(b.saturated, true);
    assert.deepEqual(a.spread.p99Ms, { median: 5, min: 3, max: 9 });
    // Repeats' highest unsaturated rates: 100, 200, 0 (the third saturated at both).
    assert.deepEqual(highestUnsaturatedRate([a, b], 3), { median: 100, min: 0, max: 200 });
    assert.equal(highestUnsaturatedRate([b], 3)?.median, 0);
    assert.equal(highestUnsaturatedRate([aggregateStep(50, [repeat(true, 1)])], 1), null);
    assert.deepEqual(spreadOf([4, 1, 3, 2]), { median: 2.5, min: 1, max: 4 });
  });
});

void describe('max-rate search, repeated (virtual clock)', () => {
  void test('three searches of the same backend agree, and the result is their median', async () => {
    const clock = new VirtualClock();
    const target = stallOnceTarget({ clock, serviceMs: 5, stallMs: 0 });
    const result = await clock.run(searchMaxRate(target, workload, { ...step, clock, maxP99Ms: 50, maxBacklog: 1000, repeats: 3, runId: 'max' }));
    assert.equal(result.repeats.length, 3);
    const rates = result.repeats.map((r) => r.maxSustainableRate);
    assert.ok(rates.every((r) => r !== null && r >= 150 && r <= 200), `each search finds ~150-200/s of a 200/s backend: ${rates.join(', ')}`);
    assert.equal(result.maxSustainableRate, result.spread?.median);
    for (const s of result.steps) if (s.sustainable) assert.ok(s.rate <= 200);
  });
});

void describe('busy machine', () => {
  void test('busy when the load average exceeds the cores or the CPU steal exceeds 5 %', () => {
    const quiet = judgeMachineLoad({ cores: 2, loadBefore: [0.5, 0.4, 0.3], loadAfter: [1.2, 0.6, 0.4], maxLoad1: 1.9, stealPercent: 0.4 });
    assert.equal(quiet.busy, false);
    assert.equal(quiet.why, null);
    const loaded = judgeMachineLoad({ cores: 2, loadBefore: [5.7, 3, 2], loadAfter: [6.7, 4, 2], maxLoad1: 6.7, stealPercent: 0 });
    assert.equal(loaded.busy, true);
    assert.match(loaded.why!, /load average 6\.7 > 2 cores/);
    assert.match(judgeMachineLoad({ cores: 2, loadBefore: [1], loadAfter: [1], maxLoad1: 1, stealPercent: 12.5 }).why!, /CPU steal 12\.5 %/);
  });

  void test('CPU steal is read from /proc/stat', () => {
    assert.deepEqual(parseProcStat('cpu  100 0 50 800 10 0 5 35 0 0\ncpu0 1 2 3\n'), { total: 1000, steal: 35 });
    assert.equal(parseProcStat('intr 1 2 3\n'), null);
  });
});
