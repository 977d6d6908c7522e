/**
 * Given to you on the DynamoDB path (you do not edit it): the items of the table and how they are
 * encoded, and the plain requests every step makes. Your store (work/store.ts) decides WHICH items to
 * write, under which conditions, and how to read them back in order: that is the lesson.
 *
 * The table (created for you by the checker; key schema pk: string, sk: number):
 *   pk                      sk              item
 *   stream#<streamId>       first version   COMMIT: one per append, the whole batch in one item
 *   $all                    commit number   LOG ENTRY: the batch again, in global order
 *   $counter                0               the atomic counter that hands out commit numbers
 *   snapshot#<streamId>     0               the latest snapshot of a stream
 *   checkpoint#<id>         0               a subscriber's position
 */
import { DynamoDBClient, GetItemCommand, PutItemCommand, QueryCommand, type AttributeValue, type QueryCommandInput } from '@aws-sdk/client-dynamodb';
import type { RecordedEvent } from '../../labs/core/index.ts';
import { dynamoDbClientConfig, isConditionalCheckFailed, mapDynamoDbError, packPosition } from '../../labs/dynamodb/index.ts';
import { parseConnection } from './connection.ts';

/** One event inside a commit item or a log entry (short attribute names: every byte counts in 400 KB). */
export interface StoredEvent {
  id: string;
  type: string;
  dataJson: string;
  metadataJson: string;
}

/** A commit item: one append, stored in the stream's partition under the version of its first event. */
export interface Commit {
  streamId: string;
  /** Version of the first event (the sort key). */
  first: number;
  /** The commit number it got from the counter (its place in $all). */
  commit: number;
  recordedAt: string;
  events: StoredEvent[];
}

/** A log entry of $all: the same batch under its commit number. */
export interface LogEntry extends Commit {
  state: 'pending' | 'committed' | 'void';
}

export const STREAM = (streamId: string) => `stream#${streamId}`;
export const LOG = '$all';
export const COUNTER = '$counter';

// ------------------------------------------------------------------------------------------- requests

/** The check's table, and the requests on it. Every read is strongly consistent. */
export class Table {
  readonly name: string;
  private readonly client: DynamoDBClient;

  constructor(connection: string) {
    const { endpoint, tableName } = parseConnection(connection);
    this.client = new DynamoDBClient(dynamoDbClientConfig(endpoint));
    this.name = tableName;
  }

  /** Every request goes through here: SDK errors become the contract's typed errors (labs/dynamodb/errors.ts). */
  async send<Output>(request: (client: DynamoDBClient) => Promise<Output>): Promise<Output> {
    try {
      return await request(this.client);
    } catch (error) {
      if (isConditionalCheckFailed(error)) throw error;
      throw mapDynamoDbError(error, 'request', this.name);
    }
  }

  /** An unconditional PutItem: it replaces any item with the same key. */
  async putItem(item: Record<string, AttributeValue>): Promise<void> {
    await this.send((c) => c.send(new PutItemCommand({ TableName: this.name, Item: item })));
  }

  /** A strongly consistent GetItem: it sees every write that was acknowledged before it. */
  async getItem(pk: string, sk: number): Promise<Record<string, AttributeValue> | undefined> {
    const { Item } = await this.send((c) => c.send(new GetItemCommand({ TableName: this.name, Key: key(pk, sk), ConsistentRead: true })));
    return Item;
  }

  /** One page of a strongly consistent Query (`Limit` items at most). */
  async queryPage(input: Omit<QueryCommandInput, 'TableName'>): Promise<Record<string, AttributeValue>[]> {
    const { Items } = await this.send((c) => c.send(new QueryCommand({ TableName: this.name, ConsistentRead: true, ...input })));
    return Items ?? [];
  }

  /** A strongly consistent Query, every page of it (one page holds at most 1 MB). */
  async queryAll(input: Omit<QueryCommandInput, 'TableName'>): Promise<Record<string, AttributeValue>[]> {
    const items: Record<string, AttributeValue>[] = [];
    let startKey: Record<string, AttributeValue> | undefined;
    do {
      const page = await this.send((c) => c.send(new QueryCommand({ TableName: this.name, ConsistentRead: true, ...input, ExclusiveStartKey: startKey })));
      items.push(...(page.Items ?? []));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return items;
  }

  close(): void {
    this.client.destroy();
  }
}

// ---------------------------------------------------------------------------------------- item codecs

export function key(pk: string, sk: number): Record<string, AttributeValue> {
  return { pk: { S: pk }, sk: { N: String(sk) } };
}

export function eventsAttribute(events: StoredEvent[]): AttributeValue {
  return { L: events.map((e) => ({ M: { i: { S: e.id }, t: { S: e.type }, d: { S: e.dataJson }, m: { S: e.metadataJson } } })) };
}

export function decodeEvents(value: AttributeValue | undefined): StoredEvent[] {
  return (value?.L ?? []).map((v) => {
    const m = v.M ?? {};
    return { id: str(m.i), type: str(m.t), dataJson: str(m.d), metadataJson: str(m.m) };
  });
}

export function commitItem(batch: Commit): Record<string, AttributeValue> {
  return { ...key(STREAM(batch.streamId), batch.first), c: { N: String(batch.commit) }, at: { S: batch.recordedAt }, ev: eventsAttribute(batch.events) };
}

export function decodeCommit(streamId: string, item: Record<string, AttributeValue>): Commit {
  return { streamId, first: num(item.sk), commit: num(item.c), recordedAt: str(item.at), events: decodeEvents(item.ev) };
}

export function logItem(entry: LogEntry): Record<string, AttributeValue> {
  return { ...key(LOG, entry.commit), st: { S: entry.state }, s: { S: entry.streamId }, v: { N: String(entry.first) }, at: { S: entry.recordedAt }, ev: eventsAttribute(entry.events) };
}

export function decodeLogEntry(item: Record<string, AttributeValue>): LogEntry {
  const state = str(item.st);
  if (state !== 'pending' && state !== 'committed' && state !== 'void') throw new Error(`log entry ${item.sk?.N} has state '${state}'`);
  // A void entry closed by a reader holds no batch.
  return { state, commit: num(item.sk), streamId: item.s?.S ?? '', first: item.v ? num(item.v) : 0, recordedAt: item.at?.S ?? '', events: decodeEvents(item.ev) };
}

/** The events of a commit as the contract returns them: versions from `first`, positions packed from the commit number. */
export function commitToRecorded(commit: Commit): RecordedEvent[] {
  return commit.events.map((e, index) => ({
    id: e.id,
    streamId: commit.streamId,
    type: e.type,
    data: JSON.parse(e.dataJson) as RecordedEvent['data'],
    metadata: JSON.parse(e.metadataJson) as RecordedEvent['metadata'],
    streamVersion: commit.first + index,
    globalPosition: packPosition(commit.commit, index),
    recordedAt: new Date(commit.recordedAt),
  }));
}

export function num(value: AttributeValue | undefined): number {
  if (value?.N === undefined) throw new Error(`expected a number attribute, got ${JSON.stringify(value)}`);
  return Number(value.N);
}

export function str(value: AttributeValue | undefined): string {
  if (value?.S === undefined) throw new Error(`expected a string attribute, got ${JSON.stringify(value)}`);
  return value.S;
}
