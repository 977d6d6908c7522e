import type { EventStore } from './event-store.ts';
import type { RecordedEvent } from './types.ts';

/** Positions travel as decimal strings in JSON (JSON numbers lose precision past 2^53). */
export function positionToJson(position: bigint): string {
  return position.toString();
}

export function positionFromJson(text: string): bigint {
  if (!/^\d+$/.test(text)) throw new RangeError(`Not a position: ${JSON.stringify(text)}`);
  return BigInt(text);
}

/** Pages through the log forward from `fromPosition` (inclusive) to its current end. */
export async function* readAllPages(
  store: Pick<EventStore, 'readAll'>,
  fromPosition = 0n,
  pageSize = 1000,
): AsyncGenerator<RecordedEvent[]> {
  let next = fromPosition;
  while (true) {
    const page = await store.readAll({ fromPosition: next, maxCount: pageSize });
    if (page.length === 0) return;
    yield page;
    next = page[page.length - 1]!.globalPosition + 1n;
    if (page.length < pageSize) return;
  }
}

/** Position of the newest event in the log (0n when empty). */
export async function headPosition(store: Pick<EventStore, 'readAll' | 'unsupported'>): Promise<bigint> {
  if (store.unsupported['read-backward'] === undefined) {
    const [last] = await store.readAll({ direction: 'backward', maxCount: 1 });
    return last?.globalPosition ?? 0n;
  }
  let head = 0n;
  for await (const page of readAllPages(store)) head = page[page.length - 1]!.globalPosition;
  return head;
}
