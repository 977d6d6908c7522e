/** READING ONE STREAM: one Query of the stream's partition, commit items in version order. */
import type { RecordedEvent, StreamPageRequest } from '../core/index.ts';
import { decodeCommitItem } from './items.ts';
import { streamKey } from './keys.ts';
import type { TableAccess } from './table-access.ts';

export async function readStreamPage(table: TableAccess, streamId: string, request: StreamPageRequest): Promise<RecordedEvent[]> {
  const limit = request.maxCount ?? Number.MAX_SAFE_INTEGER;
  const { events, items } = await readItems(table, streamId, request, limit);
  // A commit item holds at least one event, so `limit` items hold `limit` events — unless some were
  // erased (stream-lifecycle.ts): then a short page may not be the end, and the whole range is read.
  if (events.length < limit && items >= limit) return (await readItems(table, streamId, request, Number.MAX_SAFE_INTEGER, limit)).events;
  return events;
}

async function readItems(
  table: TableAccess,
  streamId: string,
  { direction, fromVersion }: StreamPageRequest,
  itemLimit: number,
  limit = itemLimit,
): Promise<{ events: RecordedEvent[]; items: number }> {
  const pk = { ':pk': { S: streamKey(streamId) } };
  const events: RecordedEvent[] = [];
  let items = 0;
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
        itemLimit,
      ),
    ]);
    items = after.length;
    for (const item of [...holding, ...after]) {
      for (const event of decodeCommitItem(streamId, item)) {
        if (event.streamVersion >= from && events.length < limit) events.push(event);
      }
    }
  } else {
    const from = fromVersion ?? Number.MAX_SAFE_INTEGER;
    const found = await table.queryUntil(
      'Query stream',
      {
        KeyConditionExpression: 'pk = :pk AND sk <= :from',
        ExpressionAttributeValues: { ...pk, ':from': { N: String(from) } },
        ScanIndexForward: false,
      },
      itemLimit,
    );
    items = found.length;
    for (const item of found) {
      for (const event of decodeCommitItem(streamId, item).reverse()) {
        if (event.streamVersion <= from && events.length < limit) events.push(event);
      }
    }
  }
  return { events, items };
}
