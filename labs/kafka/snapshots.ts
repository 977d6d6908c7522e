/**
 * Snapshots in a compacted topic keyed by stream id: Kafka keeps (at least) the latest record per key, so
 * the topic stays about as large as the number of streams with a snapshot. The log view reads it into a
 * map; `load` is a lookup after catching up, `save` produces and waits until the view has read it back.
 */
import { Partitioners, type Producer } from 'kafkajs';
import type { Snapshot, SnapshotPort } from '../core/index.ts';
import type { LogView } from './log-view.ts';

export class KafkaSnapshots implements SnapshotPort {
  private producer: Promise<Producer> | undefined;

  constructor(private readonly view: LogView) {}

  async load(streamId: string): Promise<Snapshot | undefined> {
    await this.view.catchUp(this.view.topology.snapshots);
    return this.view.snapshots.get(streamId);
  }

  async save(streamId: string, snapshot: Snapshot, stateJson: string): Promise<void> {
    // Never replace a newer snapshot with an older one (two loaders may race; best effort, the view may lag).
    const existing = await this.load(streamId);
    if (existing && existing.streamVersion > snapshot.streamVersion) return;
    const producer = await this.connect();
    const [metadata] = await producer.send({
      topic: this.view.topology.snapshots,
      acks: -1,
      // stateJson is the shell's checked JSON of the state, within maxSnapshotBytes (under the broker's limit).
      messages: [{ key: streamId, value: `{"streamVersion":${snapshot.streamVersion},"schemaVersion":${snapshot.schemaVersion},"state":${stateJson}}` }],
    });
    if (metadata?.baseOffset) await this.view.waitFor(this.view.topology.snapshots, BigInt(metadata.baseOffset) + 1n);
  }

  private connect(): Promise<Producer> {
    this.producer ??= (async () => {
      const producer = this.view.kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
      await producer.connect();
      return producer;
    })();
    this.producer.catch(() => (this.producer = undefined));
    return this.producer;
  }

  async close(): Promise<void> {
    const producer = this.producer;
    this.producer = undefined;
    if (producer) await producer.then((p) => p.disconnect()).catch(() => {});
  }
}
