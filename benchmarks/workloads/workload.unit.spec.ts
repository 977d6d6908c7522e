/** Workload files are data: every shipped file validates, and a bad one is refused with the reason. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { loadWorkloads, parseWorkload, pickKind, seededRandom, withOverrides } from './workload.ts';

void describe('workload files', () => {
  void test('the shipped workloads cover the issue and validate', async () => {
    const names = (await loadWorkloads()).map((w) => w.name);
    for (const name of ['append-single', 'append-batched', 'append-contended', 'read-stream', 'read-all', 'subscription-lag', 'backlog-drain']) {
      assert.ok(names.includes(name), `missing workload ${name}`);
    }
  });

  void test('a bad workload is refused with the field and the reason', () => {
    assert.throws(
      () => parseWorkload({ name: 'Bad Name', description: 'x', mix: {}, rate: -1, durationSeconds: 1, streams: 1, eventsPerAppend: 1, eventSizeBytes: 1, maxInFlight: 1 }),
      (e: Error) => /name/.test(e.message) && /mix/.test(e.message) && /rate/.test(e.message),
    );
    assert.throws(() => parseWorkload({ name: 'r', description: 'x', mix: { readStream: 1 }, rate: 1, durationSeconds: 1, streams: 1, eventsPerAppend: 1, eventSizeBytes: 1, maxInFlight: 1 }), /prepare/);
  });

  void test('overrides change the load, not the shape; a warm-up longer than the run is shortened', async () => {
    const [w] = await loadWorkloads();
    const o = withOverrides(w!, { rate: 7, durationSeconds: 2 });
    assert.equal(o.rate, 7);
    assert.equal(o.durationSeconds, 2);
    assert.ok(o.warmupSeconds < 2);
    assert.deepEqual(o.mix, w!.mix);
  });

  void test('the operation mix is drawn from a seeded generator: repeatable, and in proportion', () => {
    const draw = () => {
      const r = seededRandom(42);
      return Array.from({ length: 1000 }, () => pickKind({ append: 3, readStream: 1, readAll: 0 }, r));
    };
    const a = draw();
    assert.deepEqual(a, draw());
    const appends = a.filter((k) => k === 'append').length;
    assert.ok(appends > 700 && appends < 800, `~75 % appends, got ${appends}`);
    assert.ok(!a.includes('readAll'));
  });
});
