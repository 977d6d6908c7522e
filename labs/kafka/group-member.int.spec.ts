// Where a new Kafka consumer group starts (group-member.ts): `startAt: 'start'` hands out what was written
// before the group existed; `startAt: 'end'` only what is written after its members know where they start —
// also for a member that takes a partition over from one that handled nothing there yet.
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { consume, sleep, type ConsumerGroupMember } from '../core/index.ts';
import { closeKafkaViews, KafkaEventStore } from './kafka-store.ts';
import { useKafkaBroker } from './test-broker.ts';

const kafka = useKafkaBroker(closeKafkaViews);

async function handledBy(member: ConsumerGroupMember, into: Set<string>): Promise<void> {
  await consume(member, async (d) => void into.add(d.event.id));
}

async function writeBatch(store: KafkaEventStore, prefix: string, name: string): Promise<Set<string>> {
  const ids = new Set<string>();
  for (let s = 0; s < 8; s++) {
    const events = [0, 1].map((n) => ({ id: randomUUID(), type: 'Work', data: { n } }));
    events.forEach((e) => ids.add(e.id));
    await store.appendToStream(`${prefix}${name}-${s}`, events);
  }
  return ids;
}

async function until(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`not within ${timeoutMs} ms: ${what}`);
    await sleep(25);
  }
}

test("startAt 'start' hands out the events written before the group; 'end' only later ones, also after a hand-over", { timeout: 180_000 }, async (t) => {
  const broker = kafka.broker;
  if (!broker) return t.skip(kafka.skipMessage);
  const store = await KafkaEventStore.connect({ brokers: broker.brokers, namespace: `group-start-${randomBytes(4).toString('hex')}` });
  const prefix = 'start-';
  try {
    const before = await writeBatch(store, prefix, 'before');

    const fromStart = new Set<string>();
    const starter = store.joinConsumerGroup({ group: 'from-start', streamPrefix: prefix, startAt: 'start' });
    const startRun = handledBy(starter, fromStart);
    await until(() => [...before].every((id) => fromStart.has(id)), 60_000, `'start' handled ${fromStart.size} of the ${before.size} earlier events`);
    await starter.leave();
    await startRun;

    const fromEnd = new Set<string>();
    const first = store.joinConsumerGroup({ group: 'from-end', streamPrefix: prefix, startAt: 'end', leaseMs: 1_500 });
    await first.joined;
    // The first member leaves without handling anything: its successor must start where it started.
    await first.leave();
    const between = await writeBatch(store, prefix, 'between');
    const second = store.joinConsumerGroup({ group: 'from-end', streamPrefix: prefix, startAt: 'end', leaseMs: 1_500 });
    const endRun = handledBy(second, fromEnd);
    await second.joined;
    const after = await writeBatch(store, prefix, 'after');
    await until(() => [...between, ...after].every((id) => fromEnd.has(id)), 60_000, `'end' handled ${fromEnd.size} of the ${between.size + after.size} later events`);
    await sleep(500);
    await second.leave();
    await endRun;
    assert.equal([...before].filter((id) => fromEnd.has(id)).length, 0, "'end' handed out none of the events written before the group's first member joined");
  } finally {
    await store.close();
  }
});

test('a session timeout the broker refuses fails the member with the broker\'s reason; the process goes on', { timeout: 120_000 }, async (t) => {
  const broker = kafka.broker;
  if (!broker) return t.skip(kafka.skipMessage);
  const store = await KafkaEventStore.connect({ brokers: broker.brokers, namespace: `group-refused-${randomBytes(4).toString('hex')}` });
  try {
    // The embedded broker allows sessions from 1 s (group.min.session.timeout.ms): 500 ms is refused.
    const member = store.joinConsumerGroup({ group: 'too-short', leaseMs: 500 });
    const outcome = await Promise.race([
      consume(member, async () => {}).then(() => 'ended' as const, (error: unknown) => error),
      sleep(60_000).then(() => 'still running' as const),
    ]);
    assert.ok(outcome instanceof Error, `the member failed (got ${String(outcome)})`);
    assert.match(outcome.message, /session timeout/i, 'with the broker\'s reason');
    await member.leave();
  } finally {
    await store.close();
  }
});
