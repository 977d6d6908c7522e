/**
 * The process's view of the store's topics: ONE kafkajs consumer (its own throwaway consumer group)
 * reads the events partition and the snapshots topic from offset 0 into memory, and keeps following
 * them. Every store instance of the process (the conformance suite opens several) shares it; each store
 * still has its own producers, which is where concurrency is decided (group-commit-writer.ts).
 *
 * - `catchUp(topic)` asks the broker for the partition's end offset and waits until the view has read up
 *   to it: everything committed before the call is then in the view. Transaction markers and aborted
 *   records take offsets too, so progress is tracked from kafkajs' batch events (which include them),
 *   not from delivered messages.
 * - The consumer reads `read_committed`: records of open or aborted transactions are never seen, so a
 *   reader following the view by offset cannot pass a record that commits later.
 * - The view is refcounted and closed (consumer leaves, its group is deleted) shortly after the last
 *   store of the process closes, so a test process does not keep a consumer group behind.
 */
import { EventEmitter } from 'node:events';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Admin, Consumer, Kafka, KafkaMessage } from 'kafkajs';
import { waitForWakeUp, type JsonValue, type Snapshot } from '../core/index.ts';
import { createKafka, endOffset, ensureTopics, isCoordinatorNotFound } from './client.ts';
import { EventLogIndex, type IndexedEvent } from './event-log-index.ts';
import { decodeEnvelope } from './records.ts';
import { EVENTS_PARTITION, topologyFor, type KafkaTopology, type TopologyOptions } from './topology.ts';

/** How long the view tries to bring back a consumer kafkajs gave up on (a broker restart takes seconds). */
const RESTART_AFTER_CRASH_MS = 120_000;
/** The replay of the log at open fails after this long without progress (not after a fixed total time). */
const REPLAY_STALL_MS = 60_000;
/** A replay longer than this reports its progress on stderr, this often. */
const REPLAY_PROGRESS_MS = 10_000;

export interface LogViewStats {
  events: number;
  streams: number;
  snapshots: number;
  /** Time the first catch-up (the replay of the whole log) took, in ms. */
  replayMs: number | undefined;
}

/** One view per broker list, namespace and layout (the by-stream copy, the events topic's retention). */
function viewKey(brokers: readonly string[], namespace: string, options: TopologyOptions): string {
  return `${brokers.join(',')}|${namespace}|${options.streamPartitions ?? 0}|${options.eventsRetention ?? 'forever'}`;
}

export class LogView {
  readonly index = new EventLogIndex();
  readonly snapshots = new Map<string, Snapshot>();
  /** Live crypto-shredding keys by record key `<subject>/<key id>`, with the offset that wrote each. */
  readonly subjectKeys = new Map<string, { subjectId: string; keyId: string; key: Buffer; offset: bigint }>();
  private subjectKeysPosition = 0n;
  readonly kafka: Kafka;
  readonly admin: Admin;
  readonly topology: KafkaTopology;
  private readonly consumer: Consumer;
  private readonly groupId: string;
  private readonly progress = new EventEmitter();
  private snapshotsPosition = 0n;
  private failure: Error | undefined;
  /** The consumer's last crash (kafkajs restarts it), until it makes progress or rejoins its group again. */
  private outage: Error | undefined;
  private closed = false;
  replayMs: number | undefined;

  private constructor(
    readonly brokers: readonly string[],
    namespace: string,
    /** The layout this view was opened with (its key among the shared views). */
    readonly topologyOptions: TopologyOptions = {},
  ) {
    this.topology = topologyFor(namespace, topologyOptions);
    this.kafka = createKafka(brokers, `${namespace}-view`);
    this.admin = this.kafka.admin();
    this.groupId = `${namespace}.view.${hostname()}-${process.pid}-${randomBytes(4).toString('hex')}`;
    this.consumer = this.kafka.consumer({
      groupId: this.groupId,
      readUncommitted: false,
      maxWaitTimeInMs: 100,
      // A replay reads the whole log: kafkajs' defaults (1 MiB per partition per fetch) cost a round trip
      // per ~2,500 events. 8 MiB per fetch of the one events partition (docs/labs/kafka.md, "Opening a
      // large log"); the broker sends less when less is there, so a live tail is not slowed.
      maxBytesPerPartition: 8 * 1024 * 1024,
      maxBytes: 16 * 1024 * 1024,
      // After a broker restart the group waits for the old membership to expire before the restarted
      // consumer is given the partitions again: a short session keeps that outage short (6 s is the broker's
      // minimum, group.min.session.timeout.ms).
      sessionTimeout: 10_000,
      heartbeatInterval: 1_000,
      // kafkajs restarts a crashed consumer forever by default; once the view is closing, it must not.
      retry: { restartOnFailure: async () => !this.closed },
    });
    this.progress.setMaxListeners(0);
  }

  // ---- one view per process, per broker list and namespace ------------------------------------------
  private static readonly shared = new Map<string, { view: Promise<LogView>; users: number; closeTimer?: NodeJS.Timeout }>();

  /** The view of these topics in this process, started on first use. Call `release()` once per acquire. */
  static acquire(brokers: readonly string[], namespace: string, topologyOptions: TopologyOptions = {}): Promise<LogView> {
    const key = viewKey(brokers, namespace, topologyOptions);
    let entry = LogView.shared.get(key);
    if (!entry) {
      const view = new LogView(brokers, namespace, topologyOptions);
      entry = { view: view.start().then(() => view), users: 0 };
      LogView.shared.set(key, entry);
      entry.view.catch(() => LogView.shared.delete(key));
    }
    entry.users++;
    clearTimeout(entry.closeTimer);
    entry.closeTimer = undefined;
    return entry.view;
  }

  /**
   * Drops one user. The last one closes the view after a short grace period, so that a store closed and
   * reopened right away (the conformance suite does that per scenario) does not replay the log again.
   */
  static release(brokers: readonly string[], namespace: string, topologyOptions: TopologyOptions = {}, graceMs = 1_000): void {
    const key = viewKey(brokers, namespace, topologyOptions);
    const entry = LogView.shared.get(key);
    if (!entry) return;
    entry.users--;
    if (entry.users > 0) return;
    entry.closeTimer = setTimeout(() => {
      if (entry.users > 0) return;
      LogView.shared.delete(key);
      void entry.view.then((view) => view.close()).catch(() => {});
    }, graceMs);
  }

  /**
   * Closes every view of this process now, lingering ones included. Call it before stopping the broker:
   * a view closed after its broker is gone would have a consumer retrying to reach it.
   */
  static async closeAll(): Promise<void> {
    const entries = [...LogView.shared.values()];
    LogView.shared.clear();
    await Promise.allSettled(
      entries.map(async (entry) => {
        clearTimeout(entry.closeTimer);
        const view = await entry.view;
        await view.close();
      }),
    );
  }

  private async start(): Promise<void> {
    const started = performance.now();
    await this.admin.connect();
    await ensureTopics(this.admin, this.topology.specs);
    await this.consumer.connect();
    this.consumer.on(this.consumer.events.END_BATCH_PROCESS, ({ payload }) => {
      // Includes batches made only of transaction markers or aborted records, which eachBatch never sees.
      this.advance(payload.topic, BigInt(payload.lastOffset) + 1n);
    });
    this.consumer.on(this.consumer.events.GROUP_JOIN, () => {
      this.outage = undefined;
    });
    this.consumer.on(this.consumer.events.CRASH, ({ payload }) => {
      this.outage = payload.error;
      if (payload.restart || this.closed) return;
      if (isCoordinatorNotFound(payload.error)) void this.restartAfterCrash(payload.error);
      else this.fail(payload.error);
    });
    await this.subscribeAndRun();
    await this.replay(this.topology.events);
    await this.catchUp(this.topology.snapshots, 60_000);
    await this.catchUp(this.topology.subjectKeys, 60_000);
    this.replayMs = Math.round(performance.now() - started);
  }

  private async subscribeAndRun(): Promise<void> {
    await this.consumer.subscribe({ topics: [this.topology.events, this.topology.snapshots, this.topology.subjectKeys], fromBeginning: true });
    await this.consumer.run({
      autoCommit: false, // a throwaway group: it always starts from offset 0
      eachBatch: async ({ batch }) => {
        for (const message of batch.messages) this.applyRecord(batch.topic, message);
        this.advance(batch.topic, BigInt(batch.lastOffset()) + 1n);
      },
    });
  }

  /**
   * kafkajs does not restart a consumer that crashed on KafkaJSGroupCoordinatorNotFound: it is a
   * non-retriable error, raised when no broker answered FindCoordinator — which is what a broker restart
   * looks like if the lookup falls in it (kafkajs issues 1445, 1630; measured here under load in
   * subscribe.survives-server-restart). So the view connects and runs its consumer again itself, for a
   * bounded time. Re-reading from offset 0 is harmless: the index ignores records below its position.
   */
  private async restartAfterCrash(cause: Error): Promise<void> {
    const deadline = Date.now() + RESTART_AFTER_CRASH_MS;
    let last: unknown = cause;
    while (!this.closed) {
      if (Date.now() > deadline) return this.fail(last instanceof Error ? last : cause);
      try {
        await this.consumer.connect();
        await this.subscribeAndRun();
        return;
      } catch (error) {
        last = error;
        await this.consumer.disconnect().catch(() => {});
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
  }

  private applyRecord(topic: string, message: KafkaMessage): void {
    if (topic === this.topology.events) {
      const decoded = decodeEnvelope(message);
      if (decoded) this.index.apply(decoded);
      else this.index.advanceTo(BigInt(message.offset) + 1n);
      return;
    }
    if (topic === this.topology.subjectKeys) return this.applySubjectKey(message);
    const streamId = message.key?.toString('utf8');
    if (streamId === undefined) return;
    if (message.value === null) {
      this.snapshots.delete(streamId); // a tombstone
      return;
    }
    try {
      const snapshot = JSON.parse(message.value.toString('utf8')) as { streamVersion: number; schemaVersion: number; state: JsonValue };
      this.snapshots.set(streamId, { streamVersion: snapshot.streamVersion, schemaVersion: snapshot.schemaVersion, state: snapshot.state });
    } catch {
      // not a snapshot of this store: ignored
    }
  }

  private applySubjectKey(message: KafkaMessage): void {
    const recordKey = message.key?.toString('utf8');
    if (recordKey === undefined) return;
    if (message.value === null) {
      this.subjectKeys.delete(recordKey); // forgotten: a tombstone
      return;
    }
    try {
      const { subjectId, keyId, key } = JSON.parse(message.value.toString('utf8')) as { subjectId: string; keyId: string; key: string };
      this.subjectKeys.set(recordKey, { subjectId, keyId, key: Buffer.from(key, 'base64'), offset: BigInt(message.offset) });
    } catch {
      // not a key of this store: ignored
    }
  }

  private advance(topic: string, offset: bigint): void {
    this.outage = undefined;
    if (topic === this.topology.events) this.index.advanceTo(offset);
    else if (topic === this.topology.subjectKeys) this.subjectKeysPosition = offset > this.subjectKeysPosition ? offset : this.subjectKeysPosition;
    else if (offset > this.snapshotsPosition) this.snapshotsPosition = offset;
    this.progress.emit('progress');
  }

  private fail(error: Error): void {
    this.failure = error;
    this.progress.emit('progress');
  }

  positionOf(topic: string): bigint {
    if (topic === this.topology.subjectKeys) return this.subjectKeysPosition;
    return topic === this.topology.events ? this.index.position : this.snapshotsPosition;
  }

  /** Resolves once the view has read every offset below `offset` of the topic's partition. */
  waitFor(topic: string, offset: bigint, timeoutMs = 15_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (this.failure) return finish(new Error(`The Kafka log view stopped: ${this.failure.message}`, { cause: this.failure }));
        if (this.closed) return finish(new Error('The Kafka log view is closed'));
        if (this.positionOf(topic) >= offset) return finish();
      };
      const timer = setTimeout(
        // While the consumer is down with its broker, the cause says so (a connection error): the store
        // reports BackendUnavailableError, and a subscription retries.
        () =>
          finish(
            new Error(`The Kafka log view did not reach offset ${offset} of ${topic} within ${timeoutMs} ms (it is at ${this.positionOf(topic)})`, {
              cause: this.outage,
            }),
          ),
        timeoutMs,
      );
      const finish = (error?: Error) => {
        clearTimeout(timer);
        this.progress.off('progress', check);
        if (error) reject(error);
        else resolve();
      };
      this.progress.on('progress', check);
      check();
    });
  }

  /** Waits until everything in the topic's partition when this is called has been read. */
  async catchUp(topic: string, timeoutMs = 15_000): Promise<void> {
    const end = await endOffset(this.admin, topic, EVENTS_PARTITION, timeoutMs);
    await this.waitFor(topic, end, timeoutMs);
  }

  /**
   * The first catch-up of the events topic: the replay of the whole log, whose time grows with it
   * (~60,000 events per CPU second here, docs/labs/kafka.md "Opening a large log"). A fixed timeout
   * failed a store over 1,000,000 events on a busy machine, so this one fails only when the view makes no
   * progress for REPLAY_STALL_MS; a replay that takes longer than REPLAY_PROGRESS_MS says how far it is
   * on stderr, every REPLAY_PROGRESS_MS.
   */
  private async replay(topic: string): Promise<void> {
    const end = await endOffset(this.admin, topic, EVENTS_PARTITION, REPLAY_STALL_MS);
    const started = performance.now();
    let lastProgress = started;
    for (;;) {
      const before = this.positionOf(topic);
      try {
        await this.waitFor(topic, end, REPLAY_PROGRESS_MS);
        return;
      } catch (error) {
        if (this.failure || this.closed) throw error;
        const now = performance.now();
        const at = this.positionOf(topic);
        if (at === before && now - lastProgress >= REPLAY_STALL_MS) {
          throw new Error(`The Kafka log view made no progress replaying ${topic} for ${REPLAY_STALL_MS} ms (at offset ${at} of ${end})`, { cause: this.outage });
        }
        if (at !== before) lastProgress = now;
        const seconds = (now - started) / 1000;
        process.stderr.write(
          `[kafka] replaying ${topic} into the store's index: offset ${at.toLocaleString('en-US')} of ${end.toLocaleString('en-US')} after ${seconds.toFixed(0)} s (${Math.round(Number(at) / seconds).toLocaleString('en-US')} records/s)\n`,
        );
      }
    }
  }

  /** Resolves at the next progress of the view (new records or markers), or after `timeoutMs`, or on abort. */
  waitForProgress(signal: AbortSignal, timeoutMs: number): Promise<void> {
    return waitForWakeUp(this.progress, 'progress', signal, timeoutMs);
  }

  eventsAfter(position: bigint | undefined, maxCount: number): IndexedEvent[] {
    return this.index.readAll({ fromPosition: position === undefined ? 0n : position + 1n, maxCount });
  }

  stats(): LogViewStats {
    return { events: this.index.size, streams: this.index.streamCount, snapshots: this.snapshots.size, replayMs: this.replayMs };
  }

  private closing: Promise<void> | undefined;

  private close(): Promise<void> {
    this.closing ??= (async () => {
      this.closed = true;
      this.progress.emit('progress');
      // Bounded: a broker that is already gone must not keep the process waiting.
      await withTimeout(this.consumer.disconnect(), 10_000);
      // The group held no offsets (autoCommit off); deleting it leaves nothing behind in the broker.
      await withTimeout(this.admin.deleteGroups([this.groupId]), 5_000);
      await withTimeout(this.admin.disconnect(), 5_000);
    })();
    return this.closing;
  }
}

async function withTimeout(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([promise.catch(() => {}), new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}
