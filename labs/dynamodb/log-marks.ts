/**
 * Marking log entries (pending -> committed or void) and the work left running in the background.
 * Writers mark their own entries once every member knows its outcome; readers mark what they decided
 * for a writer that did not (see log-reader.ts). Both decide from the same immutable stream slot, so a
 * mark is unconditional and any number of them agree.
 */
import { UpdateItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { isConditionalCheckFailed } from './errors.ts';
import { LOG_KEY, streamKey } from './keys.ts';
import type { Item, TableAccess } from './table-access.ts';

/** pending -> committed or void, one UpdateItem for all the members given. */
export async function markMembers(table: TableAccess, commit: number, states: ReadonlyMap<number, 'committed' | 'void'>): Promise<void> {
  if (states.size === 0) return;
  const names: Record<string, string> = {};
  const values: Record<string, AttributeValue> = {};
  const sets = [...states].map(([index, state]) => {
    names[`#st${index}`] = `st${index}`;
    values[`:${state}`] = { S: state };
    return `#st${index} = :${state}`;
  });
  try {
    await table.send('UpdateItem mark log', (c) =>
      c.send(
        new UpdateItemCommand({
          TableName: table.tableName,
          Key: { pk: { S: LOG_KEY }, sk: { N: String(commit) } },
          UpdateExpression: `SET ${sets.join(', ')}`,
          // An update creates a missing item: never let it invent a log entry.
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      ),
    );
  } catch (error) {
    if (!isConditionalCheckFailed(error)) throw error;
  }
}

/** The commit item at a stream slot (consistent), if any: it decides the member that wanted the slot. */
export function getCommitItem(table: TableAccess, streamId: string, slot: number): Promise<Item | undefined> {
  return table.getItem('GetItem commit', streamKey(streamId), slot);
}

/** Promises nobody awaits (marks), kept so that close() and tests can wait for them. */
export class BackgroundWork {
  readonly #running = new Set<Promise<void>>();

  /** Runs `work`; a failure is dropped (the caller says why that is safe). */
  run(work: () => Promise<void>): void {
    const running: Promise<void> = work()
      .catch(() => {})
      .finally(() => this.#running.delete(running));
    this.#running.add(running);
  }

  async idle(): Promise<void> {
    while (this.#running.size > 0) await Promise.allSettled([...this.#running]);
  }
}
