/**
 * Every request of the store goes through one `TableAccess`: counted by operation (the lab, the tests
 * and the stress script read round trips per append from it) and SDK errors mapped to typed ones.
 * ConditionalCheckFailedException passes through unchanged: it is how the store's conditional writes
 * answer, not an error of the store.
 */
import {
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  type AttributeValue,
  type DynamoDBClient,
  type QueryCommandInput,
} from '@aws-sdk/client-dynamodb';
import { isConditionalCheckFailed, mapDynamoDbError } from './errors.ts';

export type Item = Record<string, AttributeValue>;
export type QueryInput = Omit<QueryCommandInput, 'TableName'>;

/** Counts requests per operation. */
export class RequestCounter {
  readonly byOperation = new Map<string, number>();
  total = 0;
  count(operation: string): void {
    this.total++;
    this.byOperation.set(operation, (this.byOperation.get(operation) ?? 0) + 1);
  }
  snapshot(): { total: number; byOperation: Record<string, number> } {
    return { total: this.total, byOperation: Object.fromEntries(this.byOperation) };
  }
}

export interface PutCondition {
  expression: string;
  names?: Record<string, string>;
  values?: Record<string, AttributeValue>;
}

export class TableAccess {
  readonly requests = new RequestCounter();
  #closed = false;

  constructor(
    readonly client: DynamoDBClient,
    readonly tableName: string,
  ) {}

  get closed(): boolean {
    return this.#closed;
  }

  /** Stops every later request (background marks included) and releases the client's sockets. */
  close(): void {
    this.#closed = true;
    this.client.destroy();
  }

  async send<Output>(operation: string, run: (client: DynamoDBClient) => Promise<Output>): Promise<Output> {
    if (this.#closed) throw new Error(`the DynamoDB store is closed (${operation})`);
    this.requests.count(operation);
    try {
      return await run(this.client);
    } catch (error) {
      if (isConditionalCheckFailed(error)) throw error;
      throw mapDynamoDbError(error, operation, this.tableName);
    }
  }

  /** One consistent Query page. */
  async queryPage(operation: string, input: QueryInput): Promise<Item[]> {
    const { Items } = await this.send(operation, (c) => c.send(new QueryCommand({ TableName: this.tableName, ConsistentRead: true, ...input })));
    return Items ?? [];
  }

  /** Pages through a consistent Query until `enough` items (each holds at least one event) or the end. */
  async queryUntil(operation: string, input: QueryInput, enough: number): Promise<Item[]> {
    const items: Item[] = [];
    let startKey: Item | undefined;
    do {
      const page = await this.send(operation, (c) =>
        c.send(
          new QueryCommand({
            TableName: this.tableName,
            ConsistentRead: true,
            ...input,
            ...(enough < 1000 ? { Limit: Math.max(enough - items.length, 1) } : {}),
            ExclusiveStartKey: startKey,
          }),
        ),
      );
      items.push(...(page.Items ?? []));
      startKey = page.LastEvaluatedKey;
    } while (startKey && items.length < enough);
    return items;
  }

  queryAll(operation: string, input: QueryInput): Promise<Item[]> {
    return this.queryUntil(operation, input, Number.MAX_SAFE_INTEGER);
  }

  /** A consistent GetItem of (pk, sk). */
  async getItem(operation: string, pk: string, sk = 0, projection?: string): Promise<Item | undefined> {
    const { Item } = await this.send(operation, (c) =>
      c.send(
        new GetItemCommand({
          TableName: this.tableName,
          Key: { pk: { S: pk }, sk: { N: String(sk) } },
          ConsistentRead: true,
          ProjectionExpression: projection,
        }),
      ),
    );
    return Item;
  }

  /**
   * Puts a new item under attribute_not_exists(pk). `taken`: the key held an item before this call.
   * `unsure`: refused after the SDK had retried the put, so an earlier attempt of ours may be what is
   * there; the caller looks.
   */
  async putNew(operation: string, item: Item): Promise<'written' | 'taken' | 'unsure'> {
    try {
      await this.send(operation, (c) => c.send(new PutItemCommand({ TableName: this.tableName, Item: item, ConditionExpression: 'attribute_not_exists(pk)' })));
      return 'written';
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      const attempts = (error as { $metadata?: { attempts?: number } }).$metadata?.attempts;
      return attempts === 1 ? 'taken' : 'unsure';
    }
  }

  /** Puts the item; with a condition, false when the condition did not hold (nothing written). */
  async putItem(operation: string, item: Item, condition?: PutCondition): Promise<boolean> {
    try {
      await this.send(operation, (c) =>
        c.send(
          new PutItemCommand({
            TableName: this.tableName,
            Item: item,
            ConditionExpression: condition?.expression,
            ExpressionAttributeNames: condition?.names,
            ExpressionAttributeValues: condition?.values,
          }),
        ),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }
}
