/**
 * Checkpoints and snapshots on EventStoreDB: one `$`-stream per subscriber or aggregate, with `$maxCount: 1`
 * so that only the newest event stays (the older ones go at the next scavenge). The `$` prefix keeps them
 * out of the contract's `$all` reads and subscriptions.
 */
import { randomUUID } from 'node:crypto';
import { ANY, BACKWARDS, END, NO_STREAM, StreamNotFoundError, type EventStoreDBClient } from '@eventstore/db-client';
import { WrongExpectedVersionError, type CheckpointPort, type JsonValue, type Snapshot, type SnapshotPort } from '../core/index.ts';
import { translateError, translated } from './errors.ts';
import { checkpointStreamId, revisionToVersion, snapshotStreamId, toEventData, type EventToWrite } from './mapping.ts';

async function collectRaw<E>(read: AsyncIterable<E>): Promise<E[]> {
  const items: E[] = [];
  for await (const item of read) items.push(item);
  return items;
}

/** Writes `$maxCount: 1` on a stream created by this first append, so only its newest event is kept. */
async function keepOnlyNewest(client: EventStoreDBClient, streamId: string): Promise<void> {
  await translated(() => client.setStreamMetadata(streamId, { maxCount: 1 }), { streamId });
}

/**
 * Checkpoints: the stream `$checkpoint-<subscriber>` holds events `{ position }` (a decimal string: JSON
 * numbers lose precision past 2^53); `$maxCount: 1` keeps only the newest. Reading it is one
 * backwards read of one event.
 */
export class EventStoreDbCheckpoints implements CheckpointPort {
  constructor(private readonly client: EventStoreDBClient) {}

  async load(subscriberId: string): Promise<bigint | undefined> {
    const [last] = await readNewest(this.client, checkpointStreamId(subscriberId));
    const position = (last?.data as { position?: unknown } | undefined)?.position;
    return typeof position === 'string' ? BigInt(position) : undefined;
  }

  async store(subscriberId: string, position: bigint): Promise<void> {
    const streamId = checkpointStreamId(subscriberId);
    const result = await translated(
      () => this.client.appendToStream(streamId, toEventData(systemEvent('Checkpoint', { position: position.toString() })), { expectedRevision: ANY }),
      { streamId },
    );
    if (result.nextExpectedRevision === 0n) await keepOnlyNewest(this.client, streamId);
  }
}

/**
 * Snapshots: the stream `$snapshot-<stream>` with `$maxCount: 1`. A save appends at the revision it read,
 * so two loaders racing cannot put an older snapshot over a newer one: the loser re-reads and decides again.
 */
export class EventStoreDbSnapshots implements SnapshotPort {
  constructor(private readonly client: EventStoreDBClient) {}

  async load(streamId: string): Promise<Snapshot | undefined> {
    const [last] = await readNewest(this.client, snapshotStreamId(streamId));
    return last ? (last.data as unknown as Snapshot) : undefined;
  }

  async save(streamId: string, snapshot: Snapshot): Promise<void> {
    const snapshotStream = snapshotStreamId(streamId);
    for (let attempt = 0; attempt < 5; attempt++) {
      const [current] = await readNewest(this.client, snapshotStream);
      if (current && (current.data as unknown as Snapshot).streamVersion > snapshot.streamVersion) return;
      try {
        const data = { streamVersion: snapshot.streamVersion, schemaVersion: snapshot.schemaVersion, state: snapshot.state };
        const result = await this.client.appendToStream(snapshotStream, toEventData(systemEvent('Snapshot', data)), {
          expectedRevision: current ? BigInt(current.streamVersion) : NO_STREAM,
        });
        if (result.nextExpectedRevision === 0n) await keepOnlyNewest(this.client, snapshotStream);
        return;
      } catch (error) {
        const translatedError = translateError(error, { streamId: snapshotStream });
        if (!(translatedError instanceof WrongExpectedVersionError)) throw translatedError;
      }
    }
  }
}

/** The newest event of a `$`-stream of ours (read directly: the contract's reads skip `$`-streams). */
async function readNewest(client: EventStoreDBClient, streamId: string): Promise<{ data: unknown; streamVersion: number }[]> {
  try {
    const raw = await collectRaw(client.readStream(streamId, { direction: BACKWARDS, fromRevision: END, maxCount: 1 }));
    return raw.flatMap((r) => (r.event ? [{ data: r.event.data, streamVersion: revisionToVersion(r.event.revision) }] : []));
  } catch (error) {
    if (error instanceof StreamNotFoundError) return [];
    throw translateError(error, { streamId });
  }
}

function systemEvent(type: string, data: JsonValue): EventToWrite {
  return { id: randomUUID(), type, data, metadata: {} };
}
