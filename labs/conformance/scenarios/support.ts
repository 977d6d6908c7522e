/**
 * What the scenarios share: building events, asserting order, expecting a typed error, taking events from
 * a subscription within a time limit.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { JsonValue, NewEvent, RecordedEvent, Subscription } from '../../core/index.ts';
import type { ScenarioContext } from '../scenario.ts';

export const event = (type: string, data: JsonValue, extra: Partial<NewEvent> = {}): NewEvent => ({
  id: randomUUID(),
  type,
  data,
  ...extra,
});

export function versionsOf(events: RecordedEvent[]): number[] {
  return events.map((e) => e.streamVersion);
}

export function assertStrictlyIncreasing(events: RecordedEvent[], what: string): void {
  for (let i = 1; i < events.length; i++) {
    const previous = events[i - 1]!;
    const current = events[i]!;
    assert.ok(
      current.globalPosition > previous.globalPosition,
      `${what}: position ${current.globalPosition} (event ${current.id}) does not come after ${previous.globalPosition}`,
    );
  }
}

export async function expectError<E extends Error>(
  action: () => Promise<unknown>,
  type: abstract new (...args: never[]) => E,
  what: string,
): Promise<E> {
  try {
    await action();
  } catch (error) {
    if (error instanceof type) return error;
    const described = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    assert.fail(`${what}: expected ${type.name}, got ${described}`);
  }
  assert.fail(`${what}: expected ${type.name}, but the call succeeded`);
}

/** Takes events from a subscription until `count` of ours arrived (or time runs out). */
export async function take(
  subscription: Subscription,
  count: number,
  ours: (event: RecordedEvent) => boolean,
  timeoutMs: number,
  onEvent?: (event: RecordedEvent) => Promise<void> | void,
): Promise<RecordedEvent[]> {
  const taken: RecordedEvent[] = [];
  if (count === 0) return taken;
  const iterator = subscription[Symbol.asyncIterator]();
  const deadline = Date.now() + timeoutMs;
  while (taken.length < count) {
    const remaining = deadline - Date.now();
    let timer: NodeJS.Timeout | undefined;
    const next = await Promise.race([
      iterator.next(),
      new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), Math.max(remaining, 0)))),
    ]);
    clearTimeout(timer);
    if (next === 'timeout') {
      assert.fail(`subscription delivered ${taken.length} of ${count} expected events within ${timeoutMs} ms`);
    }
    if (next.done) assert.fail(`subscription ended after ${taken.length} of ${count} expected events`);
    if (!ours(next.value)) continue;
    taken.push(next.value);
    await onEvent?.(next.value);
  }
  return taken;
}

export const fromPrefix = (ctx: ScenarioContext) => (e: RecordedEvent) => e.streamId.startsWith(ctx.prefix);
