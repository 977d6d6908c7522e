/**
 * One network partition of each safe cluster's primary (leader), through the whole drill (writer
 * processes, the subscriber, the checker): cut off from the other nodes, the failover manager and the
 * clients while it keeps running, it must lose nothing it acknowledged. Its own file: the kill drills are
 * in drill.int.spec.ts.
 *
 *   node --import tsx --test scripts/drill/partition.int.spec.ts
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { backendByName } from '../../labs/backends.ts';
import { networkNamespacesUnavailable, PartitionUnavailableError, settings, skipMessage, unavailableReason } from '../../labs/runtime/index.ts';
import { runDrill } from './run.ts';

const TIMEOUT = 180_000;

// The partition needs root and `ip netns` (labs/runtime/netns.ts). Without them: skipped with the reason,
// except under CI=true, where .ci/run installs iproute2 and runs as root, so a missing network is a failure.
/** The reason to skip (or, under CI=true, to fail) when this machine cannot partition. */
function cannotPartition(): string | undefined {
  const noNamespaces = networkNamespacesUnavailable();
  if (!noNamespaces) return undefined;
  const reason = new PartitionUnavailableError(noNamespaces).message;
  if (settings.ci) assert.fail(`CI=true and ${reason}`);
  return reason;
}

test('postgres-cluster: no acknowledged append is lost when the primary is partitioned from the standby and the clients', { timeout: TIMEOUT }, async (t) => {
  const definition = backendByName('postgres-cluster')!;
  const unavailable = unavailableReason(definition.server);
  if (unavailable) return t.skip(skipMessage(definition.title, unavailable));
  const reason = cannotPartition();
  if (reason) return t.skip(skipMessage(definition.title, reason));
  const report = await runDrill(definition, { failovers: 1, faults: ['partition'], settleMs: 1_000 });
  t.diagnostic(`acknowledged ${report.acknowledged}, lost ${report.lost}, unavailable ${report.unavailableMs.max} ms`);
  assert.deepEqual(report.faults.map((f) => f.fault), ['partition']);
  assert.ok(report.acknowledged > 100, `the writers should have been acknowledged many appends, not ${report.acknowledged}`);
  assert.equal(report.lost, 0, `acknowledged but gone after the partition: ${report.lostSample.join(', ')}`);
  assert.equal(report.subscriberMissed, 0, 'the subscriber skipped stored events');
  assert.equal(report.subscriberDuplicated, 0, 'the subscriber delivered an event twice');
  // A partitioned primary answers nothing: the writers must have waited (the fault landed).
  assert.ok(report.unavailableMs.max > 0, 'no append waited or failed: the partition did not land');
});

// Three JVMs, each in a namespace of its own; about a minute. Kafka declares the cut-off leader gone when
// its broker session expires at the controller majority, and a follower from the eligible replicas leads.
test('kafka-cluster: no acknowledged append is lost when the partition leader is cut off from the other nodes and the clients', { timeout: 360_000 }, async (t) => {
  const definition = backendByName('kafka-cluster')!;
  const unavailable = unavailableReason(definition.server);
  if (unavailable) return t.skip(skipMessage(definition.title, unavailable));
  const reason = cannotPartition();
  if (reason) return t.skip(skipMessage(definition.title, reason));
  const report = await runDrill(definition, { failovers: 1, faults: ['partition'], writers: 2, settleMs: 5_000 });
  t.diagnostic(`acknowledged ${report.acknowledged}, lost ${report.lost}, unavailable ${report.unavailableMs.max} ms`);
  assert.deepEqual(report.faults.map((f) => f.fault), ['partition']);
  assert.ok(report.acknowledged > 0, 'no append was acknowledged');
  assert.equal(report.lost, 0, `acknowledged but gone after the partition: ${report.lostSample.join(', ')}`);
  assert.equal(report.duplicated, 0, 'an event is stored twice');
  assert.equal(report.subscriberMissed, 0, 'the subscriber skipped stored events');
  assert.equal(report.subscriberDuplicated, 0, 'the subscriber delivered an event twice');
  assert.ok(report.unavailableMs.max > 0, 'no append waited or failed: the partition did not land');
});
