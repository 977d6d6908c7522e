/** The schedule itself, on a virtual clock: intended times, the in-flight bound, send delay, unsent. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { VirtualClock } from './clock.ts';
import { runClosedLoop, runOpenLoop } from './scheduler.ts';
import type { Timing } from './recorder.ts';

function collect() {
  const timings: Timing[] = [];
  const pending: number[] = [];
  return {
    timings,
    pending,
    hooks: {
      onSuccess: (t: Timing) => timings.push(t),
      onError: () => assert.fail('no operation should fail'),
      onGauge: (_now: number, g: { pending: number }) => pending.push(g.pending),
    },
  };
}

void describe('open-loop schedule', () => {
  void test('operations start at their intended times when the backend keeps up', async () => {
    const clock = new VirtualClock();
    const { timings, hooks } = collect();
    const result = await clock.run(runOpenLoop(() => clock.sleep(3), { clock, rate: 200, durationMs: 1000, maxInFlight: 10, t0: 0 }, hooks));
    assert.equal(result.dispatched, 200);
    assert.equal(result.unsent, 0);
    timings.sort((a, b) => a.index - b.index);
    timings.forEach((t, i) => {
      assert.equal(t.intendedMs, i * 5, 'operation i is intended at i / rate');
      assert.equal(t.startMs, t.intendedMs, 'and starts on time: no send delay');
      assert.equal(t.endMs - t.startMs, 3);
    });
  });

  void test('the in-flight bound holds operations back: send delay grows and is reported, intended times do not move', async () => {
    const clock = new VirtualClock();
    const { timings, pending, hooks } = collect();
    // 100/s (10 ms apart), each takes 25 ms, at most 2 in flight: capacity 80/s, so the schedule slips.
    const result = await clock.run(runOpenLoop(() => clock.sleep(25), { clock, rate: 100, durationMs: 1000, maxInFlight: 2, t0: 0 }, hooks));
    timings.sort((a, b) => a.index - b.index);
    for (const t of timings) assert.equal(t.intendedMs, t.index * 10);
    const delays = timings.map((t) => t.startMs - t.intendedMs);
    assert.equal(delays[0], 0);
    assert.ok(delays.at(-1)! > 150, `the last operations start late, got ${delays.at(-1)} ms`);
    for (let i = 4; i < delays.length; i++) assert.ok(delays[i]! >= delays[i - 2]!, 'the delay only grows while overloaded');
    assert.ok(Math.max(...pending) >= 15, 'operations due but not started are visible as a gauge');
    assert.ok(result.unsent > 0, 'operations still held back when the duration ends are counted, not dropped silently');
    assert.equal(result.dispatched + result.unsent, 100);
    assert.equal(result.unsentIntendedMs.length, result.unsent);
  });
});

void describe('closed-loop schedule', () => {
  void test('N workers, each starting when its last operation ends; intended = actual start', async () => {
    const clock = new VirtualClock();
    const { timings, hooks } = collect();
    let inFlight = 0;
    let maxInFlight = 0;
    await clock.run(
      runClosedLoop(
        async () => {
          maxInFlight = Math.max(maxInFlight, ++inFlight);
          await clock.sleep(10);
          inFlight--;
        },
        { clock, concurrency: 4, durationMs: 1000, t0: 0 },
        hooks,
      ),
    );
    assert.equal(maxInFlight, 4);
    assert.equal(timings.length, 400, '4 workers × 100 operations of 10 ms');
    for (const t of timings) assert.equal(t.intendedMs, t.startMs);
  });
});
