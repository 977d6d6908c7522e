/**
 * The sweep and the repeated max-rate search on a virtual clock, against a synthetic backend of known
 * capacity (one operation at a time, 5 ms each: 200/s): which steps saturate, how long a step runs for
 * its samples, medians and spreads over repeats (the busy-machine verdict: machine-load.unit.spec.ts).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { VirtualClock } from '../harness/clock.ts';
import { stallOnceTarget } from '../targets/stall-once-target.ts';
import { parseWorkload } from '../workloads/workload.ts';
import { judgeStep, searchMaxRate } from './max-rate.ts';
import { runRateStep, spreadOf, stepSeconds } from './rate-step.ts';
import { withOverrides } from '../workloads/workload.ts';
import { aggregateStep, highestUnsaturatedRate, representativeOf, runSweep } from './sweep.ts';
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

  void test('the summary of an unsaturated step comes from a repeat that kept up', () => {
    const run = (p99Ms: number, saturated: boolean) => ({ id: `${p99Ms}${saturated ? ' saturated' : ''}`, summary: { p99Ms, saturated } });
    // Median p99 of all three is the saturated repeat (34 ms); of the two that kept up, the lower middle.
    assert.equal(representativeOf([run(20, false), run(34, true), run(40, false)])?.id, '20');
    assert.equal(representativeOf([run(5, false), run(7, false), run(9, false)])?.id, '7');
    assert.equal(representativeOf([run(50, true), run(90, true)])?.id, '50 saturated', 'all saturated: the lower middle of all');
    assert.equal(representativeOf([]), undefined);
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

  void test('a step with too few samples for a p99 is judged on its p99, not on its maximum', async () => {
    // 1,600 samples at 400/s; one 60 ms stall delays a handful of them past 50 ms. Their maximum is over the
    // limit, their p99 (16 values beyond it) is not: judging the max would fail short steps for one stall
    // that a 10,000-sample step shrugs off (seen on dynalite: 125/s failed on a 53 ms max, 500/s had a 57 ms p99).
    const clock = new VirtualClock();
    const target = stallOnceTarget({ clock, serviceMs: 1, stallAtOperation: 600, stallMs: 60 }); // after the step's 0.5 s warm-up
    const options = { stepSeconds: 4, warmupSeconds: 0.5, minSamples: 300, maxStepSeconds: 4, clock };
    const outcome = await clock.run(runRateStep(target, withOverrides(workload, { rate: 400 }), 400, 'short', options));
    assert.equal(outcome.status, 'ok');
    if (outcome.status !== 'ok') return;
    assert.equal(outcome.summary.samples, 1600);
    assert.ok(outcome.summary.maxMs > 50, `the stall shows in the max: ${outcome.summary.maxMs}`);
    const judged = judgeStep(400, outcome, { maxP99Ms: 50, maxBacklog: 1000 });
    assert.equal(judged.sustainable, true, judged.why);
    assert.ok(judged.p99Ms < 50, `judged on the p99 (${judged.p99Ms} ms), not the max (${outcome.summary.maxMs} ms)`);
    assert.equal(judged.p99Label, 'p99 of 1600 samples (16 beyond it)');
    const strict = judgeStep(400, outcome, { maxP99Ms: judged.p99Ms / 2, maxBacklog: 1000 });
    assert.match(strict.why, /^p99 of 1600 samples \(16 beyond it\) [\d.]+ ms > /);
  });

  void test('the target is warmed up before the first step: a cold start does not decide the search', async () => {
    // A server whose first operation takes 1 s (a JIT, a cold cache): the first step at 400/s drowns in it.
    const search = async (serverWarmupSeconds: number) => {
      const clock = new VirtualClock();
      const target = stallOnceTarget({ clock, serviceMs: 1, stallAtOperation: 0, stallMs: 1000 });
      const options = { stepSeconds: 2, warmupSeconds: 0.5, minSamples: 300, maxStepSeconds: 2, serverWarmupSeconds, clock };
      return clock.run(searchMaxRate(target, withOverrides(workload, { rate: 400 }), { ...options, maxP99Ms: 50, maxBacklog: 1000, repeats: 1, ceilingRate: 400, runId: 'cold' }));
    };
    const cold = await search(0);
    assert.equal(cold.repeats[0]!.steps[0]!.sustainable, false, 'without a warm-up the cold start fails the first step');
    const warm = await search(1);
    assert.equal(warm.repeats[0]!.steps[0]!.sustainable, true, warm.repeats[0]!.steps[0]!.why);
    assert.equal(warm.maxSustainableRate, 400);
  });

  void test('a failed step is tried once more: a lone stall does not halve the result, overload still fails', async () => {
    // 1,000/s of capacity; one 1 s stall in the 200/s step (it starts at 2.5 s, measures from 3 s).
    const stalled = async (retryFailedSteps: boolean) => {
      const clock = new VirtualClock();
      const target = stallOnceTarget({ clock, serviceMs: 1, stallAtMs: 3500, stallMs: 1000 });
      const options = { stepSeconds: 2, warmupSeconds: 0.5, minSamples: 300, maxStepSeconds: 2, clock };
      return clock.run(searchMaxRate(target, withOverrides(workload, { rate: 100 }), { ...options, maxP99Ms: 50, maxBacklog: 1000, repeats: 1, ceilingRate: 400, retryFailedSteps, runId: 'stall' }));
    };
    const believed = await stalled(false);
    assert.ok(believed.maxSustainableRate! < 200, `without a retry the stall decides: ${believed.maxSustainableRate}`);
    const retried = await stalled(true);
    assert.equal(retried.maxSustainableRate, 400, retried.steps.map((s) => `${s.rate}${s.attempt ? ` try ${s.attempt}` : ''}: ${s.why}`).join('\n'));
    const at200 = retried.steps.filter((s) => s.rate === 200);
    assert.deepEqual(at200.map((s) => [s.sustainable, s.attempt]), [[false, undefined], [true, 2]], 'both tries are kept');

    // A 200/s backend: every rate above it fails both tries.
    const clock = new VirtualClock();
    const capacity = stallOnceTarget({ clock, serviceMs: 5, stallMs: 0 });
    const overloaded = await clock.run(searchMaxRate(capacity, workload, { ...step, clock, maxP99Ms: 50, maxBacklog: 1000, repeats: 1, retryFailedSteps: true, runId: 'over' }));
    assert.ok(overloaded.maxSustainableRate! <= 200, `retries do not lift a rate past capacity: ${overloaded.maxSustainableRate}`);
    for (const s of overloaded.steps.filter((x) => x.attempt === 2)) assert.equal(s.sustainable, false, `${s.rate}/s passed its second try`);
    assert.ok(overloaded.steps.some((x) => x.attempt === 2), 'failed steps were tried again');
  });
});
