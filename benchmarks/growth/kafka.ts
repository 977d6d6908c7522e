/**
 * Filling Kafka: batched transactional produce of the store's own records (labs/kafka `encodeEvent`:
 * key = stream id, the envelope in headers, `{data, metadata}` as the value) to the store's events
 * topic, with the store's writer transactional id: the fill takes the one writer role the way a store
 * does (the next store to write fences it in turn), and its records are committed, so a read_committed
 * reader sees them. As the store's writer does (group-commit-writer.ts), every record goes to the
 * by-stream copy the consumer groups read too (topology.ts: same records, partition from the key), in
 * the same send of the same transaction: a filled log costs on disk what an appended one costs.
 * The raw baseline's topic gets its own record shape from a plain producer. Records
 * are made per chunk and sent at once: the harness holds one chunk at a time.
 *
 * What a Kafka store holds is counted in offsets (the partition's end offset): every transaction also
 * writes one commit marker, which takes an offset. The fill's transactions carry 20,000 events each, so
 * its markers are negligible; the measured appends' (group commit) are not, and are counted as events.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Partitioners, type Admin, type Kafka, type Message } from 'kafkajs';
import { uuidV7 } from '../../labs/core/index.ts';
import { createKafka, DEFAULT_STREAM_PARTITIONS, encodeEvent, endOffset, EVENTS_PARTITION, topologyFor } from '../../labs/kafka/index.ts';
import { brokersOf } from '../baselines/kafka-driver.ts';
import { rememberKafkaLogDir } from './cleanup.ts';
import { FILL_EVENTS_PER_STREAM, fillEventData, throwIfAborted, type DiskUsage, type FillOptions, type GrowthFiller, type GrowthStorage } from './storage.ts';

/** The store's default namespace and layout (labs/kafka/kafka-store.ts): the store the session creates reads it. */
const STORE_TOPOLOGY = topologyFor('workbench', { streamPartitions: DEFAULT_STREAM_PARTITIONS });
const STORE_TOPIC = STORE_TOPOLOGY.events;
const RAW_TOPIC = 'bench-raw-events';
/** Records per send: ~700 KB, under the broker's default 1 MiB record-batch limit. */
const CHUNK = 2_000;
/** Records per transaction. */
const BATCH_EVENTS = 20_000;

type Encode = (streamId: string, version: number, run: string) => Message;

const storeRecord: Encode = (streamId, version, run) => {
  const dataJson = fillEventData(run, -1, version);
  const event = { id: uuidV7(), idSupplied: false, type: 'BenchmarkEvent', data: null, metadata: {}, dataJson, metadataJson: '{}', sizeBytes: dataJson.length + 16 };
  return encodeEvent(streamId, event, version, EVENTS_PARTITION, Date.now());
};

// As benchmarks/baselines/kafka.ts writes an append's records.
const rawRecord: Encode = (streamId, version, run) => ({
  key: streamId,
  partition: 0,
  value: `{"id":null,"type":"BenchmarkEvent","data":${fillEventData(run, -1, version)},"metadata":{}}`,
});

async function kafkaStorage(label: string, topic: string, encode: Encode, transactional: boolean, env: Record<string, string>, byStream?: string): Promise<GrowthStorage> {
  const brokers = brokersOf(env);
  const logDir = await brokerLogDir(brokers[0]!);
  if (logDir) rememberKafkaLogDir(logDir);
  const kafka: Kafka = createKafka(brokers, `growth-fill-${process.pid}`);
  const admin: Admin = kafka.admin();
  const connected = admin.connect();
  return {
    label,
    method: transactional
      ? `transactional produce (the store's writer transactional id) of labs/kafka encodeEvent records to ${topic}${byStream ? ` and, in the same sends, to its by-stream copy ${byStream}` : ''}, ${BATCH_EVENTS.toLocaleString('en-US')} per transaction in sends of ${CHUNK.toLocaleString('en-US')}`
      : `plain produce (acks -1) of the raw baseline's records to ${topic}, sends of ${CHUNK.toLocaleString('en-US')}`,
    batchEvents: CHUNK,
    async count() {
      await connected;
      return Number(await endOffset(admin, topic, 0));
    },
    async fill(total, options: FillOptions) {
      const producer = transactional
        ? kafka.producer({ transactionalId: STORE_TOPOLOGY.writerTransactionalId, idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner })
        : kafka.producer({ idempotent: false, createPartitioner: Partitioners.DefaultPartitioner });
      await producer.connect();
      try {
        let written = 0;
        let stream = 0;
        while (written < total) {
          throwIfAborted(options.signal);
          const batch = Math.min(BATCH_EVENTS, total - written);
          const perStream = Math.min(FILL_EVENTS_PER_STREAM, batch);
          const streams = Math.floor(batch / perStream);
          // Interleaved as streams written over time are: every stream's version 0, then every version 1, …
          const record = (i: number) => encode(`${options.prefix}${stream + (i % streams)}`, Math.floor(i / streams), options.prefix);
          const count = streams * perStream;
          const txn = transactional ? await producer.transaction() : undefined;
          try {
            for (let from = 0; from < count; from += CHUNK) {
              const messages = Array.from({ length: Math.min(CHUNK, count - from) }, (_, k) => record(from + k));
              const topicMessages = [{ topic, messages }];
              if (byStream) topicMessages.push({ topic: byStream, messages: messages.map(({ partition: _, ...byKey }) => byKey) });
              await (txn ?? producer).sendBatch({ acks: -1, topicMessages });
            }
            await txn?.commit();
          } catch (error) {
            await txn?.abort().catch(() => {});
            throw error;
          }
          stream += streams;
          written += count;
          options.onProgress(written);
        }
      } finally {
        await producer.disconnect();
      }
    },
    async disk(): Promise<DiskUsage> {
      const dir = logDir;
      if (!dir) return { bytes: null, parts: {}, note: 'the broker is not a local process of this user (KAFKA_BROKERS): its log directory cannot be measured' };
      const parts: Record<string, number> = { segments: 0, 'offset and time indexes': 0, other: 0 };
      const partition = join(dir, `${topic}-0`);
      await addSizes(partition, parts, 'segments');
      if (!byStream) {
        // Index files are preallocated (10 MiB for the active segment) and trimmed when it rolls: counted apart.
        return { bytes: parts.segments!, parts, note: `${partition}: .log segment bytes (indexes apart: preallocated for the active segment)` };
      }
      parts['by-stream copy segments'] = 0;
      for (const name of await readdir(dir)) {
        if (name.startsWith(`${byStream}-`)) await addSizes(join(dir, name), parts, 'by-stream copy segments');
      }
      return {
        bytes: parts.segments! + parts['by-stream copy segments']!,
        parts,
        note: `${partition} and ${byStream}-*: .log segment bytes of the log and of its by-stream copy (every event is stored twice; indexes apart: preallocated for the active segment)`,
      };
    },
    close: () => admin.disconnect(),
  };
}

async function addSizes(partition: string, parts: Record<string, number>, segments: string): Promise<void> {
  for (const name of await readdir(partition)) {
    const { size } = await stat(join(partition, name));
    const kind = name.endsWith('.log') ? segments : /\.(index|timeindex)$/.test(name) ? 'offset and time indexes' : 'other';
    parts[kind]! += size;
  }
}

/**
 * The log directory of the local broker listening on `broker`'s port: from the server.properties on its
 * command line. Undefined when no such process of this user is found (an external broker).
 */
async function brokerLogDir(broker: string): Promise<string | undefined> {
  const port = broker.split(':').at(-1);
  for (const pid of await readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(pid)) continue;
    const args = (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).split('\0');
    if (!args.some((a) => a === 'kafka.Kafka')) continue;
    const config = args.find((a) => a.endsWith('.properties'));
    if (!config) continue;
    const text = await readFile(config, 'utf8').catch(() => '');
    const get = (key: string) => text.split('\n').find((l) => l.startsWith(`${key}=`))?.slice(key.length + 1).trim();
    if (!get('listeners')?.includes(`:${port}`)) continue;
    return get('log.dirs')?.split(',')[0];
  }
  return undefined;
}

export const kafkaFiller: GrowthFiller = {
  server: 'kafka',
  // Measured (kafka-replay.ts disk, 1,100,055 events): ~360 B per event in the store's events topic and
  // ~360 more in its by-stream copy; ~330 in the raw one.
  estimatedBytesPerEvent: 1_100,
  store: (env) => kafkaStorage('kafka', STORE_TOPIC, storeRecord, true, env, STORE_TOPOLOGY.byStream),
  raw: (label, env) => (label === 'kafka (raw kafkajs)' ? kafkaStorage(label, RAW_TOPIC, rawRecord, false, env) : undefined),
};
