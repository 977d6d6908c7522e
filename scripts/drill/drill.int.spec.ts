/**
 * One failover (a SIGKILL of the primary or leader) per cluster, through the whole drill: writer
 * processes, the subscriber, the checker. The safe configurations must lose nothing they acknowledged;
 * the asynchronous PostgreSQL standby's and the Kafka acks=1 producer's lesson is the loss.
 *
 *   node --import tsx --test scripts/drill/drill.int.spec.ts
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { backendByName } from '../../labs/backends.ts';
import { iptablesAvailable, settings, skipMessage, unavailableReason } from '../../labs/runtime/index.ts';
import { runDrill } from './run.ts';

const TIMEOUT = 180_000;

test('postgres-cluster: no acknowledged append is lost when the primary is killed', { timeout: TIMEOUT }, async (t) => {
  const definition = backendByName('postgres-cluster')!;
  const unavailable = unavailableReason(definition.server);
  if (unavailable) return t.skip(skipMessage(definition.title, unavailable));
  const report = await runDrill(definition, { failovers: 1, faults: ['kill'], settleMs: 1_000 });
  t.diagnostic(`acknowledged ${report.acknowledged}, lost ${report.lost}, unavailable ${report.unavailableMs.max} ms`);
  assert.ok(report.acknowledged > 100, `the writers should have been acknowledged many appends, not ${report.acknowledged}`);
  assert.equal(report.lost, 0, `acknowledged but gone after the failover: ${report.lostSample.join(', ')}`);
  assert.equal(report.duplicated, 0, 'an event is stored twice');
  assert.equal(report.subscriberMissed, 0, 'the subscriber skipped stored events');
  assert.equal(report.subscriberDuplicated, 0, 'the subscriber delivered an event twice');
  assert.ok(report.unavailableMs.max > 0, 'a killed primary must make some append fail: the fault did not land');
});

test('postgres-cluster-async: acknowledged appends are lost when a lagging primary is killed (the lesson)', { timeout: TIMEOUT }, async (t) => {
  const definition = backendByName('postgres-cluster-async')!;
  const unavailable = unavailableReason(definition.server);
  if (unavailable) return t.skip(skipMessage(definition.title, unavailable));
  const report = await runDrill(definition, { failovers: 1, faults: ['kill'], settleMs: 1_000 });
  t.diagnostic(`acknowledged ${report.acknowledged}, lost ${report.lost} (the lesson), subscriber missed ${report.subscriberMissed}`);
  assert.ok(report.acknowledged > 100, `the writers should have been acknowledged many appends, not ${report.acknowledged}`);
  // Reliable because the WAL sender is held for 500 ms before the kill and asynchronous commits are
  // acknowledged meanwhile (about a thousand on this machine); without that lag the loss would need the
  // kill to land in the milliseconds of normal replication lag, and would show on few runs.
  assert.ok(report.lost > 0, 'the asynchronous standby kept every acknowledged append: the lesson did not show (were no appends acknowledged during the lag?)');
  assert.equal(report.duplicated, 0, 'an event is stored twice');
});

// Kafka: three JVMs on this machine; about two minutes per drill. Two writer processes: the store has one
// writer role, which writers in several processes take from each other (labs/kafka/backend.ts).
test('kafka-cluster: no acknowledged append is lost when the partition leader is killed', { timeout: 360_000 }, async (t) => {
  const definition = backendByName('kafka-cluster')!;
  const unavailable = unavailableReason(definition.server);
  if (unavailable) return t.skip(skipMessage(definition.title, unavailable));
  const report = await runDrill(definition, { failovers: 1, faults: ['kill'], writers: 2, settleMs: 5_000 });
  t.diagnostic(`acknowledged ${report.acknowledged}, lost ${report.lost}, unavailable ${report.unavailableMs.max} ms`);
  assert.ok(report.acknowledged > 0, 'no append was acknowledged');
  assert.equal(report.lost, 0, `acknowledged but gone after the failover: ${report.lostSample.join(', ')}`);
  assert.equal(report.duplicated, 0, 'an event is stored twice');
  assert.equal(report.subscriberMissed, 0, 'the subscriber skipped stored events');
  assert.equal(report.subscriberDuplicated, 0, 'the subscriber delivered an event twice');
});

test('kafka-cluster-unsafe: the drill runs and counts; the loss is reported, not asserted (the lesson is flaky)', { timeout: 360_000 }, async (t) => {
  const definition = backendByName('kafka-cluster-unsafe')!;
  const unavailable = unavailableReason(definition.server);
  if (unavailable) return t.skip(skipMessage(definition.title, unavailable));
  const report = await runDrill(definition, { failovers: 1, faults: ['kill'], writers: 2, settleMs: 5_000 });
  const lag = report.timeline[0]!;
  // Loss needs an append acknowledged by the lone leader between the ISR shrinking and the kill. The
  // store's transactional writer rarely gets one: cutting the followers' fetches also cuts the
  // transaction coordinator's markers to the leader (the same inter-broker listener) unless the
  // coordinator is the leader itself, so commits stall during the lag. Measured, not promised; what holds
  // on every run is that nothing is stored twice.
  t.diagnostic(`acknowledged ${report.acknowledged}, ${lag.acknowledgedDuringLag} during the lag, lost ${report.lost} (the lesson, when it shows)`);
  assert.ok(report.acknowledged > 0, 'no append was acknowledged');
  // A retry of an append that committed is answered as a retry, on every run (the writer's "outcome unknown"
  // path re-takes the role before it checks again: labs/kafka/group-commit-writer.ts).
  assert.equal(report.duplicated, 0, 'an event is stored twice');
});

test('kafka-cluster-acks1: acknowledged appends are lost when the leader that acknowledged them alone is killed (the lesson)', { timeout: 360_000 }, async (t) => {
  const definition = backendByName('kafka-cluster-acks1')!;
  const unavailable = unavailableReason(definition.server);
  if (unavailable) return t.skip(skipMessage(definition.title, unavailable));
  // The lesson needs the followers held back before the kill (iptables, as root): .ci/run installs it,
  // so under CI=true its absence is a failure; elsewhere the drill runs and the loss is reported only.
  const holdBack = iptablesAvailable();
  if (settings.ci) assert.ok(holdBack, 'CI=true: iptables is needed to hold the followers back before the kill (as root, with the iptables package)');
  const report = await runDrill(definition, { failovers: 1, faults: ['kill'], writers: 2, settleMs: 5_000 });
  const lag = report.timeline[0]!;
  t.diagnostic(`acknowledged ${report.acknowledged}, ${lag.acknowledgedDuringLag} during the ${lag.lagMs} ms hold-back, lost ${report.lost} (the lesson)`);
  assert.ok(report.acknowledged > 0, 'no append was acknowledged');
  if (!holdBack) {
    t.diagnostic('NOT ASSERTED: the loss, because the followers cannot be held back here (iptables as root is needed); without the hold-back it needs a kill within their normal fetch lag');
    return;
  }
  assert.ok(lag.lagMs > 0, 'the hold-back did not run');
  assert.ok(lag.acknowledgedDuringLag > 0, 'the leader acknowledged nothing while its followers were held back: acks=1 should answer from its own log');
  assert.ok(report.lost > 0, 'every append acknowledged by the leader alone survived its death: the lesson did not show');
  // What was lost is what only the leader had: no more than it acknowledged while the followers were held back.
  assert.ok(report.lost <= lag.acknowledgedDuringLag + 5, `lost ${report.lost}, more than the ${lag.acknowledgedDuringLag} acknowledged during the hold-back`);
  // Kafka 4's strict min ISR: no reader saw them, so the subscriber skipped nothing that stayed stored.
  assert.equal(report.subscriberMissed, 0, 'the subscriber skipped stored events');
});
