/**
 * The Kafka lab's own steps, after the conformance scenarios (`npm run lab -- kafka`): what the common
 * Kafka layout gives and what it costs, consumer groups on the one-partition log and on the by-stream topic,
 * fencing as the broker and kafkajs do it, and the two pitfalls run for real.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { Partitioners } from 'kafkajs';
import { createKafka, ensureTopics } from './client.ts';
import { commitAfterSecondWriter } from './fencing-demo.ts';
import { measureByStreamCost, runGroupLayoutsDemo, type LayoutRun } from './group-layouts-demo.ts';
import { runCommitOrderDemo } from './commit-order-demo.ts';
import { KafkaEventStore } from './kafka-store.ts';
import { NaiveKafkaEventStore } from './naive/naive-store.ts';

export async function runKafkaTour(brokers: readonly string[], narrate: (line: string) => void): Promise<void> {
  const run = randomBytes(3).toString('hex');
  const kafka = createKafka(brokers, 'kafka-tour');
  const admin = kafka.admin();
  await admin.connect();
  const topics: string[] = [];
  try {
    // 1. The layout most Kafka designs use: a topic per category, key = stream id.
    const cartTopic = `workbench-tour.cart-${run}`;
    topics.push(cartTopic);
    await ensureTopics(admin, [{ topic: cartTopic, numPartitions: 3 }]);
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    const carts = Array.from({ length: 6 }, (_, i) => `cart-${i + 1}`);
    const partitionOf = new Map<string, number>();
    for (let round = 0; round < 4; round++) {
      for (const cart of carts) {
        const [meta] = await producer.send({ topic: cartTopic, messages: [{ key: cart, value: JSON.stringify({ cart, round }) }] });
        if (meta) partitionOf.set(cart, meta.partition);
      }
    }
    await producer.disconnect();
    const offsets = await admin.fetchTopicOffsets(cartTopic);
    narrate(
      `Category topic '${cartTopic}' with 3 partitions, key = stream id: 6 carts x 4 events went to partitions ` +
        `${carts.map((c) => `${c}->p${partitionOf.get(c)}`).join(', ')} (murmur2 of the key, as the Java client does); ` +
        `records per partition: ${offsets.sort((a, b) => a.partition - b.partition).map((o) => `p${o.partition}=${o.high}`).join(', ')}.`,
    );
    const cart1Partition = offsets.find((o) => o.partition === partitionOf.get('cart-1'));
    narrate(
      `Each cart's events are in one partition, in order. Reading cart-1 (4 events) without an index means reading partition ` +
        `p${partitionOf.get('cart-1')} from offset 0: ${cart1Partition?.high ?? '?'} records scanned to keep 4, and the scan grows with every other cart ` +
        `that hashes there. Across partitions there is no order at all: a reader of the topic interleaves p0, p1, p2 as fetches return.`,
    );

    // 2. What this workbench's store does instead, and what its view costs.
    const store = await KafkaEventStore.connect({ brokers });
    try {
      const stats = store.viewStats();
      narrate(
        `The workbench store keeps ONE single-partition topic (total order, offset + 1 = global position) and an in-process index fed by one consumer: ` +
          `this process replayed ${stats.events} events of ${stats.streams} streams in ${stats.replayMs ?? '?'} ms at start, and keeps them in memory. ` +
          `Reading a stream is then a map lookup; the price is that replay on every start and the memory.`,
      );
    } finally {
      await store.close();
    }

    // 3. Consumer groups: Kafka splits a group's work by partition, so the layout decides who works.
    const describe = (run: LayoutRun) => run.members.map((m) => `${m.memberId} [${m.partitions.join(',')}] ${m.handled}`).join(', ');
    const [onePartition, byStream] = await runGroupLayoutsDemo(brokers);
    narrate(
      `Consumer group of 3 members on the one-partition events topic (the total order $all needs): ${onePartition!.events} events, handled per member (partitions held): ` +
        `${describe(onePartition!)} — Kafka gives a partition to ONE member of a group, so two members idle whatever the load.`,
    );
    narrate(
      `The same group on the by-stream topic (${byStream!.topicPartitions} partitions, key = stream id, written in the same transaction as the log): ` +
        `${describe(byStream!)}, drained in ${byStream!.drainMs} ms; each stream stays in one partition, so it is still handled in order (labs/kafka/group-member.ts).`,
    );
    const cost = await measureByStreamCost(brokers);
    narrate(
      `The price of the copy, same appends on two fresh namespaces in alternating rounds: one writer ${cost.sequentialMs.plain} ms per append without it, ${cost.sequentialMs.byStream} ms with it ` +
        `(x${(cost.sequentialMs.byStream / cost.sequentialMs.plain).toFixed(2)}: the transaction's round trips dominate, not the second record); ` +
        `8 writers (group commit) ${cost.concurrentPerSecond.plain} vs ${cost.concurrentPerSecond.byStream} appends/s (rounds ${cost.concurrentRange.plain.join('-')} vs ${cost.concurrentRange.byStream.join('-')}). ` +
        `Every event is stored twice.`,
    );

    // 4. Fencing, as the broker does it, and the kafkajs detail the store's writer depends on.
    const fenceTopics = [`workbench-tour.fencing-connect-${run}`, `workbench-tour.fencing-init-${run}`];
    topics.push(...fenceTopics);
    await ensureTopics(admin, fenceTopics.map((topic) => ({ topic, numPartitions: 1 })));
    const afterConnect = await commitAfterSecondWriter(kafka, fenceTopics[0]!, 'connect');
    const afterInit = await commitAfterSecondWriter(kafka, fenceTopics[1]!, 'first-transaction');
    narrate(
      `Fencing: writer A opened a transaction; writer B, with the same transactional id, only connected: A's commit was ${afterConnect}. ` +
        `Again, but B began its first transaction: A's commit was ${afterInit}. kafkajs sends the InitProducerId that bumps the epoch at a producer's first transaction(), not at connect(), ` +
        `so the store's writer takes its role with an empty transaction before it checks anything: then writers in different processes fence each other (docs/labs/kafka.md).`,
    );

    // 5. Pitfall 1, two writers with no concurrency control.
    const naiveA = await NaiveKafkaEventStore.connect({ brokers });
    const naiveB = await NaiveKafkaEventStore.connect({ brokers });
    try {
      const account = `tour-${run}-account`;
      await naiveA.appendToStream(account, [{ id: randomUUID(), type: 'Opened', data: { balance: 100 } }], { expectedVersion: 'no_stream' });
      const outcomes = await Promise.allSettled([
        naiveA.appendToStream(account, [{ id: randomUUID(), type: 'Withdrawn', data: { amount: 80, by: 'A' } }], { expectedVersion: 0 }),
        naiveB.appendToStream(account, [{ id: randomUUID(), type: 'Withdrawn', data: { amount: 70, by: 'B' } }], { expectedVersion: 0 }),
      ]);
      const stream = await naiveA.readStream(account);
      const claimed = stream.slice(1).map((e) => `${(e.data as { by: string }).by} at version ${e.streamVersion}`);
      narrate(
        `Naive store, two writers both at expectedVersion 0 on '${account}': ${outcomes.filter((o) => o.status === 'fulfilled').length} of 2 "succeeded"; ` +
          `the stream now holds ${stream.length} events (${claimed.join(', ')}), both writers believed they wrote version 1: 150 withdrawn from a balance of 100.`,
      );
    } finally {
      await Promise.allSettled([naiveA.close(), naiveB.close()]);
    }

    // 6. Pitfall 2, commit before processing.
    const naive = await runCommitOrderDemo(brokers, 'commit-before-processing');
    narrate(
      `A consumer that commits offsets before processing: ${naive.produced} events, crashed after handling ${naive.handledBeforeCrash} with offset ${naive.committedAtCrash} committed; ` +
        `the restart resumed there and handled ${naive.handledAfterRestart}: ${naive.lost} events LOST, without any error.`,
    );
    const correct = await runCommitOrderDemo(brokers, 'process-then-commit');
    narrate(
      `The same crash with process-then-commit: committed offset ${correct.committedAtCrash} at the crash, the restart handled ${correct.handledAfterRestart}: ` +
        `${correct.lost} lost, ${correct.handledTwice} handled twice (at-least-once: make handlers idempotent, or commit output and offset in one transaction).`,
    );
  } finally {
    await admin.deleteTopics({ topics }).catch(() => {});
    await admin.disconnect();
  }
}
