/**
 * Snapshots in a compacted topic keyed by stream id: Kafka keeps (at least) the latest record per key, so
 * the topic stays about as large as the number of streams with a snapshot. The log view reads it into a
 * map; `load` is a lookup after catching up, `save` produces and waits until the view has read it back.
 */
import { Partitioners } from 'kafkajs';
import { LazyProducer } from './client.ts';
import type { Snapshot, SnapshotPort } from '../core/index.ts';
import type { LogView } from './log-view.ts';

export class KafkaSnapshots implements SnapshotPort {
  private readonly producer = new LazyProducer(() => this.view.kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner }));

  constructor(private readonly view: LogView) {}

  async load(streamId: string): Promise<Snapshot | undefined> {
    await this.view.catchUp(this.view.topology.snapshots);
    return this.view.snapshots.get(streamId);
  }

  async save(streamId: string, snapshot: Snapshot, stateJson: string): Promise<void> {
    // Never replace a newer snapshot with an older one (two loaders may race; best effort, the view may lag).
    const existing = await this.load(streamId);
    if (existing && existing.streamVersion > snapshot.streamVersion) return;
    const producer = await this.producer.get();
    const [metadata] = await producer.send({
      topic: this.view.topology.snapshots,
      acks: -1,
      // stateJson is the shell's checked JSON of the state, within maxSnapshotBytes (under the broker's limit).
      messages: [{ key: streamId, value: `{"streamVersion":${snapshot.streamVersion},"schemaVersion":${snapshot.schemaVersion},"state":${stateJson}}` }],
    });
    if (metadata?.baseOffset) await this.view.waitFor(this.view.topology.snapshots, BigInt(metadata.baseOffset) + 1n);
  }

  close(): Promise<void> {
    return this.producer.close();
  }
}
