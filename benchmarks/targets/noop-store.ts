/**
 * The no-op backend: an in-memory EventStore with no I/O and no validation, answering every call at
 * once. Run under the same workloads it measures the harness itself (scheduling, recording, event
 * building): whatever a real backend shows beyond it is the backend's.
 * It keeps what it is given when the workload reads or subscribes (they need something to return), and
 * otherwise only each stream's version: a heap that grows with every append would make the garbage
 * collector copy the kept events in every young-generation collection, and those pauses (5-9 ms each
 * at 5,000 appends/s) would be counted as the harness's own send delay.
 */
import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import {
  DEFAULT_LIMITS,
  subscribeToAllByPolling,
  subscribeToStreamByPolling,
  type AppendOptions,
  type AppendResult,
  type CheckpointStore,
  type EventStore,
  type NewEvent,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  type Snapshot,
  type SnapshotStore,
  type SubscribeToAllOptions,
  type SubscribeToStreamOptions,
  type Subscription,
  type UnsupportedCapabilities,
  WrongExpectedVersionError,
  waitForWakeUp,
} from '../../labs/core/index.ts';

export class NoopEventStore implements EventStore {
  readonly backend = 'noop';
  readonly unsupported: UnsupportedCapabilities = { 'consumer-groups': 'the no-op store measures the harness: it keeps no leases and starts no members' };
  readonly limits = DEFAULT_LIMITS;
  private readonly log: RecordedEvent[] = [];
  private readonly streams = new Map<string, RecordedEvent[]>();
  private readonly appended = new EventEmitter();
  private readonly checkpointMap = new Map<string, bigint>();
  private readonly snapshotMap = new Map<string, Snapshot>();
  readonly checkpoints: CheckpointStore = {
    load: async (id) => this.checkpointMap.get(id),
    store: async (id, position) => void this.checkpointMap.set(id, position),
  };
  readonly snapshots: SnapshotStore = {
    load: async (id) => this.snapshotMap.get(id),
    save: async (id, snapshot) => void this.snapshotMap.set(id, snapshot),
  };

  private readonly versions = new Map<string, number>();
  private logLength = 0;
  private readonly keepEvents: boolean;

  constructor(options: { keepEvents?: boolean } = {}) {
    this.keepEvents = options.keepEvents ?? true;
    this.appended.setMaxListeners(0);
  }

  async appendToStream(streamId: string, events: readonly NewEvent[], options: AppendOptions = {}): Promise<AppendResult> {
    const current = this.versions.get(streamId) ?? -1;
    const expected = options.expectedVersion ?? 'any';
    // The check costs nothing and keeps the contended workload meaningful on this backend too.
    if (typeof expected === 'number' ? expected !== current : expected === 'no_stream' ? current !== -1 : expected === 'stream_exists' && current === -1) {
      throw new WrongExpectedVersionError(streamId, expected, current === -1 ? 'no_stream' : current);
    }
    this.versions.set(streamId, current + events.length);
    const first = this.logLength + 1;
    this.logLength += events.length;
    if (this.keepEvents) {
      let stream = this.streams.get(streamId);
      if (!stream) this.streams.set(streamId, (stream = []));
      const recordedAt = new Date();
      events.forEach((e, i) => {
        const recorded: RecordedEvent = {
          id: e.id ?? randomUUID(),
          streamId,
          type: e.type,
          data: e.data,
          metadata: e.metadata ?? {},
          streamVersion: current + 1 + i,
          globalPosition: BigInt(first + i),
          recordedAt,
        };
        stream.push(recorded);
        this.log.push(recorded);
      });
    }
    this.appended.emit('append');
    return { nextExpectedVersion: current + events.length, globalPosition: BigInt(this.logLength) };
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const stream = this.streams.get(streamId) ?? [];
    const from = options.fromVersion ?? (options.direction === 'backward' ? stream.length - 1 : 0);
    const max = options.maxCount ?? stream.length;
    if (options.direction === 'backward') return stream.slice(Math.max(0, from - max + 1), from + 1).reverse();
    return stream.slice(from, from + max);
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    const max = options.maxCount ?? 1000;
    if (options.direction === 'backward') {
      const from = Math.min(this.log.length, Number(options.fromPosition ?? BigInt(this.log.length)));
      return this.log.slice(Math.max(0, from - max), from).reverse();
    }
    const from = Math.max(1, Number(options.fromPosition ?? 1n));
    return this.log.slice(from - 1, from - 1 + max);
  }

  subscribeToAll(options: SubscribeToAllOptions = {}): Subscription {
    return subscribeToAllByPolling(this, options, (signal, timeoutMs) => this.waitForAppend(signal, timeoutMs));
  }

  subscribeToStream(streamId: string, options: SubscribeToStreamOptions = {}): Subscription {
    return subscribeToStreamByPolling(this, streamId, options, (signal, timeoutMs) => this.waitForAppend(signal, timeoutMs));
  }

  private waitForAppend(signal: AbortSignal, timeoutMs: number): Promise<void> {
    return waitForWakeUp(this.appended, 'append', signal, timeoutMs);
  }

  async close(): Promise<void> {
    this.log.length = 0;
    this.streams.clear();
    this.versions.clear();
  }
}
