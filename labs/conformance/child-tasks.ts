/**
 * Tasks the cross-process scenarios run in other OS processes, each on a store of its own. They depend on
 * the contract only: the binding (labs/bindings/child.ts) opens the store and runs them.
 */
import { randomUUID } from 'node:crypto';
import { consume, sleep, WrongExpectedVersionError, type EventStore, type JsonValue } from '../core/index.ts';

/** `signal` aborts when the parent asks the process to stop (SIGTERM): the task ends cleanly and returns. */
export type ChildTask = (
  store: EventStore,
  args: JsonValue,
  progress: (message: JsonValue) => void,
  signal: AbortSignal,
) => Promise<JsonValue>;

interface RaceArgs {
  streamId: string;
  attempts: number;
  writer: number;
}

export interface GroupMemberArgs {
  group: string;
  memberId: string;
  streamPrefix: string;
  partitions: number;
  leaseMs: number;
  /** How long the handler works on each event (a projection's write, a call to another service). */
  handlerMs: number;
  /** `wait` (default): the handler waits (I/O); `cpu`: it computes, one core busy for handlerMs. */
  handlerKind?: 'wait' | 'cpu';
  /** Report handled deliveries in batches every this many ms instead of one message each (benchmarks). */
  reportEveryMs?: number;
  /** Where partitions without a checkpoint start (default: the end of the log, as the member joins). */
  startAt?: 'start' | 'end';
  /** The member's bufferSize option (default: the contract's). */
  bufferSize?: number;
  /**
   * Also report each delivery as its handler starts (`{ started: eventId }`): for groups without visible
   * partitions, what a killed member had in hand is what it started and did not report handled.
   */
  reportStarts?: boolean;
}

/**
 * One handled delivery, as a member process reports it:
 * [eventId, streamId, version, startMs, endMs, attempt, partition, sentAt] — times in wall-clock ms
 * (comparable across processes); sentAt is the event's `data.sentAt` when it has one (benchmarks), else -1.
 */
export type HandledRecord = [string, string, number, number, number, number, number, number];

/** A CPU-bound handler: keeps one core busy for `ms` (what a member process adds is CPU). */
function busyFor(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // spin
  }
}

interface BatchArgs {
  streamPrefix: string;
  batchSize: number;
  batches: number;
}

export const childTasks: Record<string, ChildTask> = {
  /**
   * Read the stream's version, append one event expecting it; repeat. Every attempt either wins (its event
   * takes the next version) or is refused with WrongExpectedVersionError — nothing else.
   */
  async 'race-appends'(store, args) {
    const { streamId, attempts, writer } = args as unknown as RaceArgs;
    let won = 0;
    let refused = 0;
    // Each win with the version the store answered: a store that acknowledges one version and stores the
    // event at another has lost an update, even when the stream ends up without gaps.
    const wins: { id: string; answered: number }[] = [];
    const otherErrors: string[] = [];
    for (let attempt = 0; attempt < attempts; attempt++) {
      // The newest event: one backward read, or (a store that cannot read backwards) the whole stream.
      const last = store.unsupported['read-backward']
        ? (await store.readStream(streamId)).at(-1)
        : (await store.readStream(streamId, { direction: 'backward', maxCount: 1 }))[0];
      const id = randomUUID();
      try {
        const result = await store.appendToStream(streamId, [{ id, type: 'Raced', data: { writer, attempt } }], {
          expectedVersion: last ? last.streamVersion : 'no_stream',
        });
        won++;
        wins.push({ id, answered: result.nextExpectedVersion });
      } catch (error) {
        if (error instanceof WrongExpectedVersionError) refused++;
        else otherErrors.push(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
      }
    }
    return { won, refused, wins, otherErrors };
  },

  /**
   * Be one member of a consumer group until asked to stop: report when it has joined, every delivery it
   * handled (with wall-clock start and end, comparable across processes), and the partitions it holds.
   */
  async 'group-member'(store, args, progress, signal) {
    const a = args as unknown as GroupMemberArgs;
    if (!store.joinConsumerGroup) throw new Error(`the ${store.backend} store has no consumer groups`);
    const member = store.joinConsumerGroup({ group: a.group, memberId: a.memberId, streamPrefix: a.streamPrefix, partitions: a.partitions, leaseMs: a.leaseMs, startAt: a.startAt ?? 'end', ...(a.bufferSize === undefined ? {} : { bufferSize: a.bufferSize }) });
    const now = () => performance.timeOrigin + performance.now();
    let reported = '';
    const reportPartitions = () => {
      const held = JSON.stringify(member.stats.partitions);
      if (held !== reported) progress({ partitions: member.stats.partitions });
      reported = held;
    };
    await member.joined;
    reportPartitions();
    progress({ joined: a.memberId });
    const watch = setInterval(reportPartitions, 50);
    signal.addEventListener('abort', () => void member.leave(), { once: true });
    let batch: HandledRecord[] = [];
    const flush = () => {
      if (batch.length) progress({ handledBatch: batch });
      batch = [];
    };
    const flusher = a.reportEveryMs ? setInterval(flush, a.reportEveryMs) : undefined;
    await consume(member, async (delivery) => {
      const start = now();
      if (a.reportStarts) progress({ started: delivery.event.id });
      if (a.handlerKind === 'cpu') busyFor(a.handlerMs);
      else await sleep(a.handlerMs);
      const e = delivery.event;
      const sentAt = (e.data as { sentAt?: unknown } | null)?.sentAt;
      const handled: HandledRecord = [e.id, e.streamId, e.streamVersion, start, now(), delivery.attempt, delivery.partition, typeof sentAt === 'number' ? sentAt : -1];
      if (a.reportEveryMs) batch.push(handled);
      else progress({ handled });
    });
    clearInterval(watch);
    clearInterval(flusher);
    flush();
    const { handled, retried, parked, revoked, rebalances } = member.stats;
    return { handled, retried, parked, revoked, rebalances };
  },

  /**
   * Append batches to new streams, saying which batch is about to be sent, until killed: the parent kills
   * the process at a random moment, some batch mid-flight.
   */
  async 'append-batches'(store, args, progress) {
    const { streamPrefix, batchSize, batches } = args as unknown as BatchArgs;
    for (let n = 0; n < batches; n++) {
      const events = Array.from({ length: batchSize }, (_, i) => ({ type: 'Batched', data: { batch: n, index: i, pad: 'x'.repeat(200) } }));
      progress({ sending: n });
      await store.appendToStream(`${streamPrefix}${n}`, events, { expectedVersion: 'no_stream' });
    }
    return { completed: batches };
  },
};
