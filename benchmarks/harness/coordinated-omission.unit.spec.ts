/**
 * The reason the harness exists: a backend that stalls once for 1 s, measured two ways.
 * On a virtual clock, so every number below is exact and the test never depends on machine speed.
 *
 * The backend serves one request at a time in 1 ms, and once (at t = 5 s) takes 1,000 ms.
 * - Open loop at 100/s for 10 s (1,000 operations, 10 ms apart), at most 1 in flight: the 99 operations
 *   intended during the stall wait for it. Their corrected latency is 1000 - 9j ms for j = 1..99, so
 *   about 10 % of all operations are slower than 100 ms and p99 is about 920 ms.
 * - Closed loop with one worker for 10 s: ~9,000 operations of 1 ms and one of 1,000 ms. The stall is one
 *   sample in 9,000, so p99 (and even p99.9) says 1 ms: the closed loop hides the stall.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { VirtualClock } from './clock.ts';
import { decodeHistogram } from './histograms.ts';
import { runWorkload, type RunOutcome } from './run-workload.ts';
import { parseWorkload } from '../workloads/workload.ts';
import { stallOnceTarget } from '../targets/stall-once-target.ts';

const workload = parseWorkload({
  name: 'stall-proof',
  description: 'appends against a backend that stalls once',
  mix: { append: 1 },
  rate: 100,
  durationSeconds: 10,
  warmupSeconds: 0,
  streams: 1,
  eventsPerAppend: 1,
  eventSizeBytes: 10,
  maxInFlight: 1,
  concurrency: 1,
});

async function measure(mode: 'open' | 'closed'): Promise<{ outcome: RunOutcome; stalled: number | undefined }> {
  const clock = new VirtualClock();
  const target = stallOnceTarget({ clock, serviceMs: 1, stallAtMs: 5000, stallMs: 1000 });
  const outcome = await clock.run(runWorkload(target, workload, { mode, clock, runId: `stall-${mode}` }));
  assert.equal(outcome.status, 'ok');
  return { outcome: outcome as RunOutcome, stalled: target.stalledOperation };
}

void describe('coordinated omission: a 1 s stall, open loop (corrected) vs closed loop (uncorrected)', () => {
  void test('open loop: the corrected histogram shows the stall at p95/p99; service time alone does not', async () => {
    const { outcome, stalled } = await measure('open');
    const { summary } = outcome;
    assert.equal(stalled, 500, 'the operation intended at t = 5 s is the one that stalls');
    assert.equal(summary.operations, 1000, 'every intended operation was sent and completed');
    assert.equal(summary.unsent, 0);
    // Corrected latency: intended start -> completion.
    // (1,000 samples support p50 and p90 but not p99: the summary gives the max for it, and says so.)
    assert.deepEqual(summary.tooFewSamplesFor, ['p99', 'p99.9', 'p99.99']);
    assert.equal(summary.p99Ms, summary.maxMs);
    const corrected = decodeHistogram(outcome.histograms.corrected);
    const at = (p: number) => corrected.getValueAtPercentile(p) / 1000;
    assert.ok(summary.p50Ms <= 1.01, `p50 is the normal 1 ms service time, got ${summary.p50Ms}`);
    assert.ok(at(99) > 850 && at(99) < 1000, `p99 shows the stall (~919 ms), got ${at(99)}`);
    assert.ok(summary.p90Ms < 120, `only the ~10 % intended during the stall are slow: p90 ${summary.p90Ms}`);
    assert.ok(at(95) > 500, 'p95 is inside the stall');
    // The queued operations were each served in 1 ms: service time hides the wait…
    assert.ok(summary.service.p99Ms <= 1.01, `service-time p99 stays at 1 ms, got ${summary.service.p99Ms}`);
    assert.ok(summary.service.maxMs >= 999, 'only the stalled operation itself is slow in service time');
    // …which the send delay reports instead (never hidden).
    assert.ok(summary.sendDelay.p99Ms > 850, `send delay p99 carries the wait, got ${summary.sendDelay.p99Ms}`);
    assert.ok(summary.maxPending >= 90, `the backlog of held-back operations is visible, got ${summary.maxPending}`);
  });

  void test('closed loop: the uncorrected histogram hides the same stall beyond p99.9', async () => {
    const { outcome, stalled } = await measure('closed');
    const { summary } = outcome;
    assert.ok(stalled !== undefined);
    assert.ok(summary.operations > 8900 && summary.operations < 9100, `~9,000 operations of 1 ms, got ${summary.operations}`);
    const uncorrected = decodeHistogram(outcome.histograms.corrected);
    const at = (p: number) => uncorrected.getValueAtPercentile(p) / 1000;
    assert.ok(at(99) <= 1.01, `closed-loop p99 is 1 ms: the stall is hidden, got ${at(99)}`);
    assert.ok(at(99.9) <= 1.01, `even p99.9 hides it, got ${at(99.9)}`);
    assert.ok(summary.maxMs >= 999, 'the stall is a single sample at the max');
    // HdrHistogram's after-the-fact correction (known interval = 1 ms) reconstructs what was omitted.
    const corrected = decodeHistogram(outcome.histograms.corrected).copyCorrectedForCoordinatedOmission(1000);
    assert.ok(corrected.getValueAtPercentile(99) / 1000 > 500, 'corrected for the known interval, the stall is back at p99');
  });
});
