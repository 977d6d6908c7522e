/**
 * Consumer-group leases on DynamoDB: the Kinesis Client Library's lease table, as items of the one table.
 *
 *   pk lease#<group>   sk <48 bits of MD5(key)>   key, owner, expiresAt (ms)
 *
 * One partition key per group, so a member reads every lease of its group with one consistent Query.
 * A lease is taken or renewed by ONE conditional PutItem — free (`attribute_not_exists`), already ours, or
 * expired — so two members racing for a key cannot both win: DynamoDB evaluates the condition and the write
 * as one step. Expiry compares the writers' clocks (DynamoDB has no server-side "now" in a condition): the
 * members' clocks must agree to well within the lease time, which NTP gives on real machines. The KCL avoids
 * clocks altogether with a lease counter that owners bump and others watch; the clock is simpler to read.
 */
import { createHash } from 'node:crypto';
import { DeleteItemCommand } from '@aws-sdk/client-dynamodb';
import type { LeasePort } from '../core/index.ts';
import { isConditionalCheckFailed } from './errors.ts';
import { num, str } from './items.ts';
import type { TableAccess } from './table-access.ts';

const leasesKey = (group: string) => `lease#${group}`;
const sortKey = (key: string) => String(createHash('md5').update(key, 'utf8').digest().readUIntBE(0, 6));

export class DynamoDbLeases implements LeasePort {
  constructor(private readonly table: TableAccess) {}

  acquire(group: string, key: string, owner: string, leaseMs: number): Promise<boolean> {
    const now = Date.now();
    const item = {
      pk: { S: leasesKey(group) },
      sk: { N: sortKey(key) },
      k: { S: key },
      owner: { S: owner },
      expiresAt: { N: String(now + leaseMs) },
    };
    return this.table.putItem('PutItem lease', item, {
      expression: 'attribute_not_exists(pk) OR (k = :k AND (#owner = :me OR expiresAt < :now))',
      names: { '#owner': 'owner' },
      values: { ':k': { S: key }, ':me': { S: owner }, ':now': { N: String(now) } },
    });
  }

  async release(group: string, key: string, owner: string): Promise<void> {
    try {
      await this.table.send('DeleteItem lease', (c) =>
        c.send(
          new DeleteItemCommand({
            TableName: this.table.tableName,
            Key: { pk: { S: leasesKey(group) }, sk: { N: sortKey(key) } },
            ConditionExpression: 'k = :k AND #owner = :me',
            ExpressionAttributeNames: { '#owner': 'owner' },
            ExpressionAttributeValues: { ':k': { S: key }, ':me': { S: owner } },
          }),
        ),
      );
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error; // not ours (any more): nothing to give back
    }
  }

  async live(group: string): Promise<{ key: string; owner: string }[]> {
    const items = await this.table.queryAll('Query leases', {
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': { S: leasesKey(group) } },
    });
    const now = Date.now();
    return items.filter((i) => num(i.expiresAt) >= now).map((i) => ({ key: str(i.k), owner: str(i.owner) }));
  }
}
