/**
 * The two layouts of a Kafka consumer group, run for real (the tour, group-layouts.int.spec.ts), and what
 * the second one costs the writer.
 *
 * - ONE partition (the store's events topic, the total order `$all` needs): Kafka assigns a partition to
 *   one member of a group, so of three members one gets everything and two stay idle, whatever the load.
 * - BY STREAM (the store's `<ns>.by-stream` topic, 8 partitions, key = stream id): the coordinator spreads
 *   the partitions over the members and the work is split.
 *
 * The cost: the writer produces every event twice (the log and the by-stream copy) in one transaction.
 * `measureByStreamCost` times the same appends on two fresh namespaces, one with the copy and one
 * without, in alternating rounds so that both see the same machine load.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { consume, sleep, type ConsumerGroupMember } from '../core/index.ts';
import { KafkaEventStore } from './kafka-store.ts';

export interface LayoutRun {
  layout: 'one-partition' | 'by-stream';
  topicPartitions: number;
  /** Per member: partitions held once the group settled, and events handled. */
  members: { memberId: string; partitions: number[]; handled: number }[];
  events: number;
  /** Distinct events handled by the group (every one, when nothing was lost). */
  distinctHandled: number;
  drainMs: number;
}

const MEMBERS = 3;
const STREAMS = 24;
const PER_STREAM = 5;

/** Waits until all members joined and the assignment has not changed for `quietMs`. */
async function settled(members: ConsumerGroupMember[], topicPartitions: number, timeoutMs: number, quietMs = 1_500): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  await Promise.all(members.map((m) => m.joined));
  let last = '';
  let since = Date.now();
  while (Date.now() < deadline) {
    const now = JSON.stringify(members.map((m) => m.stats.partitions));
    const held = members.flatMap((m) => m.stats.partitions);
    if (now !== last) {
      last = now;
      since = Date.now();
    } else if (held.length === topicPartitions && new Set(held).size === topicPartitions && Date.now() - since >= quietMs) return;
    await sleep(50);
  }
  throw new Error(`the group did not settle within ${timeoutMs} ms: ${last}`);
}

async function runLayout(store: KafkaEventStore, layout: LayoutRun['layout'], timeoutMs: number): Promise<LayoutRun> {
  const prefix = `layout-${randomBytes(3).toString('hex')}-`;
  const options = { group: `${prefix}group`, streamPrefix: prefix, leaseMs: 3_000 };
  const topicPartitions = layout === 'by-stream' ? 8 : 1;
  const members = Array.from({ length: MEMBERS }, (_, i) =>
    layout === 'by-stream' ? store.joinConsumerGroup({ ...options, memberId: `member-${i + 1}` }) : store.joinGroupOnEventsTopic({ ...options, memberId: `member-${i + 1}` }),
  );
  const handled = new Map<string, Set<string>>(members.map((m) => [m.memberId, new Set()]));
  const runs = members.map((m) =>
    consume(m, async (d) => {
      await sleep(2); // a handler's cost
      handled.get(m.memberId)!.add(d.event.id);
    }),
  );
  try {
    await settled(members, topicPartitions, timeoutMs);
    const partitions = members.map((m) => [...m.stats.partitions]);
    const ids = new Set<string>();
    await Promise.all(
      Array.from({ length: STREAMS }, async (_, s) => {
        const events = Array.from({ length: PER_STREAM }, (_, n) => ({ id: randomUUID(), type: 'Work', data: { s, n } }));
        events.forEach((e) => ids.add(e.id));
        await store.appendToStream(`${prefix}${s}`, events, { expectedVersion: 'no_stream' });
      }),
    );
    const started = Date.now();
    const distinct = () => new Set([...handled.values()].flatMap((h) => [...h]).filter((id) => ids.has(id))).size;
    while (distinct() < ids.size && Date.now() - started < timeoutMs) await sleep(25);
    const drainMs = Date.now() - started;
    return {
      layout,
      topicPartitions,
      members: members.map((m, i) => ({ memberId: m.memberId, partitions: partitions[i]!, handled: handled.get(m.memberId)!.size })),
      events: ids.size,
      distinctHandled: distinct(),
      drainMs,
    };
  } finally {
    await Promise.allSettled(members.map((m) => m.leave()));
    await Promise.allSettled(runs);
  }
}

/** Three members of one group on each layout, on a namespace of its own (a small log to read). */
export async function runGroupLayoutsDemo(brokers: readonly string[], timeoutMs = 60_000): Promise<LayoutRun[]> {
  const store = await KafkaEventStore.connect({ brokers, namespace: `group-layouts-${randomBytes(4).toString('hex')}` });
  try {
    return [await runLayout(store, 'one-partition', timeoutMs), await runLayout(store, 'by-stream', timeoutMs)];
  } finally {
    await store.close();
  }
}

export interface AppendCost {
  /** Median ms per append of one event, one writer (each append its own transaction). */
  sequentialMs: { plain: number; byStream: number };
  /** Median appends per second with 8 concurrent writers (group commit: one transaction carries several appends). */
  concurrentPerSecond: { plain: number; byStream: number };
  /** Lowest and highest of those rounds: on a shared machine the spread says how far to trust the medians. */
  concurrentRange: { plain: [number, number]; byStream: [number, number] };
  appendsPerRound: number;
  rounds: number;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** The same appends with and without the by-stream copy, in alternating rounds. */
export async function measureByStreamCost(brokers: readonly string[], appendsPerRound = 60, rounds = 3): Promise<AppendCost> {
  const run = randomBytes(3).toString('hex');
  const plain = await KafkaEventStore.connect({ brokers, namespace: `cost-${run}-plain`, streamPartitions: 0 });
  const byStream = await KafkaEventStore.connect({ brokers, namespace: `cost-${run}-by-stream` });
  const append = (store: KafkaEventStore) => store.appendToStream(`cost-${randomUUID()}`, [{ type: 'Measured', data: { pad: 'x'.repeat(200) } }]);
  const samples = { plain: [] as number[], byStream: [] as number[] };
  const rates = { plain: [] as number[], byStream: [] as number[] };
  try {
    await Promise.all([append(plain), append(byStream)]); // each writer takes its role once
    for (let round = 0; round < rounds; round++) {
      for (const [name, store] of [['plain', plain], ['byStream', byStream]] as const) {
        for (let i = 0; i < appendsPerRound; i++) {
          const started = performance.now();
          await append(store);
          samples[name].push(performance.now() - started);
        }
        const started = performance.now();
        const perWriter = Math.ceil(appendsPerRound / 2);
        await Promise.all(
          Array.from({ length: 8 }, async () => {
            for (let i = 0; i < perWriter; i++) await append(store);
          }),
        );
        rates[name].push((8 * perWriter) / ((performance.now() - started) / 1000));
      }
    }
  } finally {
    await Promise.allSettled([plain.close(), byStream.close()]);
  }
  const round1 = (n: number) => Math.round(n * 10) / 10;
  return {
    sequentialMs: { plain: round1(median(samples.plain)), byStream: round1(median(samples.byStream)) },
    concurrentPerSecond: { plain: Math.round(median(rates.plain)), byStream: Math.round(median(rates.byStream)) },
    concurrentRange: {
      plain: [Math.round(Math.min(...rates.plain)), Math.round(Math.max(...rates.plain))],
      byStream: [Math.round(Math.min(...rates.byStream)), Math.round(Math.max(...rates.byStream))],
    },
    appendsPerRound,
    rounds,
  };
}
