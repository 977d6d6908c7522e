/**
 * What other parts of the workbench may use from the DynamoDB lab: the workshop's harness creates its
 * table like the lab, and its reference solution maps errors and packs positions like the lab; the
 * benchmarks' growth filler builds the store's items with the lab's own functions.
 * Everything else in this folder is the lab's own.
 */
export { dynamoDbClientConfig } from './client.ts';
export { isConditionalCheckFailed, mapDynamoDbError } from './errors.ts';
export { EVENTS_PER_COMMIT, packPosition, unpackPosition } from './keys.ts';
export { DEFAULT_TABLE, ensureTable } from './table.ts';
// The benchmarks' growth filler writes the store's own items (benchmarks/growth/dynamodb.ts): built here, never copied.
export { advanceStablePoint, commitItem, decodeLogEntry, logEntryItem, STABLE_ITEM_KEY, toStored, type StoredEvent } from './items.ts';
export { itemSizeBytes } from './item-size.ts';
export { LOG_KEY, STABLE_KEY, streamKey } from './keys.ts';
