/**
 * Input a store cannot keep faithfully: text with no UTF-8 form, values JSON would silently change.
 * Either refused with a typed error before any I/O, or kept exactly — never stored as something else.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { InvalidInputError, type EventStore, type JsonValue } from '../../core/index.ts';
import type { Scenario, ScenarioContext } from '../scenario.ts';
import { event, expectError } from './support.ts';

interface Case {
  what: string;
  call: () => Promise<unknown>;
  /** A stream that must still be empty afterwards. */
  stream?: string;
}

async function refuseAll(ctx: ScenarioContext, cases: Case[]): Promise<string[]> {
  const messages: string[] = [];
  for (const c of cases) {
    const error = await expectError(c.call, InvalidInputError, c.what);
    assert.ok(error.message.length > 20, `${c.what}: the message explains the problem`);
    if (c.stream) assert.deepEqual(await ctx.store.readStream(c.stream), [], `${c.what}: nothing was written`);
    messages.push(error.message);
  }
  return messages;
}

const supports = (store: EventStore, capability: 'snapshots' | 'checkpoints') => store.unsupported[capability] === undefined;

export const faithfulInputScenarios: Scenario[] = [
  {
    id: 'input.lone-surrogate',
    title: 'One stream id is one stream',
    property:
      'Text with a lone UTF-16 surrogate (no UTF-8 form) is refused in stream ids, event types, keys and data with a typed error, so two ids never become one stream; real surrogate pairs (emoji) round-trip exactly.',
    requires: [],
    async run(ctx) {
      const { store } = ctx;
      const good = ctx.streamId('good');
      const high = `${ctx.prefix}acct-\ud800`;
      const low = `${ctx.prefix}acct-\udbff`;
      const cases: Case[] = [
        { what: 'a stream id ending in a lone high surrogate', call: () => store.appendToStream(high, [event('Opened', 1)]) },
        { what: 'a stream id ending in a lone low surrogate', call: () => store.appendToStream(low, [event('Opened', 1)]) },
        { what: 'reading a stream id with a lone surrogate', call: () => store.readStream(high) },
        { what: 'subscribing to a stream id with a lone surrogate', call: async () => store.subscribeToStream(high) },
        { what: 'an event type with a lone surrogate', stream: good, call: () => store.appendToStream(good, [event('Open\udc00ed', 1)]) },
        { what: 'data text with a lone surrogate', stream: good, call: () => store.appendToStream(good, [event('Opened', { name: 'x\ud83d' })]) },
        { what: 'a data key with a lone surrogate', stream: good, call: () => store.appendToStream(good, [event('Opened', { ['k\udfff']: 1 })]) },
        { what: 'a metadata value with a lone surrogate', stream: good, call: () => store.appendToStream(good, [event('Opened', 1, { metadata: { correlationId: 'c\ud800' } })]) },
        { what: 'a metadata key with a lone surrogate', stream: good, call: () => store.appendToStream(good, [event('Opened', 1, { metadata: { ['k\ud800']: 'v' } })]) },
      ];
      const messages = await refuseAll(ctx, cases);
      // Neither id may have become a stream of U+FFFD's.
      assert.deepEqual(await store.readStream(`${ctx.prefix}acct-\ufffd`), [], 'nothing was stored under the replacement character');
      // What is valid must still work and come back exactly: a surrogate PAIR is one character.
      const emoji = `${ctx.prefix}acct-😀`;
      await store.appendToStream(emoji, [event('Opened 🎉', { name: 'Zoë 😀', ['ключ']: '値' }, { metadata: { note: '🙂' } })], { expectedVersion: 'no_stream' });
      const [back] = await store.readStream(emoji);
      assert.ok(back, 'the event with emoji was stored');
      assert.equal(back.streamId, emoji, 'the stream id round-trips');
      assert.equal(back.type, 'Opened 🎉', 'the type round-trips');
      assert.deepEqual(back.data, { name: 'Zoë 😀', ['ключ']: '値' }, 'the data round-trips');
      assert.equal(back.metadata.note, '🙂', 'the metadata round-trips');
      ctx.narrate(`${cases.length} lone-surrogate inputs refused, e.g. "${messages[0]}"; an id with an emoji (a surrogate pair) round-trips`);
    },
  },
  {
    id: 'input.unrepresentable-json',
    title: 'Values JSON cannot hold are refused, not changed',
    property:
      'BigInt, NaN, Infinity, -0, sparse arrays, cycles and class instances in data, metadata or snapshot state, negative checkpoints and upper-case event ids get a typed error before any I/O; JSON text that merely looks like an escape ("\\\\u0000") round-trips.',
    requires: [],
    async run(ctx) {
      const { store } = ctx;
      const good = ctx.streamId('good');
      const cycle: Record<string, unknown> = { a: 1 };
      cycle.self = cycle;
      // eslint-disable-next-line no-sparse-arrays
      const sparse = [1, , 3];
      const data = (value: unknown) => [event('A', { value } as unknown as JsonValue)];
      const cases: Case[] = [
        { what: 'a bigint in data', stream: good, call: () => store.appendToStream(good, data(10n)) },
        { what: 'NaN in data', stream: good, call: () => store.appendToStream(good, data(Number.NaN)) },
        { what: 'Infinity in data', stream: good, call: () => store.appendToStream(good, data(Number.POSITIVE_INFINITY)) },
        { what: '-0 in data', stream: good, call: () => store.appendToStream(good, data(-0)) },
        { what: 'a sparse array in data', stream: good, call: () => store.appendToStream(good, data(sparse)) },
        { what: 'undefined inside an array', stream: good, call: () => store.appendToStream(good, data([1, undefined])) },
        { what: 'a cycle in data', stream: good, call: () => store.appendToStream(good, data(cycle)) },
        { what: 'a Map in data', stream: good, call: () => store.appendToStream(good, data(new Map([['a', 1]]))) },
        { what: 'a bigint in metadata', stream: good, call: () => store.appendToStream(good, [event('A', 1, { metadata: { n: 1n as unknown as JsonValue } })]) },
        { what: 'an upper-case event id', stream: good, call: () => store.appendToStream(good, [{ ...event('A', 1), id: randomUUID().toUpperCase() }]) },
      ];
      if (supports(store, 'snapshots')) {
        const snap = (state: unknown) => ({ streamVersion: 0, schemaVersion: 1, state: state as JsonValue });
        cases.push(
          { what: 'a bigint in snapshot state', call: () => store.snapshots.save(good, snap({ n: 1n })) },
          { what: 'a cycle in snapshot state', call: () => store.snapshots.save(good, snap(cycle)) },
          { what: 'a snapshot over the size limit', call: () => store.snapshots.save(good, snap('x'.repeat(store.limits.maxSnapshotBytes + 1))) },
          { what: 'a negative snapshot version', call: () => store.snapshots.save(good, { ...snap(1), streamVersion: -1 }) },
        );
      }
      if (supports(store, 'checkpoints')) {
        cases.push(
          { what: 'a negative checkpoint', call: () => store.checkpoints.store(ctx.streamId('subscriber'), -1n) },
          { what: 'a checkpoint that is not a bigint', call: () => store.checkpoints.store(ctx.streamId('subscriber'), 5 as unknown as bigint) },
          { what: 'an empty subscriber id', call: () => store.checkpoints.load('') },
        );
      }
      const messages = await refuseAll(ctx, cases);
      if (supports(store, 'snapshots')) assert.equal(await store.snapshots.load(good), undefined, 'no snapshot was written');

      // Text that only looks like an escape is text: it must come back exactly.
      const literal = ctx.streamId('literal');
      const text = 'a backslash-u: \\u0000 and \\ud800, as typed';
      await store.appendToStream(literal, [event('Noted', { text, ['\\u0000key']: true })]);
      const [back] = await store.readStream(literal);
      assert.deepEqual(back?.data, { text, ['\\u0000key']: true }, 'text that looks like an escape round-trips');

      // A NUL character is valid JSON: a store keeps it exactly, or refuses it with a typed error naming the field.
      const nul = ctx.streamId('nul');
      const outcome = await store
        .appendToStream(nul, [event('Noted', { text: 'a\u0000b' }, { metadata: { note: 'c\u0000d' } })])
        .then(() => 'kept' as const, (error: unknown) => error);
      if (outcome === 'kept') {
        const [stored] = await store.readStream(nul);
        assert.equal((stored?.data as { text: string }).text, 'a\u0000b', 'a NUL in data is kept exactly');
        assert.equal(stored?.metadata.note, 'c\u0000d', 'a NUL in metadata is kept exactly');
      } else {
        assert.ok(outcome instanceof InvalidInputError, `a NUL the backend cannot store is refused with InvalidInputError, got ${String(outcome)}`);
        assert.match(outcome.message, /data/, 'the error names the field where the NUL is (data comes first)');
        assert.deepEqual(await store.readStream(nul), [], 'nothing was written');
        const metadataOnly = await store
          .appendToStream(nul, [event('Noted', 1, { metadata: { note: 'c\u0000d' } })])
          .then(() => undefined, (error: unknown) => error as Error);
        assert.match(metadataOnly?.message ?? '', /metadata/, 'a NUL in metadata is reported as being in metadata');
      }
      ctx.narrate(`${cases.length} unfaithful values refused, e.g. "${messages[3]}"; a NUL is ${outcome === 'kept' ? 'kept exactly' : 'refused with a typed error naming its field'}`);
    },
  },
];
