/**
 * THE TABLE DESIGN of the DynamoDB event store. One table, two key attributes, every item type in it.
 *
 *   pk (S)                      sk (N)          what
 *   stream#<streamId>           first version   COMMIT ITEM: one per append, holding the whole batch
 *   $all                        commit number   LOG ENTRY: the appends of one group commit, each pending/committed/void
 *   $all-stable                 0               every log entry up to this commit number is resolved
 *   checkpoint#<subscriberId>   0               a subscriber's position
 *   snapshot#<streamId>         0               the latest snapshot of an aggregate
 *   lease#<group>               MD5(key) bits   a consumer-group lease (leases.ts)
 *
 * Why each choice (the race or failure it prevents):
 * - ATOMIC BATCHES WITHOUT TRANSACTIONS. dynalite has no TransactWriteItems and one PutItem is the only
 *   atomic unit DynamoDB has without it, so a batch lives in ONE commit item (as Equinox's DynamoStore
 *   and the mature DynamoDB event stores do), keyed by the stream (partition) and the version of its first
 *   event (sort key). Reading a stream is one Query of one partition, in version order.
 *   Cost: a batch must fit in one 400 KB item; past it the append is refused with BatchTooLargeError
 *   (it is never split: two items are two writes, and a crash between them would leave half a batch).
 * - OPTIMISTIC CONCURRENCY BY A CONDITIONAL PUT. An append at expected version E puts the commit item
 *   with sort key E+1 under `attribute_not_exists(pk)`: of several writers at E exactly one succeeds, the
 *   others get ConditionalCheckFailedException -> WrongExpectedVersionError with the actual version. Since
 *   batches have different sizes, E+1 could fall INSIDE an existing commit (a writer holding a stale E);
 *   the writer therefore only puts at (a tail version it knows existed) + 1: read by a consistent Query,
 *   or remembered from what this store wrote or read (stream-head.ts `guessSlot`). Commits are never
 *   deleted and tails only grow, so such a put lands right after the tail or fails: the slots form one
 *   gap-free chain from version 0.
 * - IDEMPOTENCY BY EVENT ID, INSIDE THE SAME CONDITION. When the caller chose the ids, the append reads
 *   the stream first; the read returns every stored event id, a batch whose ids are already there (an
 *   exact retry) is answered with the original result, a batch mixing stored and new ids is refused.
 *   Because the put is conditional on the slot the read saw as free, a retry racing the original (a
 *   client that timed out while the first call was still in flight) loses the slot, reads again, finds
 *   its ids and returns the original result: never two copies. Ids are unique per stream.
 * - GLOBAL ORDER BY A GAP-FREE LOG, WRITTEN BY GROUP COMMIT (group-commit.ts). DynamoDB has no order
 *   across partitions. Each append is placed in a LOG ENTRY ($all, n) holding its batch BEFORE its
 *   commit item is put, so a writer that dies in between leaves a pending member, never a commit missing
 *   from the log. Entry n is only written once n-1 exists (under attribute_not_exists; the loser of a
 *   race tries the next), so numbers have no holes, and the appends of one process (all its stores on
 *   the table: table-session.ts) that arrive while a log write is in flight share the next entry.
 *   Once all members of an entry know their outcome, the writer marks it (one UpdateItem, in the
 *   background). Readers Query the log in order; members not marked yet they decide from their slots
 *   (one BatchGetItem per page): the slot holds (n, offset) -> committed; another append -> void;
 *   nothing -> pending. They mark what they decided when the writer's own mark is overdue
 *   (PostgreSQL's hint bits), and stop at the first entry with a member still pending. After `abandonAfterMs` of its own clock it
 *   puts the commit item on the dead writer's behalf if the slot is still free (the writer's checks
 *   still hold: nothing changed the stream), and the slot decides. So a reader never passes a member
 *   that can still turn into events (no skips), and never waits for ever on a dead writer (no hangs).
 *   The timeout only affects latency: a live writer declared dead finds its commit already in place.
 *   Cost: the log partition is hot (one item and one mark per group; DynamoDB's ~1000 writes/s per
 *   partition caps the group commits), every event is written twice (commit item and log entry), and an
 *   append takes its commit put plus its share of one log put and one mark, plus a read when its slot
 *   is not known (see docs/labs/dynamodb.md).
 */
import {
  CreateTableCommand,
  DescribeTableCommand,
  TransactWriteItemsCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { setTimeout as sleep } from 'node:timers/promises';
import { BackendUnavailableError } from '../core/index.ts';
import { errorName, mapDynamoDbError } from './errors.ts';

export const DEFAULT_TABLE = 'event-store';

/** Creates the table when it is missing (idempotent; several starters may race) and waits for ACTIVE. */
export async function ensureTable(client: DynamoDBClient, tableName: string, timeoutMs = 60_000): Promise<void> {
  try {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'N' },
        ],
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
  } catch (error) {
    if (errorName(error) !== 'ResourceInUseException') throw mapDynamoDbError(error, 'CreateTable', tableName);
  }
  await waitForActive(client, tableName, timeoutMs);
}

export async function waitForActive(client: DynamoDBClient, tableName: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (true) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName })).catch((error: unknown) => {
      throw mapDynamoDbError(error, 'DescribeTable', tableName);
    });
    if (Table?.TableStatus === 'ACTIVE') return;
    if (Date.now() > deadline) {
      throw new BackendUnavailableError('dynamodb', `table '${tableName}' is still ${Table?.TableStatus ?? 'unknown'} after ${timeoutMs} ms`);
    }
    await sleep(100);
  }
}

export interface EndpointFeatures {
  /** TransactWriteItems answered (DynamoDB Local, AWS) or UnknownOperationException (dynalite). */
  transactions: boolean;
  /** For people: what was detected and what the design does with it. */
  description: string;
}

/**
 * Detects, rather than assumes, whether the endpoint implements transactions: a TransactWriteItems
 * with one ConditionCheck on a key that never exists writes nothing either way. The design does not
 * need them; the result is reported so that the lab says what the endpoint can do.
 */
export async function probeEndpointFeatures(client: DynamoDBClient, tableName: string): Promise<EndpointFeatures> {
  let transactions: boolean;
  try {
    await client.send(
      new TransactWriteItemsCommand({
        TransactItems: [
          {
            ConditionCheck: {
              TableName: tableName,
              Key: { pk: { S: '$probe' }, sk: { N: '0' } },
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
        ],
      }),
    );
    transactions = true;
  } catch (error) {
    const name = errorName(error);
    if (name === 'UnknownOperationException') transactions = false;
    else if (name === 'TransactionCanceledException') transactions = true;
    else throw mapDynamoDbError(error, 'TransactWriteItems (probe)', tableName);
  }
  return {
    transactions,
    description: transactions
      ? 'TransactWriteItems: supported by the endpoint (not needed: one conditional PutItem per commit); Streams: not used (subscriptions poll)'
      : 'TransactWriteItems: not implemented by the endpoint (UnknownOperationException; not needed: one conditional PutItem per commit); Streams: not used (subscriptions poll)',
  };
}
