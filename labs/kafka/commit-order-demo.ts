/**
 * The second pitfall, run for real: when a consumer commits its offsets matters.
 *
 * Two handlers consume the same 20 events from a topic, each in its own consumer group, and each
 * "crashes" after handling 7 of them (its handler stops mid-batch and its consumer is disconnected
 * without committing anything more, as a killed process would). Then a new consumer of the same group
 * starts, as the restarted process would, from the group's committed offset:
 *
 * - `commit-before-processing` commits the whole batch's offset as soon as it receives it (what
 *   autocommit-on-receive amounts to). The restart resumes after the batch: the 13 events received but
 *   never handled are lost, silently.
 * - `process-then-commit` commits only after handling the batch. The restart re-delivers the batch: the
 *   7 handled ones are handled twice (at-least-once), nothing is lost. Handlers must be idempotent, or
 *   store their result and the offset in one transaction.
 */
import { randomBytes } from 'node:crypto';
import { Partitioners } from 'kafkajs';
import { createKafka, endOffset, ensureTopics } from './client.ts';

export type CommitOrder = 'commit-before-processing' | 'process-then-commit';

export interface CommitOrderResult {
  order: CommitOrder;
  produced: number;
  /** Handled before the crash. */
  handledBeforeCrash: number;
  /** The group's committed offset when the handler crashed. */
  committedAtCrash: number;
  /** Handled by the restarted consumer. */
  handledAfterRestart: number;
  /** Events no run ever handled. */
  lost: number;
  /** Events handled by both runs. */
  handledTwice: number;
}

export interface CommitOrderOptions {
  namespace?: string;
  events?: number;
  crashAfter?: number;
  timeoutMs?: number;
}

export async function runCommitOrderDemo(brokers: readonly string[], order: CommitOrder, options: CommitOrderOptions = {}): Promise<CommitOrderResult> {
  const total = options.events ?? 20;
  const crashAfter = options.crashAfter ?? 7;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const topic = `${options.namespace ?? 'workbench'}.demo.${order}-${randomBytes(4).toString('hex')}`;
  const groupId = `${topic}.handler`;
  const kafka = createKafka(brokers, 'commit-order-demo');
  const admin = kafka.admin();
  await admin.connect();
  try {
    await ensureTopics(admin, [{ topic, numPartitions: 1 }]);
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    // One send: one record batch, so the first fetch hands the consumer all of them at once.
    await producer.send({ topic, acks: -1, messages: Array.from({ length: total }, (_, i) => ({ key: 'orders', value: String(i) })) });
    await producer.disconnect();

    // ---- run 1: handles `crashAfter` events, then "crashes" mid-batch --------------------------------
    const firstRun: number[] = [];
    let crashed = false;
    let signalCrash!: () => void;
    const crash = new Promise<void>((resolve) => (signalCrash = resolve));
    const first = kafka.consumer({ groupId, maxWaitTimeInMs: 100 });
    await first.connect();
    await first.subscribe({ topics: [topic], fromBeginning: true });
    await first.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: async ({ batch }) => {
        if (crashed) return;
        const next = String(BigInt(batch.lastOffset()) + 1n);
        if (order === 'commit-before-processing') {
          await first.commitOffsets([{ topic, partition: batch.partition, offset: next }]);
        }
        for (const message of batch.messages) {
          if (firstRun.length === crashAfter) {
            crashed = true; // the process dies here: nothing after this line runs
            signalCrash();
            return;
          }
          firstRun.push(Number(message.value?.toString()));
        }
        if (order === 'process-then-commit') await first.commitOffsets([{ topic, partition: batch.partition, offset: next }]);
      },
    });
    await within(crash, timeoutMs, 'the first handler to crash');
    await first.disconnect();
    const committedAtCrash = await committedOffset(admin, groupId, topic);

    // ---- run 2: the restarted process, same group: it resumes at the committed offset -----------------
    const secondRun: number[] = [];
    const end = await endOffset(admin, topic, 0);
    const second = kafka.consumer({ groupId, maxWaitTimeInMs: 100 });
    await second.connect();
    await second.subscribe({ topics: [topic], fromBeginning: true });
    await second.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: async ({ batch, resolveOffset }) => {
        for (const message of batch.messages) {
          secondRun.push(Number(message.value?.toString()));
          resolveOffset(message.offset);
        }
        await second.commitOffsets([{ topic, partition: batch.partition, offset: String(BigInt(batch.lastOffset()) + 1n) }]);
      },
    });
    // Done when the group's committed offset reaches the end of the topic (at once, when nothing is left).
    await within(
      (async () => {
        while (BigInt(await committedOffset(admin, groupId, topic)) < end) await new Promise((r) => setTimeout(r, 50));
      })(),
      timeoutMs,
      'the restarted handler to reach the end',
    );
    await second.disconnect();

    const handled = new Set([...firstRun, ...secondRun]);
    return {
      order,
      produced: total,
      handledBeforeCrash: firstRun.length,
      committedAtCrash,
      handledAfterRestart: secondRun.length,
      lost: total - handled.size,
      handledTwice: firstRun.filter((n) => secondRun.includes(n)).length,
    };
  } finally {
    await admin.deleteGroups([groupId]).catch(() => {});
    await admin.deleteTopics({ topics: [topic] }).catch(() => {});
    await admin.disconnect();
  }
}

async function committedOffset(admin: ReturnType<ReturnType<typeof createKafka>['admin']>, groupId: string, topic: string): Promise<number> {
  const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
  const offset = offsets?.partitions.find((p) => p.partition === 0)?.offset ?? '-1';
  return offset === '-1' ? 0 : Number(offset);
}

async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms))),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
