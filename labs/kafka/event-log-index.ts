/**
 * The in-process index over the events topic: Kafka can only read a partition by offset, so reading one
 * stream means scanning the partition for its key. This index is built by consuming the partition from
 * offset 0 when a process first opens the store, then kept up to date by the same consumer (the log
 * tailer). With it, reading a stream, checking its version and finding an event id cost a map lookup
 * instead of a scan.
 *
 * The price (docs/labs/kafka.md, "Reading one stream"): every process holds the whole log in memory and
 * replays it on start (O(log size) time and memory). Production systems put the same index in a state
 * store (Kafka Streams' RocksDB KTable), an external database, or keep one topic per aggregate type with a
 * compacted "stream heads" topic.
 *
 * Stream versions are given here, by order: the n-th record with a key is version n-1 of that stream.
 * With the group-commit writer that is exactly the version the writer checked and claimed; with the naive
 * writer two records may claim the same version, and this order is what readers see.
 */
import type { ReadAllOptions, RecordedEvent } from '../core/index.ts';
import { DEFAULT_READ_ALL_PAGE } from '../core/index.ts';
import { positionOfOffset, type DecodedEvent } from './records.ts';

export interface IndexedEvent extends RecordedEvent {
  /** The version the writer wrote in the record header (see DecodedEvent.claimedVersion). */
  claimedVersion: number | undefined;
}

export class EventLogIndex {
  /** Every event in offset order: the global log. */
  private readonly log: IndexedEvent[] = [];
  private readonly streams = new Map<string, IndexedEvent[]>();
  private readonly byId = new Map<string, IndexedEvent>();
  /** Offset of the next record to read: everything below it has been applied. */
  private nextOffset = 0n;

  get size(): number {
    return this.log.length;
  }

  get streamCount(): number {
    return this.streams.size;
  }

  /** Offset the index has read up to (exclusive), including records that are not events (markers). */
  get position(): bigint {
    return this.nextOffset;
  }

  /** Everything below `offset` has been read (transaction markers and aborted records take offsets too). */
  advanceTo(offset: bigint): void {
    if (offset > this.nextOffset) this.nextOffset = offset;
  }

  /**
   * Applies one event record; records come in offset order (one partition). A record below the read
   * position is a redelivery (a consumer re-fetches after a rebalance) and is ignored: undefined.
   */
  apply(decoded: DecodedEvent): IndexedEvent | undefined {
    if (decoded.offset < this.nextOffset) return undefined;
    let stream = this.streams.get(decoded.streamId);
    if (!stream) {
      stream = [];
      this.streams.set(decoded.streamId, stream);
    }
    const event: IndexedEvent = {
      id: decoded.id,
      streamId: decoded.streamId,
      type: decoded.type,
      data: decoded.data,
      metadata: decoded.metadata,
      streamVersion: stream.length,
      globalPosition: positionOfOffset(decoded.offset),
      recordedAt: decoded.recordedAt,
      claimedVersion: decoded.claimedVersion,
    };
    stream.push(event);
    this.log.push(event);
    // The first record with an id wins; a naive writer may store the same id twice.
    if (!this.byId.has(event.id)) this.byId.set(event.id, event);
    this.advanceTo(decoded.offset + 1n);
    return event;
  }

  /** Version of the stream's last event, or undefined when the stream has none. */
  streamVersion(streamId: string): number | undefined {
    const stream = this.streams.get(streamId);
    return stream && stream.length > 0 ? stream.length - 1 : undefined;
  }

  eventById(id: string): IndexedEvent | undefined {
    return this.byId.get(id);
  }

  readStream(streamId: string, direction: 'forward' | 'backward', fromVersion?: number, maxCount?: number): IndexedEvent[] {
    const stream = this.streams.get(streamId) ?? [];
    const limit = maxCount ?? Number.MAX_SAFE_INTEGER;
    if (direction === 'forward') {
      const start = fromVersion ?? 0;
      return stream.slice(start, start + Math.min(limit, stream.length));
    }
    const start = Math.min(fromVersion ?? stream.length - 1, stream.length - 1);
    const result: IndexedEvent[] = [];
    for (let v = start; v >= 0 && result.length < limit; v--) result.push(stream[v]!);
    return result;
  }

  /** A page of the global log by position (binary search: positions increase along the array). */
  readAll(options: Pick<ReadAllOptions, 'direction' | 'fromPosition' | 'maxCount'>): IndexedEvent[] {
    const maxCount = options.maxCount ?? DEFAULT_READ_ALL_PAGE;
    if ((options.direction ?? 'forward') === 'forward') {
      const start = this.firstIndexAtOrAfter(options.fromPosition ?? 0n);
      return this.log.slice(start, start + maxCount);
    }
    const from = options.fromPosition;
    const end = from === undefined ? this.log.length - 1 : this.firstIndexAtOrAfter(from + 1n) - 1;
    const result: IndexedEvent[] = [];
    for (let i = end; i >= 0 && result.length < maxCount; i--) result.push(this.log[i]!);
    return result;
  }

  private firstIndexAtOrAfter(position: bigint): number {
    let low = 0;
    let high = this.log.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.log[middle]!.globalPosition < position) low = middle + 1;
      else high = middle;
    }
    return low;
  }
}

/** A copy without the index's bookkeeping, so callers cannot change the view. */
export function toRecorded(event: IndexedEvent): RecordedEvent {
  return {
    id: event.id,
    streamId: event.streamId,
    type: event.type,
    data: structuredClone(event.data),
    metadata: structuredClone(event.metadata),
    streamVersion: event.streamVersion,
    globalPosition: event.globalPosition,
    recordedAt: event.recordedAt,
  };
}
