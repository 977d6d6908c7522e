/**
 * Whether the table can expire items, as the endpoint says (DescribeTimeToLive). DynamoDB's TTL deletes
 * items whose TTL attribute lies in the past, within days, for free: an event store's table must not
 * have it enabled on an attribute its items carry. The lab's items carry no TTL attribute either way.
 */
import { DescribeTimeToLiveCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { RetentionPolicy } from '../core/index.ts';
import { errorName } from './errors.ts';

export async function describeTableRetention(client: DynamoDBClient, tableName: string): Promise<RetentionPolicy> {
  try {
    const { TimeToLiveDescription: ttl } = await client.send(new DescribeTimeToLiveCommand({ TableName: tableName }));
    const enabled = ttl?.TimeToLiveStatus === 'ENABLED' || ttl?.TimeToLiveStatus === 'ENABLING';
    return {
      keepsEventsForever: !enabled,
      source: `table ${tableName}: TTL ${ttl?.TimeToLiveStatus ?? 'DISABLED'}${enabled ? ` on attribute '${ttl?.AttributeName}': items whose value lies in the past are deleted` : ': no item expires'}`,
    };
  } catch (error) {
    // An endpoint without DescribeTimeToLive cannot expire items either. (dynalite answers it with a fixed
    // DISABLED and refuses UpdateTimeToLive as an unknown operation: labs/dynamodb/ttl-demo.ts measures it.)
    if (errorName(error) !== 'UnknownOperationException') throw error;
    return { keepsEventsForever: true, source: `table ${tableName}: the endpoint does not implement TimeToLive (UnknownOperationException): no item expires` };
  }
}
