/**
 * The raw-driver baseline for Kafka: the same logical writes and reads done the simplest way with kafkajs,
 * on its own single-partition topic (bench-raw-events, like the store's events topic, created if missing).
 *
 * - append: ONE `producer.send` of the batch's records (key = stream id, acks = -1), from a plain producer:
 *   no transaction, no version check, no idempotence (kafkajs' idempotent producer serialises its requests
 *   to a broker, which would hide the cost of the store's single serialised writer), no wait for a reader.
 *   Versions are counted in this process, as the PostgreSQL baseline does.
 * - readAllPage: up to `maxCount` records from an offset (cursor = the next offset), read by a kafkajs
 *   consumer: `seek`, collect, `pause`. kafkajs has no one-shot fetch (its admin lists offsets, it does not
 *   read records), so a page costs what a consumer costs: each concurrent reader is a consumer of its own
 *   throwaway group (joined once, on first use), and a resumed consumer waits up to READER_WAIT_MS for
 *   kafkajs' fetch loop to notice.
 * - readStream: Kafka cannot read one key without reading the partition or keeping an index. The baseline
 *   keeps the smallest index there is: the offset range each of its own appends got (from the produce
 *   reply), in this process, and reads the stream back as one seek-and-read per range. A reader in another
 *   process would have to scan the partition or replay it into an index, as the store's log view does.
 *
 * The store reads from an in-memory index its consumer keeps up to date (labs/kafka/log-view.ts), so its
 * reads can be faster than these: there the ratio is what the index buys, not what the guarantees cost.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { Partitioners, type Admin, type Consumer, type Kafka, type Producer } from 'kafkajs';
import type { BenchTarget } from '../targets/target.ts';
import type { Baseline } from './baseline.ts';
import { LocalVersions, RAW_BASELINE_UNSUPPORTED } from './baseline.ts';
import { brokersOf, createKafka, endOffset, ensureTopic } from './kafka-driver.ts';

const TOPIC = 'bench-raw-events';
const PARTITION = 0;
/**
 * Bytes per fetch of the partition (about 100 events of 256 bytes). kafkajs decodes every record a fetch
 * returns, so with its 1 MiB default reading one 50-event stream decodes ~3,000 records. Measured here
 * (8 workers, closed loop): read-stream 190-200 reads/s at 256 KiB, 500-700 at 32 KiB; read-all pages
 * (several fetches each at 32 KiB) within the noise either way. The broker still returns a whole record
 * batch when it is bigger, so a read always progresses.
 */
const FETCH_BYTES = 32 * 1024;
/** A paused consumer sleeps this long between looks at its partitions; also the broker's long-poll wait. */
const READER_WAIT_MS = 5;
const PAGE_TIMEOUT_MS = 30_000;

interface RangeRead {
  /** Records read whose key matched (all of them when no key was given). */
  count: number;
  /** Offset after the last record read. */
  next: bigint;
  /** True when the read stopped at the partition's end. */
  reachedEnd: boolean;
}

interface PendingRead {
  next: bigint;
  remaining: number;
  key: string | undefined;
  count: number;
  resolve(read: RangeRead): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

/**
 * One consumer reading one range at a time: seek to the first offset, take records while they follow
 * each other, pause when the range is read or the partition's end is reached. Records are matched by
 * offset, so a batch fetched before the seek cannot be counted in its place.
 */
class RangeReader {
  private pending: PendingRead | undefined;
  private failure: Error | undefined;

  private constructor(
    private readonly consumer: Consumer,
    readonly groupId: string,
  ) {}

  static async start(kafka: Kafka, groupId: string): Promise<RangeReader> {
    const consumer = kafka.consumer({
      groupId,
      maxWaitTimeInMs: READER_WAIT_MS,
      maxBytesPerPartition: FETCH_BYTES,
      retry: { restartOnFailure: async () => false },
    });
    const reader = new RangeReader(consumer, groupId);
    await consumer.connect();
    await consumer.subscribe({ topic: TOPIC, fromBeginning: false });
    // seek() needs the partition assigned, which happens after run() returns.
    const joined = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the Kafka baseline's reader did not join its group within ${PAGE_TIMEOUT_MS} ms`)), PAGE_TIMEOUT_MS);
      consumer.on(consumer.events.GROUP_JOIN, () => {
        clearTimeout(timer);
        resolve();
      });
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => reader.fail(payload.error));
    await consumer.run({ autoCommit: false, eachBatch: async ({ batch }) => reader.onBatch(batch.messages, BigInt(batch.highWatermark)) });
    await joined;
    consumer.pause([{ topic: TOPIC }]);
    return reader;
  }

  get usable(): boolean {
    return this.failure === undefined;
  }

  read(from: bigint, maxCount: number, key?: string): Promise<RangeRead> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.pending) return Promise.reject(new Error('a RangeReader reads one range at a time'));
    return new Promise<RangeRead>((resolve, reject) => {
      const timer = setTimeout(() => this.fail(new Error(`the Kafka baseline read nothing at offset ${this.pending?.next ?? from} of ${TOPIC} within ${PAGE_TIMEOUT_MS} ms`)), PAGE_TIMEOUT_MS);
      this.pending = { next: from, remaining: maxCount, key, count: 0, resolve, reject, timer };
      this.consumer.seek({ topic: TOPIC, partition: PARTITION, offset: from.toString() });
      this.consumer.resume([{ topic: TOPIC }]);
    });
  }

  private onBatch(messages: readonly { offset: string; key: Buffer | null }[], highWatermark: bigint): void {
    const read = this.pending;
    if (!read) return;
    for (const message of messages) {
      if (read.remaining === 0) break;
      if (BigInt(message.offset) !== read.next) continue;
      read.next++;
      read.remaining--;
      if (read.key === undefined || message.key?.toString('utf8') === read.key) read.count++;
    }
    const reachedEnd = read.next >= highWatermark;
    if (read.remaining === 0 || reachedEnd) this.finish(read, { count: read.count, next: read.next, reachedEnd });
  }

  private finish(read: PendingRead, result: RangeRead): void {
    clearTimeout(read.timer);
    this.pending = undefined;
    this.consumer.pause([{ topic: TOPIC }]);
    read.resolve(result);
  }

  private fail(error: Error): void {
    this.failure ??= error;
    const read = this.pending;
    if (!read) return;
    clearTimeout(read.timer);
    this.pending = undefined;
    read.reject(error);
  }

  async close(): Promise<void> {
    this.fail(new Error('the Kafka baseline is closed'));
    await this.consumer.disconnect();
  }
}

export async function createKafkaBaseline(env: Record<string, string>): Promise<BenchTarget> {
  const kafka = createKafka(brokersOf(env), 'bench-raw');
  const admin: Admin = kafka.admin();
  await admin.connect();
  await ensureTopic(admin, TOPIC, { 'retention.ms': '-1', 'retention.bytes': '-1' });
  const producer: Producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
  await producer.connect();

  const versions = new LocalVersions();
  /** Offset ranges of this process's appends, per stream: the only per-stream read Kafka allows without a scan. */
  const ranges = new Map<string, { first: bigint; count: number }[]>();
  /** The partition's end as far as this process knows (its own appends, the readers' high watermarks). */
  let knownEnd = await endOffset(admin, TOPIC, PARTITION);

  const groupPrefix = `bench-raw.reader.${hostname()}-${process.pid}-${randomBytes(4).toString('hex')}`;
  const readers: RangeReader[] = [];
  const idle: RangeReader[] = [];
  let readersStarted = 0;
  const withReader = async <T>(use: (reader: RangeReader) => Promise<T>): Promise<T> => {
    let reader = idle.pop();
    while (reader && !reader.usable) reader = idle.pop(); // its consumer crashed while idle
    if (!reader) {
      // A group of its own: readers of one group would share the single partition, one of them idle.
      reader = await RangeReader.start(kafka, `${groupPrefix}-${readersStarted++}`);
      readers.push(reader);
    }
    try {
      return await use(reader);
    } finally {
      if (reader.usable) idle.push(reader);
    }
  };
  const readRange = async (from: bigint, maxCount: number, key?: string): Promise<RangeRead> => {
    // A consumer at the end waits for new records: a range that starts there is empty, say so at once.
    if (from >= knownEnd) knownEnd = await endOffset(admin, TOPIC, PARTITION);
    if (from >= knownEnd) return { count: 0, next: from, reachedEnd: true };
    const read = await withReader((reader) => reader.read(from, maxCount, key));
    if (read.next > knownEnd) knownEnd = read.next;
    return read;
  };

  return {
    label: 'kafka (raw kafkajs)',
    backend: 'kafka',
    kind: 'raw',
    unsupported: RAW_BASELINE_UNSUPPORTED,
    async append(streamId, events) {
      const first = versions.claim(streamId, events.length);
      const [reply] = await producer.send({
        topic: TOPIC,
        acks: -1,
        messages: events.map((e) => ({
          key: streamId,
          partition: PARTITION,
          value: JSON.stringify({ id: e.id ?? null, type: e.type, data: e.data, metadata: e.metadata ?? {} }),
        })),
      });
      if (reply) {
        const offset = BigInt(reply.baseOffset ?? '0');
        const streamRanges = ranges.get(streamId) ?? [];
        streamRanges.push({ first: offset, count: events.length });
        ranges.set(streamId, streamRanges);
        if (offset + BigInt(events.length) > knownEnd) knownEnd = offset + BigInt(events.length);
      }
      return { nextExpectedVersion: first + events.length - 1 };
    },
    async readStream(streamId) {
      let count = 0;
      for (const range of ranges.get(streamId) ?? []) count += (await readRange(range.first, range.count, streamId)).count;
      return count;
    },
    async readAllPage(cursor, maxCount) {
      const read = await readRange(cursor === undefined ? 0n : BigInt(cursor), maxCount);
      return { count: read.count, next: read.reachedEnd || read.count < maxCount ? undefined : read.next.toString() };
    },
    async close() {
      await Promise.allSettled([producer.disconnect(), ...readers.map((r) => withTimeout(r.close(), 10_000))]);
      // The groups held no offsets (autoCommit off); deleting them leaves nothing behind in the broker.
      if (readers.length > 0) await withTimeout(admin.deleteGroups(readers.map((r) => r.groupId)), 5_000);
      await withTimeout(admin.disconnect(), 5_000);
    },
  };
}

async function withTimeout(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([promise.catch(() => {}), new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}

export const kafkaBaseline: Baseline = {
  server: 'kafka',
  label: 'kafka (raw kafkajs)',
  description:
    'one producer.send per append (acks -1, key = stream id, no transaction, no idempotence, no version check) to its own single-partition topic; ' +
    'read-all pages and per-stream reads (of the offset ranges its own appends got) by consumers that seek and pause',
  create: createKafkaBaseline,
  serverSettings: async () => ({
    'store producer': 'transactional, idempotent (acks all); appends that queue share one transaction (group commit)',
    'raw producer': 'acks -1, no transaction, not idempotent',
    'raw transactional producer': 'transactional, idempotent (acks all), one transaction per append',
    broker: 'one KRaft node, replication factor 1, log flush left to the OS (Kafka defaults: no fsync per write)',
  }),
  // No serverVersion: Kafka's protocol does not tell a client the broker's release (ApiVersions lists
  // request versions only); the backend's description names the embedded broker's version.
};
