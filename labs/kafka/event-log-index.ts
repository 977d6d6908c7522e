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
import type { EventMetadata, JsonValue, ReadAllOptions, RecordedEvent } from '../core/index.ts';
import { DEFAULT_READ_ALL_PAGE } from '../core/index.ts';
import { parsePayload, type EventEnvelope } from './records.ts';

/**
 * One event as the index holds it: the envelope, and the payload as the record's JSON text, parsed on
 * read. A replay creates a million of these per million events, so it holds no parsed objects, no Date
 * and no bigint (the offset and the time are numbers: small integers and a double); the stream id and
 * the type are the index's one copy of each.
 */
export class IndexedEvent implements RecordedEvent {
  constructor(
    readonly id: string,
    readonly streamId: string,
    readonly type: string,
    readonly streamVersion: number,
    /** The record's offset (a number: a partition holds far fewer than 2^53 records). */
    readonly offset: number,
    private readonly recordedAtMs: number,
    /** The version the writer wrote in the record header (see DecodedEvent.claimedVersion). */
    readonly claimedVersion: number | undefined,
    private readonly payload: string,
  ) {}

  get globalPosition(): bigint {
    return BigInt(this.offset) + 1n;
  }

  get recordedAt(): Date {
    return new Date(this.recordedAtMs);
  }

  /** Parsed on each call: a fresh copy, which no caller can use to change the index. */
  get data(): JsonValue {
    return parsePayload(this.payload).data;
  }

  get metadata(): EventMetadata {
    return parsePayload(this.payload).metadata;
  }

  /** The event as a plain object the caller owns (its payload parsed once). */
  toRecorded(): RecordedEvent {
    const { data, metadata } = parsePayload(this.payload);
    return { id: this.id, streamId: this.streamId, type: this.type, data, metadata, streamVersion: this.streamVersion, globalPosition: this.globalPosition, recordedAt: this.recordedAt };
  }
}

interface IndexedStream {
  /** The index's one copy of the stream id, shared by its events. */
  readonly streamId: string;
  readonly events: IndexedEvent[];
}

export class EventLogIndex {
  /** Every event in offset order: the global log. */
  private readonly log: IndexedEvent[] = [];
  private readonly streams = new Map<string, IndexedStream>();
  private readonly byId = new Map<string, IndexedEvent>();
  /** One copy of each event type string (a log has few types and millions of events). */
  private readonly types = new Map<string, string>();
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
  apply(decoded: EventEnvelope): IndexedEvent | undefined {
    if (decoded.offset < this.nextOffset) return undefined;
    let stream = this.streams.get(decoded.streamId);
    if (!stream) {
      stream = { streamId: decoded.streamId, events: [] };
      this.streams.set(decoded.streamId, stream);
    }
    let type = this.types.get(decoded.type);
    if (type === undefined) this.types.set(decoded.type, (type = decoded.type));
    const event = new IndexedEvent(decoded.id, stream.streamId, type, stream.events.length, Number(decoded.offset), decoded.recordedAtMs, decoded.claimedVersion, decoded.payload);
    stream.events.push(event);
    this.log.push(event);
    // The first record with an id wins; a naive writer may store the same id twice.
    if (!this.byId.has(event.id)) this.byId.set(event.id, event);
    this.advanceTo(decoded.offset + 1n);
    return event;
  }

  /** Version of the stream's last event, or undefined when the stream has none. */
  streamVersion(streamId: string): number | undefined {
    const stream = this.streams.get(streamId)?.events;
    return stream && stream.length > 0 ? stream.length - 1 : undefined;
  }

  eventById(id: string): IndexedEvent | undefined {
    return this.byId.get(id);
  }

  readStream(streamId: string, direction: 'forward' | 'backward', fromVersion?: number, maxCount?: number): IndexedEvent[] {
    const stream = this.streams.get(streamId)?.events ?? [];
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
    // Position = offset + 1: the first event whose offset is at or after position - 1.
    const offset = Number(position) - 1;
    let low = 0;
    let high = this.log.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.log[middle]!.offset < offset) low = middle + 1;
      else high = middle;
    }
    return low;
  }
}

/** A copy without the index's bookkeeping, so callers cannot change the view. */
export function toRecorded(event: IndexedEvent): RecordedEvent {
  return event.toRecorded();
}
