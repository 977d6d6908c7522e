/**
 * Smoke runs, for correctness only (never timing): every workload for about a second against every
 * backend in labs/backends.ts that can start (and the no-op one), with the raw-driver baselines, written
 * as a results file that reads back valid and renders as a report; then the HTTP path against the facade.
 *
 * A server that cannot start is skipped loudly with the reason (and fails under CI=true when the
 * workbench embeds it), as the conformance tests do. The test run starts each server once and exports
 * its env, so `start()` here connects to it.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { skipMessage, startBackend } from '../labs/runtime/index.ts';
import { benchBackends, runSession, type Via } from './session/session.ts';
import { loadWorkloads, withOverrides, type Workload } from './workloads/workload.ts';
import { readResults, writeResults } from './results-file/io.ts';
import type { ResultsFile, RunRecord } from './results-file/schema.ts';
import { renderHtml } from './report/html.ts';
import { baselinesFor } from './baselines/index.ts';
import { startFacade } from './http/facade.ts';
import type { BackendDefinition } from '../labs/backends.ts';

const SMOKE = { durationSeconds: 0.8, warmupSeconds: 0.2 };

// When this file runs alone it starts the servers itself; stopping the embedded Kafka broker right after
// a KafkaEventStore closed leaves kafkajs reconnecting, which keeps the process alive with no handle to
// close (labs/kafka, reported). Under the test run the broker outlives this file and it exits by itself;
// otherwise, once every test has reported, give it two seconds and end it.
after(() => {
  setTimeout(() => process.exit(), 2000).unref();
});

async function smokeWorkloads(names?: string[]): Promise<Workload[]> {
  const all = await loadWorkloads();
  return all
    .filter((w) => !names || names.includes(w.name))
    .map((w) =>
      withOverrides(
        {
          ...w,
          // Smaller prepared data and a bounded drain: this checks that everything runs, not how fast.
          prepare: w.prepare ? { streams: Math.min(w.prepare.streams, 10), eventsPerStream: Math.min(w.prepare.eventsPerStream, 100) } : undefined,
          // One group of two member processes (the kill is the consumer-group test's below).
          ...(w.groupMembers ? { groupMembers: [2], subscribers: 2, killMemberAtSeconds: undefined } : {}),
          drainTimeoutSeconds: 30,
        },
        { ...SMOKE, rate: Math.min(w.rate, 200) },
      ),
    );
}

/** Runs a session for one backend; returns undefined (after skipping the test loudly) when it is unavailable. */
async function session(t: { skip(message: string): void }, backend: BackendDefinition, workloads: Workload[], via: Via[], baseline: boolean): Promise<ResultsFile | undefined> {
  const { results, unavailable } = await runSession({
    backends: [backend],
    workloads,
    modes: ['open'],
    via,
    baseline,
    intervalMs: 200,
    command: ['bench.int.spec.ts'],
    settings: { smoke: true },
  });
  // (under CI=true a server the workbench embeds that cannot start has already thrown: labs/runtime's policy)
  const down = unavailable[0];
  if (down) {
    t.skip(skipMessage(backend.title, down.reason));
    return undefined;
  }
  return results;
}

async function assertValidFileAndReport(results: ResultsFile): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'bench-smoke-'));
  try {
    const path = join(dir, 'results.json');
    await writeResults(path, results);
    const back = await readResults(path);
    assert.deepEqual(back, JSON.parse(JSON.stringify(results)));
    const html = await renderHtml(back);
    await writeFile(join(dir, 'report.html'), html);
    assert.ok(html.includes('const DATA = '));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

void describe('benchmark smoke: every workload on every backend that can start', () => {
  for (const backend of benchBackends()) {
    void test(`${backend.name}: every workload runs, the results file is valid and renders`, async (t) => {
      const workloads = await smokeWorkloads();
      const results = await session(t, backend, workloads, ['direct'], true);
      if (!results) return;
      const declared = (reason: string | undefined) => /does not support|has no subscriptions/.test(reason ?? '');
      for (const workload of workloads) {
        const store: RunRecord | undefined = results.runs.find((r) => r.workload === workload.name && r.kind !== 'raw');
        assert.ok(store, `${workload.name} has a run`);
        assert.notEqual(store.status, 'failed', `${backend.name} ${workload.name} failed: ${store.reason ?? ''}`);
        if (store.status === 'skipped') {
          assert.ok(declared(store.reason), `skipped only for a declared capability: ${store.reason ?? ''}`);
          t.diagnostic(`${workload.name}: ${store.reason ?? ''}`);
          continue;
        }
        const s: NonNullable<RunRecord['summary']> = store.summary!;
        assert.ok(s.operations + s.errorCount + s.unsent > 0, `${workload.name}: something was measured`);
        assert.ok(store.timeSeries!.length > 0);
        if (workload.subscriberMode === 'backlog' && workload.subscribers > 0) {
          if (subscribersMaySkip(backend) && !s.drain?.completed) {
            // A pitfall store's subscriber may skip events (that is its lesson), so it can wait for a
            // backlog it will never see: report it, do not count it as a harness failure.
            t.diagnostic(`${workload.name}: the subscriber did not drain the backlog (this store's $all can skip events)`);
          } else {
            assert.ok(s.drain?.completed, `${workload.name}: the paused subscriber drained the backlog`);
            assert.ok(s.drain!.events > 0);
          }
        }
        if (workload.subscriberMode === 'live' && workload.subscribers > 0 && s.operations > 0) {
          assert.ok(s.lag !== null, `${workload.name}: lag was measured`);
        }
        if (workload.handlerCostMs > 0) {
          const sub = s.subscribers;
          assert.ok(sub, `${workload.name}: the slow consumer's figures are recorded`);
          assert.equal(sub.handlerCostMs, workload.handlerCostMs);
          assert.ok(sub.maxBuffered <= sub.bufferSize, `${workload.name}: the subscription buffer stayed within its bound (${sub.maxBuffered} of ${sub.bufferSize})`);
          assert.ok(sub.rssMaxBytes >= sub.rssStartBytes && sub.rssStartBytes > 0, 'the process memory was sampled');
          if (sub.recoverySeconds === null && subscribersMaySkip(backend)) {
            // A store whose $all declares it can skip events under concurrent writers (a pitfall twin, or
            // Emmett: read.all-no-skip-under-concurrent-commits) may wait for an event it skipped.
            t.diagnostic(`${workload.name}: the subscribers did not catch up; this store's $all can skip events under concurrent writers`);
          } else {
            assert.ok(sub.recoverySeconds !== null, `${workload.name}: the subscribers caught up after the writes stopped`);
          }
        }
        // (The naive pitfall store is expected to fail concurrent writers with raw errors: it may show them.)
        if (workload.expectedVersion === 'tracked' && !backend.expectedFailures?.['append.concurrent-writers']) {
          assert.deepEqual(Object.keys(s.errors).filter((k) => k !== 'conflict'), [], `${workload.name}: only conflicts, got ${JSON.stringify(s.errors)}`);
        }
      }
      if (baselinesFor(backend.server).length > 0) {
        const raws = results.runs.filter((r) => r.kind === 'raw');
        assert.ok(raws.some((r) => r.status === 'ok'), `${backend.name}: the raw baseline ran`);
        for (const r of raws) assert.notEqual(r.status, 'failed', `raw baseline ${r.workload}: ${r.reason ?? ''}`);
      }
      await assertValidFileAndReport(results);
    });
  }
});

void describe('consumer-group workload: members in other processes, one killed', () => {
  for (const backend of benchBackends().filter((b) => b.name === 'postgres')) {
    void test(`${backend.name}: 2 members share the work; the killed one's partitions are taken over; the report shows it`, async (t) => {
      const [base] = await smokeWorkloads(['consumer-group']);
      const workload = { ...base!, durationSeconds: 6, warmupSeconds: 1, rate: 100, groupMembers: [2], subscribers: 2, killMemberAtSeconds: 2, groupLeaseMs: 1_000, handlerKind: 'wait' as const };
      const results = await session(t, backend, [workload], ['direct'], false);
      if (!results) return;
      const run = results.runs.find((r) => r.workload === 'consumer-group');
      assert.equal(run?.status, 'ok', run?.reason ?? '');
      const g = run!.summary!.consumerGroup!;
      assert.equal(g.members, 2);
      assert.equal(g.perMember.filter((m) => m.killed).length, 1, 'one member was killed');
      assert.ok(g.perMember.every((m) => m.handled > 0), `both members handled events: ${JSON.stringify(g.perMember)}`);
      assert.ok(g.killedAtSeconds !== null && g.killedAtSeconds >= 1.5, `killed about 2 s in: ${g.killedAtSeconds}`);
      assert.ok(g.takeoverMs !== null && g.takeoverMs <= 2 * 1_000 + 3_000, `the survivor took the victim's partitions over within 2 x lease + 3 s: ${g.takeoverMs} ms`);
      assert.ok(g.handled > 0 && g.handled >= run!.summary!.operations, `every acknowledged event of the run was handled (${g.handled} of ${run!.summary!.operations})`);
      assert.ok(g.memberSeries.length > 0, 'events per member over time');
      const html = await renderHtml(results);
      assert.ok(html.includes('groupCharts(grid, group)'), 'the report draws the consumer-group charts');
      await assertValidFileAndReport(results);
    });
  }
});

void describe('rate sweep smoke: 3 steps on noop and postgres', () => {
  for (const backend of benchBackends().filter((b) => b.name === 'noop' || b.name === 'postgres')) {
    void test(`${backend.name}: a 3-step sweep writes its steps, their verdicts and the headline`, async (t) => {
      const [workload] = await smokeWorkloads(['append-single']);
      const { results, unavailable } = await runSession({
        backends: [backend],
        workloads: [workload!],
        modes: ['sweep'],
        via: ['direct'],
        baseline: backend.name === 'postgres',
        sweep: { rates: [25, 50, 100], repeats: 2, stepSeconds: 0.5, warmupSeconds: 0.2, minSamples: 40, maxStepSeconds: 1, serverWarmupSeconds: 0.5 },
        intervalMs: 200,
        command: ['bench.int.spec.ts', 'sweep'],
        settings: { smoke: true },
      });
      if (unavailable[0]) {
        return t.skip(skipMessage(backend.title, unavailable[0].reason));
      }
      const runs = results.runs.filter((r) => r.mode === 'sweep');
      assert.equal(runs.length, backend.name === 'postgres' ? 2 : 1, 'the store (and for postgres its raw baseline) swept');
      for (const run of runs) {
        assert.equal(run.status, 'ok', run.reason ?? '');
        const sweep = run.sweep!;
        // (all three unless the first two saturated: a busy machine can do that; the ladder then stops)
        const rates = sweep.steps.map((s) => s.offeredRate);
        assert.deepEqual(rates, [25, 50, 100].slice(0, rates.length), `${run.target}: the rates in order`);
        assert.ok(rates.length === 3 || sweep.steps.slice(0, 2).every((s) => s.saturated), `${run.target}: stopped early only past saturation`);
        for (const step of sweep.steps) {
          assert.equal(step.repeats.length, 2);
          assert.ok(step.samples >= 12 && step.samples <= step.offeredRate, `${run.target} ${step.offeredRate}/s: samples for 0.5-1 s, got ${step.samples}`);
          assert.ok(step.tooFewSamplesFor.includes('p99'), 'a p99 of at most 100 samples is flagged');
          assert.equal(typeof step.saturated, 'boolean');
        }
        assert.ok(run.summary, 'the run has a summary (the representative step)');
        assert.ok(run.machine, 'the machine load was watched');
      }
      const commit = results.environment.gitCommit;
      assert.ok(commit === null || commit === undefined || /^[0-9a-f]{12}(-dirty)?$/.test(commit), `git commit recorded: ${commit}`);
      assert.ok(results.environment.loadAverageAfter?.length === 3);
      if (backend.name === 'postgres') {
        const settings = results.environment.backends[0]?.settings;
        assert.equal(settings?.fsync, 'on', 'the server settings that change results are recorded');
        assert.ok(settings?.synchronous_commit);
      }
      await assertValidFileAndReport(results);
    });
  }
});

void describe('benchmark smoke over HTTP (the facade k6 drives)', () => {
  const httpBackends = benchBackends().filter((b) => b.name === 'noop' || b.name === 'postgres');
  for (const backend of httpBackends) {
    void test(`${backend.name} via HTTP: append, contended, read-stream and read-all workloads run`, async (t) => {
      const workloads = await smokeWorkloads(['append-single', 'append-contended', 'read-stream', 'read-all']);
      const results = await session(t, backend, workloads, ['http'], false);
      if (!results) return;
      for (const run of results.runs) {
        assert.equal(run.via, 'http');
        assert.equal(run.kind, 'http');
        assert.equal(run.status, 'ok', `${run.workload}: ${run.reason ?? ''}`);
        const s = run.summary!;
        assert.ok(s.operations + s.unsent > 0);
        assert.deepEqual(Object.keys(s.errors).filter((k) => k !== 'conflict'), [], `${run.workload}: unexpected errors ${JSON.stringify(s.errors)}`);
      }
      await assertValidFileAndReport(results);
    });
  }

  void test("postgres via HTTP: the store's typed errors become 400 and 409 with its message", async (t) => {
    const backend = benchBackends().find((b) => b.name === 'postgres');
    if (!backend) return t.skip('no postgres backend registered');
    const outcome = await startBackend(backend);
    if (outcome.status === 'skipped') return t.skip(skipMessage('PostgreSQL', outcome.reason));
    const running = outcome.running;
    const store = await running.createStore();
    const facade = await startFacade(store);
    try {
      const post = (path: string, body: unknown) =>
        fetch(facade.url + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then(async (r) => ({ status: r.status, json: (await r.json()) as Record<string, unknown> }));
      const stream = `http-errors-${Date.now()}`;
      assert.equal((await post(`/streams/${stream}`, { events: [{ type: 'A', data: {} }], expectedVersion: 'no_stream' })).status, 200);
      const conflict = await post(`/streams/${stream}`, { events: [{ type: 'A', data: {} }], expectedVersion: 'no_stream' });
      assert.equal(conflict.status, 409);
      assert.equal(conflict.json.actual, 0);
      const badEvent = await post(`/streams/${stream}`, { events: [{ type: '', data: {} }] });
      assert.equal(badEvent.status, 400);
      assert.match(String(badEvent.json.message), /events\[0\]|index 0/);
      const badStream = await post(`/streams/${encodeURIComponent(' padded ')}`, { events: [{ type: 'A', data: {} }] });
      assert.equal(badStream.status, 400);
      assert.match(String(badStream.json.message), /white space/);
    } finally {
      await facade.close();
      await store.close();
      await running.stop();
    }
  });
});

/** The backend declares that its $all readers can skip events: its pitfall lesson, or a peer's measured gap. */
function subscribersMaySkip(backend: BackendDefinition): boolean {
  return Boolean(backend.expectedFailures) || Boolean(backend.unsupportedScenarios?.['read.all-no-skip-under-concurrent-commits']);
}
