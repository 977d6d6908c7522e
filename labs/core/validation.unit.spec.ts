import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  DEFAULT_LIMITS,
  EventTooLargeError,
  InvalidEventError,
  InvalidExpectedVersionError,
  InvalidInputError,
  InvalidReadOptionsError,
  InvalidStreamIdError,
  validateAppend,
  validateExpectedVersion,
  validateReadAllOptions,
  validateReadStreamOptions,
  validateStreamId,
} from './index.ts';

const limits = { ...DEFAULT_LIMITS, maxEventBytes: 200 };

describe('validateStreamId', () => {
  test('accepts ordinary ids, including unicode and punctuation', () => {
    for (const id of ['cart-1', 'Bestellung/ä-42', 'order:2024:0001', 'x'.repeat(200)]) {
      assert.equal(validateStreamId(id), id);
    }
  });
  test('refuses empty, too long, control characters, edge white space and non-strings with a reason', () => {
    const cases: [unknown, RegExp][] = [
      ['', /must not be empty/],
      ['x'.repeat(201), /longer than 200/],
      ['a\u0000b', /control characters/],
      ['a\nb', /control characters/],
      ['a\u2028b', /control characters/],
      [' padded', /white space/],
      [42, /must be a string/],
      [undefined, /must be a string/],
    ];
    for (const [value, reason] of cases) {
      assert.throws(() => validateStreamId(value), (e: unknown) => e instanceof InvalidStreamIdError && reason.test(e.message) && e.field === 'streamId');
    }
  });
});

describe('validateExpectedVersion', () => {
  test('accepts the symbolic values and whole numbers', () => {
    assert.equal(validateExpectedVersion(undefined), 'any');
    for (const v of ['any', 'no_stream', 'stream_exists', 0, 7]) assert.equal(validateExpectedVersion(v), v);
  });
  test('refuses negative, fractional, unsafe and unknown values', () => {
    for (const v of [-1, 1.5, Number.MAX_SAFE_INTEGER + 1, 'latest', null, Number.NaN]) {
      assert.throws(() => validateExpectedVersion(v), InvalidExpectedVersionError);
    }
  });
});

describe('validateAppend', () => {
  test('assigns lower-case ids, keeps metadata, measures size', () => {
    const { events } = validateAppend('s', [{ type: 'A', data: { a: 1 }, metadata: { correlationId: 'c' } }], 'any', limits, 'test');
    assert.match(events[0]!.id, /^[0-9a-f-]{36}$/);
    assert.deepEqual(events[0]!.metadata, { correlationId: 'c' });
    assert.equal(events[0]!.dataJson, '{"a":1}');
    assert.ok(events[0]!.sizeBytes > 0);
  });
  test('refuses what JSON cannot hold, naming the field', () => {
    const bad: [unknown, RegExp][] = [
      [{ x: Number.POSITIVE_INFINITY }, /data\.x/],
      [{ d: new Date(0) }, /Date/],
      [{ m: new Map() }, /Map/],
      [{ f: () => 1 }, /function/],
      [[1, [2, Symbol('s')]], /data\[1\]\[1\]/],
    ];
    for (const [data, reason] of bad) {
      assert.throws(() => validateAppend('s', [{ type: 'A', data }], 'any', limits, 'test'), (e: unknown) => e instanceof InvalidEventError && reason.test(e.message));
    }
  });
  test('refuses oversized events with the sizes and the backend in the message', () => {
    assert.throws(
      () => validateAppend('s', [{ type: 'A', data: 'x'.repeat(300) }], 'any', limits, 'postgres'),
      (e: unknown) => e instanceof EventTooLargeError && e.maxBytes === 200 && e.sizeBytes > 300 && /postgres/.test(e.message),
    );
  });
  test('refuses bad metadata types, empty batches, duplicate ids and non-UUID ids', () => {
    const id = '9f0c3bb2-3f3a-4a49-9d0c-2f1a2b3c4d5e';
    const cases: unknown[] = [
      [{ type: 'A', data: 1, metadata: { correlationId: 5 } }],
      [{ type: 'A', data: 1, metadata: { schemaVersion: 0 } }],
      [],
      [{ id, type: 'A', data: 1 }, { id: id.toUpperCase(), type: 'B', data: 2 }],
      [{ id: 'abc', type: 'A', data: 1 }],
      [{ type: '', data: 1 }],
      [{ type: 'A' }],
      'not-an-array',
    ];
    for (const events of cases) {
      assert.throws(() => validateAppend('s', events, 'any', limits, 'test'), InvalidInputError, JSON.stringify(events));
    }
  });
  test('every refusal says nothing was written', () => {
    assert.throws(() => validateAppend('', [], 'any', limits, 'test'), /nothing was written/);
  });
});

describe('read options', () => {
  test('defaults the direction and refuses bad values', () => {
    assert.equal(validateReadStreamOptions({}).direction, 'forward');
    assert.equal(validateReadAllOptions({ direction: 'backward' }).direction, 'backward');
    assert.throws(() => validateReadStreamOptions({ fromVersion: -1 }), InvalidReadOptionsError);
    assert.throws(() => validateReadStreamOptions({ maxCount: 0 }), InvalidReadOptionsError);
    assert.throws(() => validateReadAllOptions({ fromPosition: -1n }), InvalidReadOptionsError);
    assert.throws(() => validateReadAllOptions({ fromPosition: 5 as unknown as bigint }), InvalidReadOptionsError);
  });
});

test('the measured size is the byte length of the event as JSON', () => {
  const event = { type: 'Ünïcode', data: { text: 'žluťoučký kůň', n: [1, 2] }, metadata: { correlationId: 'c' } };
  const { events } = validateAppend('s', [event], 'any', DEFAULT_LIMITS, 'test');
  assert.equal(events[0]!.sizeBytes, Buffer.byteLength(JSON.stringify(event), 'utf8'));
});

describe('faithful input (issue #16: one stream id is one stream, nothing silently changed)', () => {
  const refuse = (events: unknown) => assert.throws(() => validateAppend('s-1', events, undefined, DEFAULT_LIMITS, 'test'), InvalidInputError);
  test('lone surrogates are refused in stream ids, types, keys and text; surrogate pairs are fine', () => {
    assert.throws(() => validateStreamId('acct-\ud800'), /lone UTF-16 surrogate/);
    assert.throws(() => validateStreamId('acct-\udbff'), /lone UTF-16 surrogate/);
    assert.equal(validateStreamId('acct-😀'), 'acct-😀');
    refuse([{ type: 'T\udc00', data: 1 }]);
    refuse([{ type: 'T', data: { ['k\ud800']: 1 } }]);
    refuse([{ type: 'T', data: 'x\ud83d' }]);
    refuse([{ type: 'T', data: 1, metadata: { note: 'x\ud800' } }]);
    assert.equal(validateAppend('s', [{ type: 'T 😀', data: { n: '😀' } }], undefined, DEFAULT_LIMITS, 'test').events.length, 1);
  });
  test('values JSON would change are refused: -0, sparse arrays, undefined in arrays, cycles, bigint', () => {
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    // eslint-disable-next-line no-sparse-arrays
    for (const data of [-0, [1, , 2], [undefined], cycle, 1n, { a: { b: Number.NaN } }]) refuse([{ type: 'T', data }]);
  });
  test('NUL is judged by walking the value, per backend, and the error names the field', () => {
    const noNul = { ...DEFAULT_LIMITS, nulInText: false };
    assert.doesNotThrow(() => validateAppend('s', [{ type: 'T', data: 'a backslash-u \\u0000 as text' }], undefined, noNul, 'pg'));
    assert.throws(() => validateAppend('s', [{ type: 'T', data: 'a\u0000b' }], undefined, noNul, 'pg'), /field 'data'.*NUL/);
    assert.throws(() => validateAppend('s', [{ type: 'T', data: 1, metadata: { n: 'a\u0000' } }], undefined, noNul, 'pg'), /field 'metadata.n'.*NUL/);
    assert.doesNotThrow(() => validateAppend('s', [{ type: 'T', data: 'a\u0000b' }], undefined, DEFAULT_LIMITS, 'any'));
  });
  test('event ids must be lower-case UUIDs (they would come back lower-cased)', () => {
    refuse([{ id: '6F1C3C8E-3D0B-4E59-9B8A-6C1B2C3D4E5F', type: 'T', data: 1 }]);
  });
});
