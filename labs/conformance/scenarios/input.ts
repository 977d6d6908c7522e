import assert from 'node:assert/strict';
import {
  InvalidInputError,
  type JsonValue,
  type NewEvent,
} from '../../core/index.ts';
import type { Scenario } from '../scenario.ts';
import { event, expectError } from './support.ts';

export const inputScenarios: Scenario[] = [
  {
    id: 'input.invalid',
    title: 'Bad input gets a typed error and writes nothing',
    property: 'Invalid stream ids, events, sizes, versions and read options are refused with InvalidInputError before anything is written.',
    requires: [],
    async run(ctx) {
      const store = ctx.store;
      const good = ctx.streamId('valid');
      const cases: { what: string; call: () => Promise<unknown>; stream?: string }[] = [
        { what: 'empty stream id', call: () => store.appendToStream('', [event('A', 1)]) },
        { what: 'over-long stream id', call: () => store.appendToStream(ctx.prefix + 'x'.repeat(store.limits.maxStreamIdLength), [event('A', 1)]) },
        { what: 'stream id with a NUL character', call: () => store.appendToStream(`${ctx.prefix}a\u0000b`, [event('A', 1)]) },
        { what: 'stream id with a newline', call: () => store.appendToStream(`${ctx.prefix}a\nb`, [event('A', 1)]) },
        { what: 'stream id that is not a string', call: () => store.appendToStream(42 as unknown as string, [event('A', 1)]) },
        { what: 'events that are not an array', stream: good, call: () => store.appendToStream(good, { type: 'A' } as unknown as NewEvent[]) },
        { what: 'an empty batch', stream: good, call: () => store.appendToStream(good, []) },
        { what: 'an event without a type', stream: good, call: () => store.appendToStream(good, [{ data: 1 } as unknown as NewEvent]) },
        { what: 'data with NaN', stream: good, call: () => store.appendToStream(good, [event('A', { x: Number.NaN })]) },
        { what: 'data with a function', stream: good, call: () => store.appendToStream(good, [event('A', { f: (() => 1) as unknown as JsonValue })]) },
        { what: 'data with a bigint', stream: good, call: () => store.appendToStream(good, [event('A', { n: 1n as unknown as JsonValue })]) },
        { what: 'data with a Date', stream: good, call: () => store.appendToStream(good, [event('A', { at: new Date() as unknown as JsonValue })]) },
        { what: 'an event id that is not a UUID', stream: good, call: () => store.appendToStream(good, [event('A', 1, { id: 'not-a-uuid' })]) },
        { what: 'the same id twice in one batch', stream: good, call: () => { const e = event('A', 1); return store.appendToStream(good, [e, { ...e }]); } },
        { what: 'an oversized event', stream: good, call: () => store.appendToStream(good, [event('A', 'x'.repeat(store.limits.maxEventBytes + 1))]) },
        { what: 'a valid event followed by an oversized one', stream: good, call: () => store.appendToStream(good, [event('A', 1), event('B', 'x'.repeat(store.limits.maxEventBytes + 1))]) },
        { what: 'a negative expected version', stream: good, call: () => store.appendToStream(good, [event('A', 1)], { expectedVersion: -1 }) },
        { what: 'a fractional expected version', stream: good, call: () => store.appendToStream(good, [event('A', 1)], { expectedVersion: 1.5 }) },
        { what: 'an unknown expected version', stream: good, call: () => store.appendToStream(good, [event('A', 1)], { expectedVersion: 'latest' as unknown as number }) },
        { what: 'a negative fromVersion', call: () => store.readStream(good, { fromVersion: -1 }) },
        { what: 'maxCount 0', call: () => store.readStream(good, { maxCount: 0 }) },
        { what: 'an unknown direction', call: () => store.readStream(good, { direction: 'sideways' as unknown as 'forward' }) },
        { what: 'a negative fromPosition', call: () => store.readAll({ fromPosition: -1n }) },
        { what: 'readStream of an empty stream id', call: () => store.readStream('') },
      ];
      for (const c of cases) {
        const error = await expectError(c.call, InvalidInputError, c.what);
        assert.ok(error.message.length > 20, `${c.what}: the message explains the problem`);
        if (c.stream) assert.deepEqual(await store.readStream(c.stream), [], `${c.what}: nothing was written`);
      }
      ctx.narrate(`${cases.length} kinds of bad input refused with typed errors, e.g. "${await store.appendToStream('', [event('A', 1)]).catch((e: Error) => e.message)}"`);
    },
  },
];
