/** The recorder: what is counted where, warm-up excluded, errors by kind, unsent at their lower bound. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidStreamIdError, WrongExpectedVersionError } from '../../labs/core/index.ts';
import { percentileMs } from './histograms.ts';
import { Recorder, classifyError } from './recorder.ts';

/** HdrHistogram keeps 3 significant digits: a value comes back within 0.1 %. */
const near = (actual: number, expected: number, message?: string) =>
  assert.ok(Math.abs(actual - expected) <= expected * 0.001 + 1e-9, `${message ?? ''} expected ~${expected}, got ${actual}`);

void describe('Recorder', () => {
  void test('three histograms per operation, warm-up excluded from them but kept in the time series', () => {
    const rec = new Recorder({ t0: 0, warmupMs: 1000, intervalMs: 1000 });
    rec.recordSuccess({ index: 0, intendedMs: 500, startMs: 500, endMs: 900 }, 1); // warm-up
    rec.recordSuccess({ index: 1, intendedMs: 1000, startMs: 1002, endMs: 1010 }, 3);
    rec.recordSuccess({ index: 2, intendedMs: 1010, startMs: 1050, endMs: 1060 }, 3);
    assert.equal(rec.ok, 2);
    assert.equal(rec.events, 6);
    assert.equal(rec.corrected.totalCount, 2);
    near(percentileMs(rec.corrected, 100), 50, 'corrected = completion - intended start');
    near(percentileMs(rec.service, 100), 10, 'service = completion - actual start');
    near(percentileMs(rec.sendDelay, 100), 40, 'send delay = actual - intended start');
    const series = rec.timeSeries();
    assert.deepEqual(series.map((p) => p.phase), ['warmup', 'run']);
    assert.equal(series[0]!.throughput, 1, 'the warm-up interval still shows its operation');
    // The last interval is cut short by the end of the run (last event at 1.06 s): its rate is taken over
    // the part it covers, at least a tenth of an interval, instead of looking like a collapse.
    assert.equal(series[1]!.throughput, 20);
    assert.equal(series[1]!.t, 1.1);
    rec.destroy();
  });

  void test('errors are counted by kind, conflicts apart, and not in the latency histograms', () => {
    const rec = new Recorder({ t0: 0, warmupMs: 0, intervalMs: 1000 });
    const t = { index: 0, intendedMs: 0, startMs: 0, endMs: 5 };
    rec.recordError(t, classifyError(new WrongExpectedVersionError('s', 1, 2)));
    rec.recordError(t, classifyError(new WrongExpectedVersionError('s', 1, 3)));
    rec.recordError(t, classifyError(new InvalidStreamIdError('', 'empty')));
    rec.recordError(t, classifyError(Object.assign(new Error('boom'), { code: '40001' })));
    assert.deepEqual(rec.errors, { conflict: 2, 'invalid-input': 1, 'Error:40001': 1 });
    assert.equal(rec.corrected.totalCount, 0);
    assert.equal(rec.timeSeries()[0]!.conflicts, 2);
    rec.destroy();
  });

  void test('an operation never sent is recorded at the lower bound of its latency', () => {
    const rec = new Recorder({ t0: 0, warmupMs: 0, intervalMs: 1000 });
    rec.recordUnsent(800, 1000);
    assert.equal(rec.unsent, 1);
    near(percentileMs(rec.corrected, 100), 200);
    near(percentileMs(rec.sendDelay, 100), 200);
    rec.destroy();
  });
});
