/**
 * Optimistic concurrency on Kafka, which has none: a single writer per partition, enforced by the broker
 * with transactional fencing, and group commit to make the single writer fast.
 *
 * Every writer of the events partition, in every process, uses the SAME transactional id. Initialising a
 * transactional producer with it (InitProducerId) bumps the producer epoch: the broker aborts any open
 * transaction of the previous holder and refuses every later request of it (INVALID_PRODUCER_EPOCH /
 * PRODUCER_FENCED). So for a group of appends (see GROUP COMMIT below):
 *
 *   1. take the writer role: init the transactional producer (fences whoever wrote before);
 *   2. read the partition to its end (the log view): after step 1 no transaction is open on it, so the
 *      end offset is stable and the view then holds every event ever committed;
 *   3. check each append's event ids and expected version against the view (and the group, below:
 *      append-checks.ts);
 *   4. produce the accepted appends in one transaction and commit it.
 *
 * If anyone took the role between 1 and 4, our commit fails as fenced and nothing of ours is written: we
 * start again at 1 and re-check against what they wrote. The producer keeps the role between groups (no
 * step 1-2 while nobody else wrote).
 *
 * STEP 1 WITH KAFKAJS (measured, docs/labs/kafka.md "Fencing, measured"): kafkajs 2.2.4 sends the
 * transactional InitProducerId only inside the producer's first `transaction()`. `connect()` of an
 * idempotent producer sends an InitProducerId WITHOUT the transactional id: a fresh producer id, epoch 0,
 * fencing nobody. A writer that took `connect()` for step 1 checked before it held the role, and two
 * processes were not fenced. So step 1 is `connect()`, then an empty `transaction()` that is aborted at once
 * (kafkajs sends no EndTxn for a transaction with no partitions): that is the fencing request.
 *
 * GROUP COMMIT. A transaction costs several broker round trips whatever it carries (AddPartitionsToTxn,
 * Produce, EndTxn, then the markers must be written before read_committed readers see the records), and
 * the writer role admits one transaction at a time. So, as databases do with their write-ahead log, the
 * appends that queue on a writer while its transaction is in flight are written together, in ONE
 * transaction, by the next round: one round trip sequence for the group instead of one per append. An
 * append that finds the writer idle goes at once, alone: grouping adds no wait, it only uses the wait
 * that was there anyway. Inside a group, members are decided in queue order, each against the log plus
 * the members accepted before it (append-checks.ts): the outcome is that of appending them one by one.
 * Each member's promise is settled only once the group's fate is known, because a refusal may rest on an
 * earlier member that is only accepted, not written: if the transaction is fenced, EVERY member is checked
 * again after catching up. Positions are exact: the records of one send are one record batch, with
 * consecutive offsets from the batch's base offset (position = offset + 1, records.ts). A group is capped by
 * bytes (MAX_BATCH_BYTES, what one produce request may carry); an append bigger than that alone is split
 * into several sends of one transaction.
 *
 * Writers in one process queue on a per-partition mutex (each writer's groups, one at a time), and the
 * process remembers which writer held the role last, so a writer that lost it to a neighbour re-inits at
 * once instead of failing a send first. Writers in different processes are kept apart by the broker's
 * fencing alone: each take-over costs the loser a failed transaction and a re-init, so they back off with
 * jitter before taking the role back (without it, two processes can fence each other forever).
 *
 * Emulated, not native: the version check (3) is ours; Kafka provides the exclusion (fencing), atomicity of
 * a multi-event append (transactions) and read_committed isolation. The cost: every append of the store is
 * serialised through one writer role — one transaction at a time, each carrying a group of appends.
 */
import { Partitioners, type Message, type Producer } from 'kafkajs';
import { BackendUnavailableError, type AppendResult, type ExpectedVersion, type ValidatedEvent } from '../core/index.ts';
import { isWrite, planGroup, settle, settleUnknown, type PlannedAppend, type PlannedWrite, type QueuedAppend } from './append-checks.ts';
import { isConcurrentTransactionsError, isFencedError, isKafkaUnavailable as isUnreachable } from './client.ts';
import type { LogView } from './log-view.ts';
import { encodeEvent } from './records.ts';
import { EVENTS_PARTITION } from './topology.ts';

/** kafkajs sends one request per call; the broker refuses a record batch above message.max.bytes (~1 MB). */
const MAX_BATCH_BYTES = 768 * 1024;
/** An error kafkajs raised (protocol, transaction state, retries exhausted), not a bug of ours. */
const isKafkaError = (error: unknown): boolean => error instanceof Error && error.name.startsWith('KafkaJS');

/** Take-overs one group tries before giving up: other processes fencing it each time (jittered back-off between). */
const MAX_TAKEOVERS = 24;

export interface WriterStats {
  /** Appends written (each by exactly one committed transaction). */
  appends: number;
  /** Kafka transactions committed. With group commit one transaction carries every append that queued. */
  transactions: number;
  /** Most appends one committed transaction carried. */
  largestGroup: number;
  /** Times this writer (re)initialised its producer, fencing the previous holder. */
  takeovers: number;
  /** Times this writer found itself fenced by another writer at send or commit. */
  fenced: number;
}

// ---- process-wide: a mutex per transactional id, and who held it last ---------------------------------
interface WriterSlot {
  tail: Promise<void>;
  lastHolder: symbol | undefined;
}
const slots = new Map<string, WriterSlot>();

async function withWriterSlot<T>(key: string, holder: symbol, action: (previousHolder: symbol | undefined) => Promise<T>): Promise<T> {
  let slot = slots.get(key);
  if (!slot) {
    slot = { tail: Promise.resolve(), lastHolder: undefined };
    slots.set(key, slot);
  }
  const current = slot;
  const previous = current.tail;
  let release!: () => void;
  current.tail = new Promise<void>((resolve) => (release = resolve));
  await previous;
  try {
    const before = current.lastHolder;
    current.lastHolder = holder;
    return await action(before);
  } finally {
    release();
  }
}

/** The store's writer: appends queue here and are committed in groups under the writer role. */
export class GroupCommitWriter {
  readonly stats: WriterStats = { appends: 0, transactions: 0, largestGroup: 0, takeovers: 0, fenced: 0 };
  private producer: Producer | undefined;
  private readonly holder = Symbol('writer');
  private readonly slotKey: string;
  /** Appends waiting for the next group, in arrival order. */
  private queue: QueuedAppend[] = [];
  private draining = false;

  constructor(private readonly view: LogView) {
    this.slotKey = `${view.brokers.join(',')}|${view.topology.writerTransactionalId}`;
  }

  append(streamId: string, events: readonly ValidatedEvent[], expected: ExpectedVersion): Promise<AppendResult> {
    return new Promise<AppendResult>((resolve, reject) => {
      this.queue.push({ streamId, events, expected, bytes: batchBytes(events), resolve, reject });
      if (!this.draining) void this.drain();
    });
  }

  /** One group at a time: while it is in flight, the next group forms in the queue. */
  private async drain(): Promise<void> {
    this.draining = true;
    try {
      while (this.queue.length > 0) {
        await withWriterSlot(this.slotKey, this.holder, async (previousHolder) => {
          // Taken once the role is ours, so the appends that queued while we waited for it join too.
          const group = this.takeGroup();
          if (group.length > 0) await this.commitGroup(group, previousHolder);
        });
      }
    } finally {
      this.draining = false;
    }
  }

  /** As many queued appends, in arrival order, as one produce request carries (at least one). */
  private takeGroup(): QueuedAppend[] {
    let bytes = 0;
    let count = 0;
    for (const append of this.queue) {
      if (count > 0 && bytes + append.bytes > MAX_BATCH_BYTES) break;
      bytes += append.bytes;
      count++;
    }
    return this.queue.splice(0, count);
  }

  /** Steps 1-4 for a group; settles every member, never throws. */
  private async commitGroup(group: readonly QueuedAppend[], previousHolder: symbol | undefined): Promise<void> {
    try {
      // Another writer of this process held the role since our last group: it fenced our producer.
      if (previousHolder !== this.holder && previousHolder !== undefined) await this.dropProducer();
      let lastError: unknown;
      for (let attempt = 1; attempt <= MAX_TAKEOVERS; attempt++) {
        // A cheap first check on the log as it is now: an append that lost the race is refused without
        // taking the writer role (a refusal against the log alone is always true: that version was really
        // in the log). If the log cannot be read to its end now (a crashed writer's transaction still
        // open: only taking the role aborts it), skip this check and let the authoritative one decide.
        const caughtUp = await this.view.catchUp(this.view.topology.events, 2_000).then(() => true, () => false);
        let plan: PlannedAppend[] | undefined;
        if (caughtUp) {
          plan = planGroup(this.view.index, group);
          if (!plan.some(isWrite)) return settle(plan, new Map());
        }
        let producer = caughtUp ? this.producer : undefined;
        if (!producer || !plan) {
          await this.dropProducer();
          try {
            producer = await this.takeWriterRole();
          } catch (error) {
            // Another process taking the role at the same moment (fenced, concurrent transactions, or the
            // coordinator's "unexpected error" while epochs race): back off and take it again.
            if (!isKafkaError(error) || isUnreachable(error)) throw error;
            lastError = error;
            await sleep(Math.random() * 10 * 2 ** Math.min(attempt, 5));
            continue;
          }
          // The authoritative check: under our epoch, after reading to the end.
          plan = planGroup(this.view.index, group);
          if (!plan.some(isWrite)) return settle(plan, new Map());
        }
        const writes = plan.filter(isWrite);
        let offsets: Map<string, bigint>;
        try {
          offsets = await this.produceInTransaction(producer, writes);
        } catch (error) {
          // A producer whose transaction failed is in a state kafkajs will not leave ("Cannot call
          // beginTransaction in state COMMITTING"): never reuse it.
          await this.dropProducer();
          if (!isKafkaError(error) || isUnreachable(error)) return settleUnknown(plan, error);
          lastError = error;
          if (isFencedError(error)) {
            this.stats.fenced++;
            // Nothing of ours was written: take the role again and re-check all. The writer that fenced us
            // is mid-transaction: give it a (random) moment, or we would fence it back before it commits.
            await sleep(Math.random() * 10 * 2 ** Math.min(attempt, 5));
            continue;
          }
          // Concurrent transactions, or an outcome we do not know (the broker's "unexpected error" while
          // another process takes the role). Trying again is safe: taking the role aborts our transaction
          // if it is still open, and the event-id check answers a batch that did land as a retry.
          await sleep(isConcurrentTransactionsError(error) ? 20 * Math.min(attempt, 5) : Math.random() * 10 * 2 ** Math.min(attempt, 5));
          continue;
        }
        this.stats.transactions++;
        this.stats.appends += writes.length;
        this.stats.largestGroup = Math.max(this.stats.largestGroup, writes.length);
        // commit() returns once the coordinator logged the decision, before the markers make the records
        // visible to read_committed readers: wait for them, so every caller reads its own write.
        const lastOffset = [...offsets.values()].reduce((a, b) => (b > a ? b : a));
        try {
          await this.view.waitFor(this.view.topology.events, lastOffset + 1n);
        } catch (error) {
          // Committed, but not yet visible (a partition leader died before the markers were written): the
          // callers are told "unknown" and retry with the same ids. The retry must NOT be checked on the
          // cheap path above with this producer: the log's end (the last stable offset) may still stop
          // before this transaction, so the retry would look new. Dropping the producer sends it through
          // the authoritative check: re-taking the role waits until the coordinator has completed this
          // transaction, and the view then reads it.
          await this.dropProducer();
          return settleUnknown(plan, error);
        }
        return settle(plan, offsets);
      }
      for (const append of group) {
        const reason = lastError instanceof Error ? ` (last: ${lastError.message})` : '';
        append.reject(
          new BackendUnavailableError(
            'kafka',
            `append to '${append.streamId}' gave up after ${MAX_TAKEOVERS} attempts to hold the events partition's writer role: other writers kept taking it over${reason}. Retry with the same event ids: a batch that did land is answered as a retry`,
            { cause: lastError },
          ),
        );
      }
    } catch (error) {
      // Taking the role or reading the log failed: no transaction of this group was committed.
      for (const append of group) append.reject(error);
    }
  }

  /** Steps 1 and 2. */
  private async takeWriterRole(): Promise<Producer> {
    const producer = this.view.kafka.producer({
      transactionalId: this.view.topology.writerTransactionalId,
      idempotent: true,
      maxInFlightRequests: 1,
      transactionTimeout: 30_000,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    await producer.connect(); // an idempotent producer id only: this fences nobody (see STEP 1 WITH KAFKAJS)
    try {
      // The transactional InitProducerId: bumps the epoch, aborts the previous holder's open transaction
      // (the broker answers CONCURRENT_TRANSACTIONS until its markers are written; kafkajs retries that).
      // Empty, so its abort sends nothing.
      const empty = await producer.transaction();
      await empty.abort();
    } catch (error) {
      await producer.disconnect().catch(() => {});
      throw error;
    }
    this.producer = producer;
    this.stats.takeovers++;
    await this.view.catchUp(this.view.topology.events);
    return producer;
  }

  /** Step 4: the accepted members' records, in queue order, in one transaction. Returns each record's offset by event id. */
  private async produceInTransaction(producer: Producer, writes: readonly PlannedWrite[]): Promise<Map<string, bigint>> {
    const records = writes.flatMap(({ append, verdict }) =>
      append.events.map((event, i) => ({ streamId: append.streamId, event, claimedVersion: (verdict.current ?? -1) + 1 + i })),
    );
    const transaction = await producer.transaction();
    const now = Date.now();
    const offsets = new Map<string, bigint>();
    try {
      // Records over one request's size limit go in several sends: the transaction keeps them atomic.
      //
      // THE LOG'S RECORDS IN A SEND OF THEIR OWN. kafkajs 2.2.4 retries a send that spans several brokers
      // per broker: it keeps the answers of the brokers that replied and resends to the ones that did not,
      // looked up again by partition leader. When a leader dies mid-send its partitions move to a broker
      // that already answered, so they are either resent under a NEW sequence number (the broker cannot
      // recognise the resend: the drill measured the same event stored twice in the log, at adjacent
      // offsets, after a leader kill) or never resent. A send to the one events partition goes to one
      // broker, and kafkajs resends it with the same sequence number, which the new leader deduplicates
      // (idempotence): the log, which decides every version and every retry, is exact.
      // The consumer-group copy goes in one send beside it (a send per partition measured 4x the append
      // p50 and 8x its p99: a round trip to the coordinator per partition). Records it failed to resend are
      // caught below (the transaction is aborted and the group tried again); a copy resent twice is a
      // redelivery to the group, which is at-least-once anyway.
      const { events, byStream, streamPartitions } = this.view.topology;
      for (const chunk of splitBySize(records, (r) => recordBytes(r.event))) {
        const messages = chunk.map((r) => encodeEvent(r.streamId, r.event, r.claimedVersion, EVENTS_PARTITION, now));
        // The consumer-group copy (topology.ts): same records, in the same transaction, so visible together
        // with the log or not at all; each stream's partition chosen from its key, as Kafka's default does.
        const copy = byStream ? byStreamCopy(byStream, streamPartitions, messages) : undefined;
        const [sent, copied] = await Promise.all([
          transaction.send({ topic: events, acks: -1, messages }),
          copy ? transaction.sendBatch({ acks: -1, topicMessages: [{ topic: copy.topic, messages: copy.messages }] }) : Promise.resolve([]),
        ]);
        const answered = new Set(copied.filter((m) => m.topicName === copy?.topic).map((m) => m.partition));
        const unanswered = [...(copy?.partitions ?? [])].filter((p) => !answered.has(p));
        if (unanswered.length > 0) throw new Error(`The broker did not acknowledge the by-stream copy on partitions ${unanswered.join(', ')}: the transaction is aborted`);
        const metadata = sent.find((m) => m.topicName === events && m.partition === EVENTS_PARTITION);
        if (!metadata?.baseOffset) throw new Error('The broker did not return the offset of the appended records');
        // One send to one partition is one record batch: its records have consecutive offsets, in order.
        const base = BigInt(metadata.baseOffset);
        chunk.forEach((r, i) => offsets.set(r.event.id, base + BigInt(i)));
      }
      await transaction.commit();
      return offsets;
    } catch (error) {
      if (!isFencedError(error)) await transaction.abort().catch(() => {});
      throw error;
    }
  }

  private async dropProducer(): Promise<void> {
    const producer = this.producer;
    this.producer = undefined;
    await producer?.disconnect().catch(() => {});
  }

  async close(): Promise<void> {
    await this.dropProducer();
  }
}

const keyPartitioner = Partitioners.DefaultPartitioner();

/** The by-stream copy of `messages`, each record given its stream's partition (from its key, as kafkajs's default partitioner does). */
function byStreamCopy(topic: string, partitions: number, messages: readonly Message[]): { topic: string; messages: Message[]; partitions: Set<number> } {
  const partitionMetadata = Array.from({ length: partitions }, (_, partitionId) => ({ partitionId, leader: -1, partitionErrorCode: 0, replicas: [], isr: [] }));
  const copy = messages.map(({ partition: _, ...message }) => ({ ...message, partition: keyPartitioner({ topic, partitionMetadata, message }) }));
  return { topic, messages: copy, partitions: new Set(copy.map((m) => m.partition)) };
}

/** Bytes one event adds to a produce request: its JSON, its id and the record's other headers. */
function recordBytes(event: ValidatedEvent): number {
  return event.sizeBytes + event.id.length + 64;
}

function batchBytes(events: readonly ValidatedEvent[]): number {
  return events.reduce((sum, event) => sum + recordBytes(event), 0);
}

function splitBySize<T>(items: readonly T[], sizeOf: (item: T) => number, maxBytes = MAX_BATCH_BYTES): T[][] {
  const chunks: T[][] = [];
  let chunk: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const size = sizeOf(item);
    if (chunk.length > 0 && bytes + size > maxBytes) {
      chunks.push(chunk);
      chunk = [];
      bytes = 0;
    }
    chunk.push(item);
    bytes += size;
  }
  if (chunk.length > 0) chunks.push(chunk);
  return chunks;
}

export function chunksBySize(events: readonly ValidatedEvent[], maxBytes = MAX_BATCH_BYTES): ValidatedEvent[][] {
  return splitBySize(events, recordBytes, maxBytes);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
