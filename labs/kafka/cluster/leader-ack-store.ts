/**
 * The replication pitfall twin on Kafka: the brokers are configured right (replication factor 3,
 * min.insync.replicas=2, unclean leader election off) and the PRODUCER undoes it. This store's writer
 * sends with `acks=1`: the partition leader answers once the records are in its own log, before any
 * follower has them. `min.insync.replicas` applies to `acks=all` only, so nothing stops the leader from
 * acknowledging alone while its followers lag.
 *
 * What a reader can and cannot see meanwhile is the other half of the lesson: Kafka 4 enforces the
 * "strict min ISR" rule of eligible leader replicas (KIP-966, on by default since 4.1): the high watermark
 * does not advance while fewer than min.insync.replicas replicas are in sync, so consumers — this store's
 * own log view among them — do not see those records at all. The producer was told "written"; no reader
 * ever read them; when the leader dies, a follower from the eligible replicas takes over without them and
 * the old leader truncates its log on return. The drill counts them as acknowledged and lost.
 *
 * Everything else is the real store's, so the drill measures only the acknowledgement:
 * - The checks (expected version, exact retry by event ids) are append-checks.ts's, against the log view
 *   plus what this process wrote that the view has not read yet (`Unreplicated`): with acks=1 the view
 *   lags our own acknowledged writes, and a check against the view alone would refuse the next append.
 * - One writer per process at a time (a promise chain): appends of one process do not race each other.
 *   Between processes there is no exclusion (a plain producer has no writer role the broker enforces;
 *   fencing needs a transactional producer, and a transactional producer requires acks=all), so racing
 *   writers of ONE stream in different processes can both pass the check. The drill gives every writer
 *   process streams of its own, so its loss count is the acknowledgement's lesson alone.
 * - No by-stream copy, so no consumer groups: the copy is atomic with the log only inside a transaction.
 * - Reads in this process wait (briefly) for the view to read what this process was acknowledged, so a
 *   caller reads its own writes when replication is healthy (a few milliseconds); when it is not, the
 *   read answers what a reader can see, without them.
 *
 * docs/labs/replication.md, "The acks=1 twin", has the drill's figures.
 */
import { Partitioners } from 'kafkajs';
import { LazyProducer } from '../client.ts';
import type { AllPageRequest, AppendResult, ExpectedVersion, RecordedEvent, StreamPageRequest, UnsupportedCapabilities, ValidatedEvent } from '../../core/index.ts';
import { checkAppend, type AppendCheckSource, type KnownEvent } from '../append-checks.ts';
import { acquireView, DEFAULT_NAMESPACE, KAFKA_CANNOT_DELETE_ONE_STREAM, KafkaEventStore, type AppendWriter, type KafkaStoreOptions } from '../kafka-store.ts';
import type { LogView } from '../log-view.ts';
import { encodeEvent, positionOfOffset } from '../records.ts';
import { EVENTS_PARTITION } from '../topology.ts';

export const LEADER_ACK_BACKEND = 'kafka-cluster-acks1';

/** How long a read waits for the view to read this process's own acknowledged appends. */
const OWN_WRITES_WAIT_MS = 2_000;

/** An append the leader acknowledged at these offsets. */
interface Acknowledged {
  lastOffset: bigint;
  streamId: string;
  lastVersion: number;
  events: KnownEvent[];
}

/**
 * What this process was acknowledged beyond what its log view has read: the log as the writer believes it
 * is. Entries leave once the view's position passes their offsets — whether the view then holds them or,
 * after a failover, other records at those offsets (the entries' records are gone: the view is the truth).
 */
class Unreplicated implements AppendCheckSource {
  private entries: Acknowledged[] = [];
  /** One append of this process at a time. */
  private tail: Promise<unknown> = Promise.resolve();

  constructor(private readonly view: LogView) {}

  serialise<T>(action: () => Promise<T>): Promise<T> {
    const run = this.tail.then(action, action);
    this.tail = run.catch(() => {});
    return run;
  }

  private prune(): void {
    const read = this.view.positionOf(this.view.topology.events);
    this.entries = this.entries.filter((e) => e.lastOffset >= read);
  }

  add(entry: Acknowledged): void {
    this.entries.push(entry);
  }

  streamVersion(streamId: string): number | undefined {
    this.prune();
    const mine = this.entries.findLast((e) => e.streamId === streamId);
    return mine ? mine.lastVersion : this.view.index.streamVersion(streamId);
  }

  eventById(id: string): KnownEvent | undefined {
    this.prune();
    return this.view.index.eventById(id) ?? this.entries.flatMap((e) => e.events).find((e) => e.id === id);
  }

  /** Waits up to `timeoutMs` for the view to read everything this process was acknowledged. */
  async readOwnWrites(timeoutMs = OWN_WRITES_WAIT_MS): Promise<void> {
    this.prune();
    const last = this.entries.at(-1);
    if (last) await this.view.waitFor(this.view.topology.events, last.lastOffset + 1n, timeoutMs).catch(() => {});
  }
}

const unreplicatedByView = new WeakMap<LogView, Unreplicated>();
function unreplicatedOf(view: LogView): Unreplicated {
  let u = unreplicatedByView.get(view);
  if (!u) unreplicatedByView.set(view, (u = new Unreplicated(view)));
  return u;
}

export class LeaderAckWriter implements AppendWriter {
  // A plain producer: Kafka and kafkajs require acks=all for an idempotent or transactional one.
  private readonly producer = new LazyProducer(() => this.view.kafka.producer({ idempotent: false, allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner }));
  private readonly log: Unreplicated;

  constructor(private readonly view: LogView) {
    this.log = unreplicatedOf(view);
  }

  append(streamId: string, events: readonly ValidatedEvent[], expected: ExpectedVersion): Promise<AppendResult> {
    return this.log.serialise(async () => {
      await this.view.catchUp(this.view.topology.events);
      const check = checkAppend(this.log, streamId, events, expected);
      if (check.kind === 'retry') {
        // An exact retry of an append the view holds or this process was acknowledged: its answer again.
        const { last } = check;
        if (last.globalPosition === undefined) throw new Error(`The position of event ${last.id} is unknown`); // cannot happen: both carry theirs
        return { nextExpectedVersion: last.streamVersion, globalPosition: last.globalPosition };
      }
      const { current } = check;
      const producer = await this.producer.get();
      const first = (current ?? -1) + 1;
      const now = Date.now();
      // PITFALL(replication.acknowledged-survive-failover): acks=1 — the leader's own log only. The
      // brokers' min.insync.replicas=2 does not apply to it, and the append is reported written at once.
      const [sent] = await producer.send({
        topic: this.view.topology.events,
        acks: 1,
        messages: events.map((event, i) => encodeEvent(streamId, event, first + i, EVENTS_PARTITION, now)),
      });
      if (!sent?.baseOffset) throw new Error('The broker did not return the offset of the appended records');
      const base = BigInt(sent.baseOffset);
      const lastOffset = base + BigInt(events.length - 1);
      const known = events.map((event, i) => ({ id: event.id, streamId, streamVersion: first + i, globalPosition: positionOfOffset(base + BigInt(i)) }));
      this.log.add({ lastOffset, streamId, lastVersion: first + events.length - 1, events: known });
      return { nextExpectedVersion: first + events.length - 1, globalPosition: positionOfOffset(lastOffset) };
    });
  }

  readOwnWrites(): Promise<void> {
    return this.log.readOwnWrites();
  }

  close(): Promise<void> {
    return this.producer.close();
  }
}

export class LeaderAckKafkaEventStore extends KafkaEventStore {
  override readonly backend: string = LEADER_ACK_BACKEND;
  override readonly unsupported: UnsupportedCapabilities = {
    'stream-deletion': KAFKA_CANNOT_DELETE_ONE_STREAM,
    'stream-truncation': KAFKA_CANNOT_DELETE_ONE_STREAM,
    'deletion-removes-from-all': KAFKA_CANNOT_DELETE_ONE_STREAM,
    'consumer-groups':
      "the acks=1 twin's plain producer writes only the one-partition events topic: the by-stream copy that consumer groups read is written atomically with the log only inside a transaction, and a transactional producer requires acks=all. Consumer groups are shown on the real store",
    'consumer-groups-stream-order': 'no consumer groups (see consumer-groups)',
  };

  static override async connect(options: KafkaStoreOptions): Promise<LeaderAckKafkaEventStore> {
    const namespace = options.namespace ?? DEFAULT_NAMESPACE;
    const view = await acquireView(options.brokers, namespace, LEADER_ACK_BACKEND, { streamPartitions: 0 });
    return new LeaderAckKafkaEventStore(view, { ...options, namespace, streamPartitions: 0 }, (v) => new LeaderAckWriter(v));
  }

  protected override async readStreamPage(streamId: string, request: StreamPageRequest): Promise<RecordedEvent[]> {
    await (this.writer as LeaderAckWriter).readOwnWrites();
    return super.readStreamPage(streamId, request);
  }

  protected override async readAllPage(request: AllPageRequest): Promise<RecordedEvent[]> {
    await (this.writer as LeaderAckWriter).readOwnWrites();
    return super.readAllPage(request);
  }
}
