/**
 * Growth mode, smoke-sized (for correctness, never timing): on PostgreSQL, Kafka and DynamoDB (dynalite), a two-step ladder
 * (what the server holds now, then 3,000 events more, filled by each backend's bulk path), for the store
 * and its raw baseline (DynamoDB: the store only). The results file must read back valid with `mode: "growth"` and its steps, the
 * fill must have written exactly what the ladder asked, every figure must be plausible, and the report
 * must draw the curves. Servers are shared with the other spec files, so the ladder starts from what they
 * already hold.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { skipMessage } from '../labs/runtime/index.ts';
import { backendByName } from '../labs/backends.ts';
import { runSession } from './session/session.ts';
import { loadWorkloads, withOverrides } from './workloads/workload.ts';
import { readResults, writeResults } from './results-file/io.ts';
import { renderHtml } from './report/html.ts';
import { fillerFor } from './growth/fillers.ts';
import type { GrowthSettings } from './growth/session-growth.ts';

const FILL = 3_000;
const TINY_STEP = { stepSeconds: 0.5, warmupSeconds: 0.2, minSamples: 100, maxStepSeconds: 1, serverWarmupSeconds: 0.5 };

// As bench.int.spec.ts: a Kafka client may keep the process alive after the broker stops.
after(() => {
  setTimeout(() => process.exit(), 2000).unref();
});

describe('growth mode (smoke sizes)', () => {
  for (const name of ['postgres', 'kafka', 'dynamodb']) {
    void test(`${name}: ${name === 'dynamodb' ? 'the store is' : 'the store and its raw baseline are'} filled to each size and measured; the results file and report carry the curve`, { timeout: 120_000 }, async (t) => {
      const backend = backendByName(name)!;
      const workloads = await loadWorkloads();
      const byName = (w: string) => workloads.find((x) => x.name === w)!;
      const growth: Omit<GrowthSettings, 'stored'> = {
        appendWorkload: withOverrides(byName('append-single'), { rate: 200 }),
        readWorkload: withOverrides({ ...byName('read-stream'), prepare: { streams: 1, eventsPerStream: 1 } }, { rate: 200 }),
        step: TINY_STEP,
        catchUpSeconds: 1.5,
        signal: new AbortController().signal,
      };
      // What the shared server holds already decides the ladder: now, then FILL more (the larger of store and raw).
      const { results, unavailable } = await runSession({
        backends: [backend],
        workloads: [growth.appendWorkload, growth.readWorkload],
        modes: ['growth'],
        via: ['direct'],
        baseline: true,
        command: ['growth.int.spec.ts'],
        settings: { smoke: true },
        growth: { ...growth, stored: [0, await largestCount(name) + FILL] },
      });
      if (unavailable[0]) return t.skip(skipMessage(backend.title, unavailable[0].reason));

      const dir = await mkdtemp(join(tmpdir(), 'bench-growth-'));
      try {
        const path = join(dir, 'results.json');
        await writeResults(path, results);
        const back = await readResults(path);
        const runs = back.runs.filter((r) => r.mode === 'growth');
        // DynamoDB's raw baselines are not filled (benchmarks/growth/dynamodb.ts): its curve is the store's alone.
        const expected = name === 'dynamodb' ? [['store', 'ok', undefined]] : [['store', 'ok', undefined], ['raw', 'ok', undefined]];
        assert.deepEqual(runs.map((r) => [r.kind, r.status, r.reason]), expected, 'the store (and its raw baseline where it has a fill) ran');
        assert.ok(runs.some((r) => (r.growth!.steps[1]?.filledEvents ?? 0) > 0), `a fill wrote events: ${runs.map((r) => `${r.target} ${r.growth!.steps[1]?.filledEvents}`).join(', ')}`);
        for (const run of runs) {
          const steps = run.growth!.steps;
          assert.equal(steps.length, 2, `${run.target}: one step per size`);
          const [first, second] = steps as [(typeof steps)[0], (typeof steps)[0]];
          assert.ok(second.storedEvents >= second.requestedEvents, `${run.target}: filled to at least the size asked (${second.storedEvents} >= ${second.requestedEvents})`);
          // On the test run's shared server another file's runs may have grown a table past the size asked
          // (seen in CI: the raw pg table), and then its fill rightly writes nothing; that at least one of
          // the two fills wrote is checked below.
          assert.ok(second.storedEvents - first.storedEvents >= second.filledEvents, `${run.target}: the fill wrote ${second.filledEvents} events, and the count grew by as many`);
          for (const s of steps) {
            assert.ok(s.appendP50Ms > 0 && s.appendP50Ms <= s.appendP99Ms && s.appendP99Ms < 10_000, `${run.target}: append p50 ${s.appendP50Ms} <= p99 ${s.appendP99Ms} ms`);
            assert.ok(s.readStreamOldP99Ms > 0 && s.readStreamHotP99Ms > 0 && s.readStreamP99Ms === Math.max(s.readStreamOldP99Ms, s.readStreamHotP99Ms), `${run.target}: readStream p99s`);
            assert.ok(s.samples >= TINY_STEP.minSamples && s.readSamples.old >= TINY_STEP.minSamples, `${run.target}: ${s.samples} append samples`);
            assert.ok(s.catchUpEvents > 0 && s.catchUpEventsPerSecond > 0, `${run.target}: a new reader from the start of $all read ${s.catchUpEvents} events`);
            // Reaching the end means reading what is stored (Kafka counts offsets, transaction markers included: at least half are events).
            if (s.catchUpReachedEnd) assert.ok(s.catchUpEvents >= s.storedEvents * 0.5, `${run.target}: reached the end after ${s.catchUpEvents} of ${s.storedEvents} events`);
            assert.ok(s.rssMaxBytes >= s.rssBytes * 0.5 && s.rssMaxBytes > 20 * 1024 ** 2, `${run.target}: RSS ${s.rssMaxBytes}`);
            assert.equal(typeof s.saturated, 'boolean');
          }
          // A 256-byte event cannot take less than ~250 bytes of table or log, nor (at thousands of events) 20 KB.
          assert.ok(second.bytesPerEvent !== null && second.bytesPerEvent > 250 && second.bytesPerEvent < 20_000, `${run.target}: ${second.bytesPerEvent} bytes per event on disk`);
          assert.ok(Object.keys(second.diskParts).length >= 2, `${run.target}: the disk figure names its parts`);
          if (run.kind === 'store') assert.ok(second.tailCatchUpMs !== null && second.tailCatchUpMs >= 0, 'a subscriber from the end became live');
        }
        const html = await renderHtml(back);
        assert.match(html, /"growth":\{"fillMethod"/, 'the report embeds the growth steps');
        assert.match(html, /Growth: cost against stored events/, 'the report has the growth section');
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  }
});

/** Events the server holds now, in the store's and in the raw baseline's storage, whichever holds more. */
async function largestCount(name: string): Promise<number> {
  const filler = fillerFor(name)!;
  const env: Record<string, string> =
    name === 'postgres' ? { DATABASE_URL: process.env.DATABASE_URL ?? '' } : name === 'kafka' ? { KAFKA_BROKERS: process.env.KAFKA_BROKERS ?? '' } : { DYNAMODB_ENDPOINT: process.env.DYNAMODB_ENDPOINT ?? '' };
  if (!Object.values(env)[0]) return 0; // the session starts its own server: empty
  let most = 0;
  for (const storage of [await filler.store(env), await filler.raw(name === 'postgres' ? 'postgres (raw pg)' : 'kafka (raw kafkajs)', env)]) {
    if (!storage) continue;
    most = Math.max(most, await storage.count().catch(() => 0));
    await storage.close();
  }
  return most;
}
