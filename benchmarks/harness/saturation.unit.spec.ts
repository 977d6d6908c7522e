/**
 * The two rules every figure passes through: when a run saturated, and when a percentile means
 * something. Checked on numbers, and on real runs of a synthetic backend on a virtual clock (so the
 * counts are exact).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { stallOnceTarget } from '../targets/stall-once-target.ts';
import { parseWorkload } from '../workloads/workload.ts';
import { VirtualClock } from './clock.ts';
import { runWorkload, type RunOutcome } from './run-workload.ts';
import { percentileLabel, percentileSupported, samplesNeededFor, tooFewSamplesFor } from './sample-count.ts';
import { DEFAULT_SATURATION_RULE, saturationReasons, type SaturationInput } from './saturation.ts';

const kept: SaturationInput = { mode: 'open', targetRate: 100, throughput: 100, conflicts: 0, measuredSeconds: 10, unsent: 0, sendDelay: { p50Ms: 0.1, p99Ms: 1, maxMs: 3 } };

void describe('saturation rule', () => {
  void test('a run that kept up is not saturated', () => {
    assert.deepEqual(saturationReasons(kept), []);
    assert.deepEqual(saturationReasons({ ...kept, throughput: 95 }), [], '95 % of the offered rate is the bound, inclusive');
  });

  void test('each condition alone saturates, and says why', () => {
    assert.match(saturationReasons({ ...kept, unsent: 1 }).join(), /1 operation never sent/);
    assert.match(saturationReasons({ ...kept, throughput: 94.9 }).join(), /achieved 94\.9\/s < 95 % of 100\/s/);
    assert.match(saturationReasons({ ...kept, sendDelay: { ...kept.sendDelay, p99Ms: 20.5 } }).join(), /send delay p99 20\.5 ms > 20 ms/);
    assert.equal(saturationReasons({ ...kept, unsent: 3, throughput: 10, sendDelay: { ...kept.sendDelay, p99Ms: 900 } }).length, 3);
  });

  void test('conflicts are answers: a contended run that answered every operation kept up', () => {
    assert.deepEqual(saturationReasons({ ...kept, throughput: 40, conflicts: 600 }), []);
  });

  void test('the bound is a stated parameter; a closed loop is never saturated', () => {
    assert.deepEqual(saturationReasons({ ...kept, sendDelay: { ...kept.sendDelay, p99Ms: 30 } }, { ...DEFAULT_SATURATION_RULE, maxSendDelayP99Ms: 50 }), []);
    assert.deepEqual(saturationReasons({ ...kept, mode: 'closed', targetRate: null, throughput: 1 }), []);
  });
});

void describe('sample-count rule', () => {
  void test('a percentile needs 100 samples beyond it', () => {
    assert.equal(samplesNeededFor(50), 200);
    assert.equal(samplesNeededFor(99), 10_000);
    assert.equal(samplesNeededFor(99.9), 100_000);
    assert.ok(percentileSupported(10_000, 99));
    assert.ok(!percentileSupported(9_999, 99));
    assert.deepEqual(tooFewSamplesFor(800), ['p90', 'p99', 'p99.9', 'p99.99']);
    assert.deepEqual(tooFewSamplesFor(10_000), ['p99.9', 'p99.99']);
    assert.equal(percentileLabel('p99', 800, tooFewSamplesFor(800)), 'max of 800 samples');
    assert.equal(percentileLabel('p50', 800, tooFewSamplesFor(800)), 'p50');
  });
});

/** Serves one operation at a time in `serviceMs`: a backend whose capacity is 1000 / serviceMs per second. */
async function run(rate: number, seconds: number, serviceMs: number, stall?: { atMs: number; ms: number }): Promise<RunOutcome> {
  const clock = new VirtualClock();
  const target = stallOnceTarget({ clock, serviceMs, stallAtMs: stall?.atMs, stallMs: stall?.ms ?? 0 });
  const workload = parseWorkload({ name: 'capacity', description: 'appends', mix: { append: 1 }, rate, durationSeconds: seconds + 1, warmupSeconds: 1, streams: 1, eventsPerAppend: 1, eventSizeBytes: 10, maxInFlight: 16 });
  const outcome = await clock.run(runWorkload(target, workload, { mode: 'open', clock, runId: `cap-${rate}` }));
  assert.equal(outcome.status, 'ok');
  return outcome as RunOutcome;
}

void describe('saturation and sample counts in real runs (virtual clock)', () => {
  void test('below capacity: kept up, and only the percentiles its samples support are given as such', async () => {
    const { summary } = await run(100, 8, 5); // capacity 200/s
    assert.equal(summary.samples, 800);
    assert.equal(summary.saturated, false, summary.saturation?.join());
    assert.deepEqual(summary.tooFewSamplesFor, ['p90', 'p99', 'p99.9', 'p99.99']);
    assert.equal(summary.p99Ms, summary.maxMs, 'the "p99" of 800 samples is their max, and is given as such');
    assert.equal(summary.throughput, 100);
  });

  void test('above capacity: saturated, with the reasons', async () => {
    const { summary } = await run(400, 4, 5); // capacity 200/s
    assert.equal(summary.saturated, true);
    assert.match(summary.saturation!.join(), /never sent/);
    assert.match(summary.saturation!.join(), /send delay p99/);
    assert.ok(summary.throughput <= 200, `achieved ${summary.throughput}/s cannot exceed the capacity`);
  });

  void test("throughput counts only operations intended after the warm-up, not the warm-up's backlog", async () => {
    // A slow start: nothing completes until 1.5 s, then the backlog (100 warm-up operations among it) clears at once.
    const { summary } = await run(100, 4, 0.1, { atMs: 0, ms: 1500 });
    assert.equal(summary.operations, 400);
    assert.ok(Math.abs(summary.throughput - 100) < 1, `100/s offered, 100/s counted (the warm-up's 100 would make it 125), got ${summary.throughput}`);
    assert.equal(summary.saturated, true, 'the operations intended during the stall started ~0.5 s late');
  });
});
