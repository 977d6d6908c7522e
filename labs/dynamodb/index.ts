/**
 * What other parts of the workbench may use from the DynamoDB lab: the workshop's harness creates its
 * table like the lab, and its reference solution maps errors and packs positions like the lab.
 * Everything else in this folder is the lab's own.
 */
export { dynamoDbClientConfig } from './client.ts';
export { isConditionalCheckFailed, mapDynamoDbError } from './errors.ts';
export { EVENTS_PER_COMMIT, packPosition, unpackPosition } from './keys.ts';
export { ensureTable } from './table.ts';
