/**
 * The Kafka key store of crypto-shredding: a compacted topic (topology.ts), one record per key, keyed
 * `<subject>/<key id>` and read into the log view. Forgetting a subject produces a tombstone (a null
 * value) for each of its keys: the view drops them at once, and compaction removes the key records from
 * the broker's disk once their segment has rolled (segment.ms: 1 hour) and the cleaner ran — until then
 * the key bytes are still in a segment file (docs/labs/kafka.md, "Erasure").
 * Why one record per key, not per subject: two processes creating a subject's first key at once both
 * produce one; with the subject as record key compaction would keep only the later and the data encrypted
 * with the other would become unreadable. Keyed by key id, both survive: the earliest is used to encrypt,
 * either decrypts.
 */
import { Partitioners } from 'kafkajs';
import { LazyProducer } from './client.ts';
import { generateSubjectKey, type KeyStore, type SubjectKey } from '../core/index.ts';
import type { LogView } from './log-view.ts';

export class KafkaSubjectKeys implements KeyStore {
  private readonly producer = new LazyProducer(() => this.view.kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner }));

  constructor(private readonly view: LogView) {}

  private async keysOf(subjectId: string) {
    await this.view.catchUp(this.view.topology.subjectKeys);
    return [...this.view.subjectKeys.entries()].filter(([, k]) => k.subjectId === subjectId).sort(([, a], [, b]) => (a.offset < b.offset ? -1 : 1));
  }

  async keyFor(subjectId: string): Promise<SubjectKey> {
    const [earliest] = await this.keysOf(subjectId);
    if (earliest) return { keyId: earliest[1].keyId, key: earliest[1].key };
    const fresh = generateSubjectKey();
    await this.produce(`${subjectId}/${fresh.keyId}`, JSON.stringify({ subjectId, keyId: fresh.keyId, key: fresh.key.toString('base64') }));
    const [first] = await this.keysOf(subjectId);
    return first ? { keyId: first[1].keyId, key: first[1].key } : fresh;
  }

  async find(subjectId: string, keyId: string): Promise<Buffer | undefined> {
    await this.view.catchUp(this.view.topology.subjectKeys);
    return this.view.subjectKeys.get(`${subjectId}/${keyId}`)?.key;
  }

  async destroy(subjectId: string): Promise<number> {
    const keys = await this.keysOf(subjectId);
    for (const [recordKey] of keys) await this.produce(recordKey, null);
    return keys.length;
  }

  private async produce(key: string, value: string | null): Promise<void> {
    const producer = await this.producer.get();
    const [metadata] = await producer.send({ topic: this.view.topology.subjectKeys, acks: -1, messages: [{ key, value }] });
    if (metadata?.baseOffset) await this.view.waitFor(this.view.topology.subjectKeys, BigInt(metadata.baseOffset) + 1n);
  }

  close(): Promise<void> {
    return this.producer.close();
  }
}
