import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { DEFAULT_LIMITS, validateEvents, EventTooLargeError } from '../core/index.ts';
import { BatchTooLargeError } from './errors.ts';
import { MAX_ITEM_BYTES, itemSizeBytes, valueSizeBytes } from './item-size.ts';
import { DYNAMODB_LIMITS } from './dynamodb-store.ts';
import { prepareBatch } from './items.ts';

test('strings count in UTF-8 bytes, names included', () => {
  assert.equal(itemSizeBytes({ ab: { S: 'xyz' } }), 5);
  assert.equal(valueSizeBytes({ S: 'é' }), 2);
  assert.equal(valueSizeBytes({ S: '😀' }), 4);
  assert.ok(valueSizeBytes({ N: '12345' }) >= 3);
  assert.equal(valueSizeBytes({ L: [{ S: 'a' }, { S: 'b' }] }), 3 + 2 + 2);
  assert.equal(valueSizeBytes({ M: { k: { S: 'v' } } }), 3 + 1 + 1 + 1);
});

const big = (bytes: number) => ({ id: randomUUID(), type: 'Big', data: 'x'.repeat(bytes) });

test('the largest event the store accepts fits one commit item, with the longest stream id', () => {
  const longestStreamId = '€'.repeat(DYNAMODB_LIMITS.maxStreamIdLength); // 3 bytes each in UTF-8
  const overhead = Buffer.byteLength(JSON.stringify({ type: 'Big', data: '', metadata: {} }));
  const [event] = validateEvents([big(DYNAMODB_LIMITS.maxEventBytes - overhead)], DYNAMODB_LIMITS, 'dynamodb');
  assert.equal(event!.sizeBytes, DYNAMODB_LIMITS.maxEventBytes);
  assert.doesNotThrow(() => prepareBatch(longestStreamId, [event!]));
  assert.throws(() => validateEvents([big(DYNAMODB_LIMITS.maxEventBytes)], DYNAMODB_LIMITS, 'dynamodb'), EventTooLargeError);
});

test('a batch whose commit item would pass 400 KB is refused with a typed error before any write', () => {
  const events = validateEvents([big(200_000), big(200_000), big(20_000)], DEFAULT_LIMITS, 'dynamodb');
  assert.throws(
    () => prepareBatch('s', events),
    (e: unknown) => e instanceof BatchTooLargeError && e.sizeBytes > MAX_ITEM_BYTES && e.eventCount === 3,
  );
});
