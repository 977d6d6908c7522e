// The two layouts of a Kafka consumer group against a real broker (group-layouts-demo.ts): on the store's
// one-partition events topic one member of three gets every event and two stay idle; on the by-stream
// topic (8 partitions, key = stream id) the three split the partitions and the work.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { closeKafkaViews } from './kafka-store.ts';
import { runGroupLayoutsDemo } from './group-layouts-demo.ts';
import { useKafkaBroker } from './test-broker.ts';

const kafka = useKafkaBroker(closeKafkaViews);

test('a group on the one-partition log has one active member; on the by-stream topic three share the work', { timeout: 240_000 }, async (t) => {
  const broker = kafka.broker;
  if (!broker) return t.skip(kafka.skipMessage);
  const [onePartition, byStream] = await runGroupLayoutsDemo(broker.brokers, 90_000);
  const describe = (run: typeof onePartition) => run!.members.map((m) => `${m.memberId} [${m.partitions.join(',')}] handled ${m.handled}`).join('; ');

  assert.equal(onePartition!.distinctHandled, onePartition!.events, `one partition: every event handled (${describe(onePartition)})`);
  const active = onePartition!.members.filter((m) => m.handled > 0);
  assert.equal(active.length, 1, `one partition: exactly one member handled events (${describe(onePartition)})`);
  assert.equal(active[0]!.handled, onePartition!.events, 'one partition: the one active member handled every event');
  assert.deepEqual(active[0]!.partitions, [0], 'one partition: the active member holds partition 0');
  for (const idle of onePartition!.members.filter((m) => m.handled === 0)) {
    assert.deepEqual(idle.partitions, [], `one partition: ${idle.memberId} holds no partition and is idle`);
  }

  assert.equal(byStream!.distinctHandled, byStream!.events, `by stream: every event handled (${describe(byStream)})`);
  for (const m of byStream!.members) assert.ok(m.handled > 0 && m.partitions.length > 0, `by stream: ${m.memberId} holds partitions and handled events (${describe(byStream)})`);
  const held = byStream!.members.flatMap((m) => m.partitions);
  assert.equal(new Set(held).size, 8, 'by stream: the 8 partitions are split between the members, each held once');
  assert.equal(held.length, 8);
  t.diagnostic(`one partition: ${describe(onePartition)}; by stream: ${describe(byStream)}`);
});
