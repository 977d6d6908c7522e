/** READING ONE STREAM: one Query of the stream's partition, commit items in version order. */
import type { RecordedEvent, StreamPageRequest } from '../core/index.ts';
import { decodeCommitItem } from './items.ts';
import { streamKey } from './keys.ts';
import type { TableAccess } from './table-access.ts';

export async function readStreamPage(table: TableAccess, streamId: string, { direction, fromVersion, maxCount }: StreamPageRequest): Promise<RecordedEvent[]> {
  const limit = maxCount ?? Number.MAX_SAFE_INTEGER;
  const pk = { ':pk': { S: streamKey(streamId) } };
  const events: RecordedEvent[] = [];
  if (direction === 'forward') {
    const from = fromVersion ?? 0;
    // The commit holding `from` starts at or before it: find it and the commits after it at once.
    const [holding, after] = await Promise.all([
      from === 0
        ? Promise.resolve([])
        : table.queryPage('Query stream', {
            KeyConditionExpression: 'pk = :pk AND sk <= :from',
            ExpressionAttributeValues: { ...pk, ':from': { N: String(from) } },
            ScanIndexForward: false,
            Limit: 1,
          }),
      table.queryUntil(
        'Query stream',
        {
          KeyConditionExpression: from === 0 ? 'pk = :pk' : 'pk = :pk AND sk > :from',
          ExpressionAttributeValues: from === 0 ? pk : { ...pk, ':from': { N: String(from) } },
        },
        limit,
      ),
    ]);
    for (const item of [...holding, ...after]) {
      for (const event of decodeCommitItem(streamId, item)) {
        if (event.streamVersion >= from && events.length < limit) events.push(event);
      }
    }
  } else {
    const from = fromVersion ?? Number.MAX_SAFE_INTEGER;
    const items = await table.queryUntil(
      'Query stream',
      {
        KeyConditionExpression: 'pk = :pk AND sk <= :from',
        ExpressionAttributeValues: { ...pk, ':from': { N: String(from) } },
        ScanIndexForward: false,
      },
      limit,
    );
    for (const item of items) {
      for (const event of decodeCommitItem(streamId, item).reverse()) {
        if (event.streamVersion <= from && events.length < limit) events.push(event);
      }
    }
  }
  return events;
}
