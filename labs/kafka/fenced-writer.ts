/**
 * Optimistic concurrency on Kafka, which has none: a single writer per partition, enforced by the broker
 * with transactional fencing.
 *
 * Every writer of the events partition, in every process, uses the SAME transactional id. Starting a
 * producer with it (InitProducerId) bumps the producer epoch: the broker aborts any open transaction of
 * the previous holder and refuses every later request of it (INVALID_PRODUCER_EPOCH / PRODUCER_FENCED).
 * So for a group of appends (see GROUP COMMIT below):
 *
 *   1. take the writer role: init the transactional producer (fences whoever wrote before);
 *   2. read the partition to its end (the log view): after step 1 no transaction is open on it, so the
 *      end offset is stable and the view then holds every event ever committed;
 *   3. check each append's event ids and expected version against the view (and the group, below);
 *   4. produce the accepted appends in one transaction and commit it.
 *
 * By Kafka's transaction protocol, if anyone took the role between 1 and 4, our commit fails as fenced
 * and nothing of ours is written: we start again at 1 and re-check against what they wrote (handled
 * below). The producer keeps the role between groups (no step 1-2 while nobody else wrote).
 *
 * GROUP COMMIT. A transaction costs several broker round trips whatever it carries (AddPartitionsToTxn,
 * Produce, EndTxn, then the markers must be written before read_committed readers see the records), and
 * the writer role admits one transaction at a time. So, as databases do with their write-ahead log, the
 * appends that queue on a writer while its transaction is in flight are written together, in ONE
 * transaction, by the next round: one round trip sequence for the group instead of one per append. An
 * append that finds the writer idle goes at once, alone: grouping adds no wait, it only uses the wait
 * that was there anyway.
 *
 * The ORDERING RULE inside a group: members are checked one by one in queue (arrival) order, each against
 * the log view PLUS the members accepted before it in the group (GroupOverlay), and the accepted ones are
 * written in that same order. The outcome is therefore exactly that of appending them one after another:
 * two appends to one stream see each other (the second one's expected version is checked against the
 * first one's result), an event id repeated across members is a duplicate (or an exact retry) as it would
 * be sequentially, and the version each record claims is the one the index will give it. A refused member
 * is left out of the transaction; the others go on. Each member's promise is settled only once the group's
 * fate is known, because a refusal may rest on an earlier member that is only accepted, not written: if
 * the transaction is fenced, EVERY member is checked again after catching up. Positions are exact: the
 * records of one send are one record batch, with consecutive offsets from the batch's base offset, so
 * each member's last offset is known from the produce reply (position = offset + 1, records.ts).
 * A group is capped by bytes (MAX_BATCH_BYTES, what one produce request may carry), so it normally goes
 * in one send; an append bigger than that alone is still split into several sends of one transaction.
 *
 * Writers in one process queue on a per-partition mutex (each writer's groups, one at a time), and the
 * process remembers which writer held the role last, so a writer that lost it re-inits at once instead of
 * failing a send first. Appends are grouped per writer (per store instance): a group never mixes writers,
 * so a group always goes through the producer of the store it was appended to.
 *
 * MEASURED LIMIT (docs/labs/kafka.md, "Fencing, measured"): with kafkajs 2.2.4 against Kafka 4.4.0 the
 * broker does NOT fence the older producer: after a second producer with the same transactional id got a
 * new epoch, the first one still committed its open transaction, and even started and committed a new
 * one (the tour shows it). So what this store guarantees is the in-process part: every writer of one
 * process is serialised by the mutex, which is what the conformance suite's racing store instances
 * exercise. Across processes the check would rely on fencing, which this client/broker pair was not seen
 * to provide: run ONE writing process per namespace (Kafka's "single writer per partition" pattern).
 *
 * Emulated, not native: the version check (3) and the exclusion are ours; Kafka provides atomicity of a
 * multi-event append (transactions) and read_committed isolation. The cost: every append of the store is
 * serialised through one writer — one transaction at a time, each carrying a group of appends.
 */
import { Partitioners, type Producer } from 'kafkajs';
import {
  DuplicateEventIdError,
  WrongExpectedVersionError,
  type AppendResult,
  type ExpectedVersion,
  type ValidatedEvent,
} from '../core/index.ts';
import { isConcurrentTransactionsError, isFencedError } from './client.ts';
import type { LogView } from './log-view.ts';
import { encodeEvent, positionOfOffset } from './records.ts';
import { EVENTS_PARTITION } from './topology.ts';

/** kafkajs sends one request per call; the broker refuses a record batch above message.max.bytes (~1 MB). */
const MAX_BATCH_BYTES = 768 * 1024;
const MAX_TAKEOVERS = 8;

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

// ---- step 3: the checks ----------------------------------------------------------------------------------

/** An event the checks found stored in the log, or accepted earlier in the same group. */
export interface KnownEvent {
  id: string;
  streamId: string;
  streamVersion: number;
  /** Undefined for an event accepted earlier in the group: its position is known once the group commits. */
  globalPosition: bigint | undefined;
}

/** What the checks read: the view's index, or the index plus the members accepted earlier in a group. */
export interface AppendCheckSource {
  streamVersion(streamId: string): number | undefined;
  eventById(id: string): KnownEvent | undefined;
}

export type AppendCheck =
  /** Write the batch; the stream is at `current` before it (undefined: no stream). */
  | { kind: 'write'; current: number | undefined }
  /** An exact retry of an earlier append with these ids: nothing is written; `last` is its last event. */
  | { kind: 'retry'; last: KnownEvent };

/**
 * The idempotency check by event ids, then the expected version. Throws DuplicateEventIdError or
 * WrongExpectedVersionError. Pure over `source`.
 */
export function checkAppend(source: AppendCheckSource, streamId: string, events: readonly ValidatedEvent[], expected: ExpectedVersion, checkIds: boolean): AppendCheck {
  if (checkIds) {
    const stored = events.map((e) => source.eventById(e.id));
    const found = stored.filter((e) => e !== undefined);
    if (found.length > 0) {
      const isRetry =
        found.length === events.length &&
        stored.every((e) => e!.streamId === streamId) &&
        stored.every((e, i) => i === 0 || e!.streamVersion === stored[i - 1]!.streamVersion + 1);
      if (!isRetry) {
        throw new DuplicateEventIdError(streamId, found.map((e) => e.id), 'they are already stored, and this batch is not an exact retry of the append that stored them');
      }
      return { kind: 'retry', last: stored[stored.length - 1]! };
    }
  }
  const current = source.streamVersion(streamId);
  const ok =
    expected === 'any' ||
    (expected === 'no_stream' && current === undefined) ||
    (expected === 'stream_exists' && current !== undefined) ||
    (typeof expected === 'number' && current === expected);
  if (!ok) throw new WrongExpectedVersionError(streamId, expected, current ?? 'no_stream');
  return { kind: 'write', current };
}

export interface AppendDecision {
  /** The original result of an earlier append with exactly these ids (a retry): nothing is written. */
  retryOf?: AppendResult;
  /** Version the stream is at before the batch (undefined: no stream). */
  current: number | undefined;
}

/**
 * `checkAppend` against the view alone, for one append. Shared with the naive writer, which runs it
 * without any exclusion: that is its pitfall.
 */
export function decideAppend(view: LogView, streamId: string, events: readonly ValidatedEvent[], expected: ExpectedVersion, checkIds: boolean): AppendDecision {
  const index = view.index;
  const check = checkAppend(index, streamId, events, expected, checkIds);
  if (check.kind === 'write') return { current: check.current };
  const { streamVersion, globalPosition } = check.last;
  if (globalPosition === undefined) throw new Error('An event of the log view has no position'); // the index always gives one
  return { retryOf: { nextExpectedVersion: streamVersion, globalPosition }, current: index.streamVersion(streamId) };
}

/**
 * The log as it will be once the members accepted so far in this group are written: the view's index
 * plus their stream versions and event ids. Checking member n against it is checking it against the log
 * as if members 1..n-1 had been appended one by one before it (the ordering rule).
 */
class GroupOverlay implements AppendCheckSource {
  private readonly versions = new Map<string, number>();
  private readonly ids = new Map<string, KnownEvent>();

  constructor(private readonly log: AppendCheckSource) {}

  streamVersion(streamId: string): number | undefined {
    return this.versions.has(streamId) ? this.versions.get(streamId) : this.log.streamVersion(streamId);
  }

  eventById(id: string): KnownEvent | undefined {
    return this.log.eventById(id) ?? this.ids.get(id);
  }

  /** Whether the check of this append reads anything an earlier member of the group added. */
  readsGroup(streamId: string, events: readonly ValidatedEvent[]): boolean {
    return this.versions.has(streamId) || events.some((e) => this.ids.has(e.id));
  }

  accept(streamId: string, events: readonly ValidatedEvent[], current: number | undefined): void {
    const first = (current ?? -1) + 1;
    events.forEach((event, i) => this.ids.set(event.id, { id: event.id, streamId, streamVersion: first + i, globalPosition: undefined }));
    this.versions.set(streamId, first + events.length - 1);
  }
}

// ---- the queue ---------------------------------------------------------------------------------------

interface QueuedAppend {
  streamId: string;
  events: readonly ValidatedEvent[];
  expected: ExpectedVersion;
  /** Bytes the append adds to a produce request. */
  bytes: number;
  resolve(result: AppendResult): void;
  reject(error: unknown): void;
}

type Verdict =
  | { kind: 'write'; current: number | undefined }
  | { kind: 'retry'; last: KnownEvent }
  | { kind: 'refused'; error: WrongExpectedVersionError | DuplicateEventIdError };

interface PlannedAppend {
  append: QueuedAppend;
  verdict: Verdict;
  /** The verdict rests on an earlier member of the group: it only holds if that member is written. */
  readsGroup: boolean;
}

/** Step 3 for a group: every member in queue order, each against the log plus the members accepted before it. */
function planGroup(log: AppendCheckSource, group: readonly QueuedAppend[]): PlannedAppend[] {
  const overlay = new GroupOverlay(log);
  return group.map((append) => {
    const readsGroup = overlay.readsGroup(append.streamId, append.events);
    try {
      const check = checkAppend(overlay, append.streamId, append.events, append.expected, true);
      if (check.kind === 'write') overlay.accept(append.streamId, append.events, check.current);
      return { append, verdict: check, readsGroup };
    } catch (error) {
      if (error instanceof WrongExpectedVersionError || error instanceof DuplicateEventIdError) return { append, verdict: { kind: 'refused', error }, readsGroup };
      throw error;
    }
  });
}

const isWrite = (planned: PlannedAppend): planned is PlannedAppend & { verdict: { kind: 'write' } } => planned.verdict.kind === 'write';

export class FencedWriter {
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
          producer = await this.takeWriterRole();
          // The authoritative check: under our epoch, after reading to the end.
          plan = planGroup(this.view.index, group);
          if (!plan.some(isWrite)) return settle(plan, new Map());
        }
        const writes = plan.filter(isWrite);
        let offsets: Map<string, bigint>;
        try {
          offsets = await this.produceInTransaction(producer, writes);
        } catch (error) {
          if (isFencedError(error)) {
            this.stats.fenced++;
            await this.dropProducer(); // nothing of ours was written: take the role again and re-check all
            continue;
          }
          // The coordinator still finishing the previous transaction. Even if the outcome of ours were
          // unknown, trying again is safe: the event-id check answers a batch that did land as a retry.
          if (isConcurrentTransactionsError(error)) {
            await this.dropProducer();
            await new Promise((resolve) => setTimeout(resolve, 20 * attempt));
            continue;
          }
          return settleUnknown(plan, error);
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
          return settleUnknown(plan, error);
        }
        return settle(plan, offsets);
      }
      for (const append of group) {
        append.reject(new Error(`Append to '${append.streamId}' gave up after ${MAX_TAKEOVERS} attempts: other writers kept taking over the events partition`));
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
    await producer.connect(); // InitProducerId: bumps the epoch, aborts the previous holder's open transaction
    this.producer = producer;
    this.stats.takeovers++;
    await this.view.catchUp(this.view.topology.events);
    return producer;
  }

  /** Step 4: the accepted members' records, in queue order, in one transaction. Returns each record's offset by event id. */
  private async produceInTransaction(producer: Producer, writes: readonly (PlannedAppend & { verdict: { kind: 'write' } })[]): Promise<Map<string, bigint>> {
    const records = writes.flatMap(({ append, verdict }) =>
      append.events.map((event, i) => ({ streamId: append.streamId, event, claimedVersion: (verdict.current ?? -1) + 1 + i })),
    );
    const transaction = await producer.transaction();
    const now = Date.now();
    const offsets = new Map<string, bigint>();
    try {
      // Records over one request's size limit go in several sends: the transaction keeps them atomic.
      for (const chunk of splitBySize(records, (r) => recordBytes(r.event))) {
        const [metadata] = await transaction.send({
          topic: this.view.topology.events,
          acks: -1,
          messages: chunk.map((r) => encodeEvent(r.streamId, r.event, r.claimedVersion, EVENTS_PARTITION, now)),
        });
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

/** The group committed: each member gets its result, its exact retry answer, or its refusal. */
function settle(plan: readonly PlannedAppend[], offsets: ReadonlyMap<string, bigint>): void {
  const positionOf = (event: KnownEvent): bigint | undefined => {
    if (event.globalPosition !== undefined) return event.globalPosition;
    const offset = offsets.get(event.id);
    return offset === undefined ? undefined : positionOfOffset(offset);
  };
  for (const { append, verdict } of plan) {
    if (verdict.kind === 'refused') {
      append.reject(verdict.error);
      continue;
    }
    const last: KnownEvent =
      verdict.kind === 'retry'
        ? verdict.last
        : { id: append.events.at(-1)!.id, streamId: append.streamId, streamVersion: (verdict.current ?? -1) + append.events.length, globalPosition: undefined };
    const globalPosition = positionOf(last);
    if (globalPosition === undefined) append.reject(new Error(`The position of event ${last.id} is unknown after the commit`)); // cannot happen: kept honest
    else append.resolve({ nextExpectedVersion: last.streamVersion, globalPosition });
  }
}

/**
 * The transaction's outcome is unknown (an error that is neither fencing nor a busy coordinator): the
 * written members get the error (a retry with the same event ids is answered correctly either way), and
 * so does every member whose verdict rested on them. The others' verdicts rest on the log alone: they hold.
 */
function settleUnknown(plan: readonly PlannedAppend[], error: unknown): void {
  for (const planned of plan) {
    if (planned.verdict.kind === 'write' || planned.readsGroup) planned.append.reject(error);
  }
  settle(
    plan.filter((p) => p.verdict.kind !== 'write' && !p.readsGroup),
    new Map(),
  );
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
