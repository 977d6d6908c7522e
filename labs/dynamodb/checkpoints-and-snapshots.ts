/**
 * Checkpoints and snapshots: one item each, keyed by subscriber or stream (table.ts). The shell
 * (labs/core/store-base.ts) has validated every argument and the snapshot's size before these run.
 */
import { InvalidSnapshotError, type CheckpointPort, type Snapshot, type SnapshotPort } from '../core/index.ts';
import { MAX_ITEM_BYTES, itemSizeBytes } from './item-size.ts';
import { num, str } from './items.ts';
import { checkpointKey, snapshotKey } from './keys.ts';
import type { TableAccess } from './table-access.ts';

export class DynamoDbCheckpoints implements CheckpointPort {
  constructor(private readonly table: TableAccess) {}

  async load(subscriberId: string): Promise<bigint | undefined> {
    const item = await this.table.getItem('GetItem checkpoint', checkpointKey(subscriberId));
    return item ? BigInt(str(item.p)) : undefined;
  }

  async store(subscriberId: string, position: bigint): Promise<void> {
    // A string, not N: positions are bigints, and N would come back through a JS number.
    await this.table.putItem('PutItem checkpoint', {
      pk: { S: checkpointKey(subscriberId) },
      sk: { N: '0' },
      p: { S: position.toString() },
      at: { S: new Date().toISOString() },
    });
  }
}

export class DynamoDbSnapshots implements SnapshotPort {
  constructor(private readonly table: TableAccess) {}

  async load(streamId: string): Promise<Snapshot | undefined> {
    const item = await this.table.getItem('GetItem snapshot', snapshotKey(streamId));
    if (!item) return undefined;
    return { streamVersion: num(item.v), schemaVersion: num(item.sv), state: JSON.parse(str(item.state)) as Snapshot['state'] };
  }

  async save(streamId: string, snapshot: Snapshot, stateJson: string): Promise<void> {
    const item = {
      pk: { S: snapshotKey(streamId) },
      sk: { N: '0' },
      v: { N: String(snapshot.streamVersion) },
      sv: { N: String(snapshot.schemaVersion) },
      state: { S: stateJson },
    };
    // limits.maxSnapshotBytes leaves room for the keys, so this only fires if someone raised it.
    const size = itemSizeBytes(item);
    if (size > MAX_ITEM_BYTES) {
      throw new InvalidSnapshotError('state', `the snapshot needs a ${size}-byte item; DynamoDB holds at most ${MAX_ITEM_BYTES} bytes per item`);
    }
    // Never replace a newer snapshot with an older one (two loaders may race); losing that race is fine.
    await this.table.putItem('PutItem snapshot', item, {
      expression: 'attribute_not_exists(pk) OR #v <= :v',
      names: { '#v': 'v' },
      values: { ':v': { N: String(snapshot.streamVersion) } },
    });
  }
}
