import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createUpcaster } from './upcast.ts';
import type { RecordedEvent } from './types.ts';

const stored = (type: string, data: RecordedEvent['data'], schemaVersion?: number): RecordedEvent => ({
  id: 'e', streamId: 's', type, data, metadata: schemaVersion ? { schemaVersion } : {}, streamVersion: 0, globalPosition: 1n, recordedAt: new Date(0),
});

test('chains upcasters from any old version to the newest, and can rename the type', () => {
  const upcast = createUpcaster([
    { type: 'PriceSet', fromSchemaVersion: 1, upcast: (d) => ({ data: { cents: (d as { euros: number }).euros * 100 } }) },
    { type: 'PriceSet', fromSchemaVersion: 2, upcast: (d) => ({ type: 'PriceChanged', data: { ...(d as object), currency: 'EUR' } }) },
  ]);
  const v1 = upcast(stored('PriceSet', { euros: 3 }));
  assert.deepEqual([v1.type, v1.data, v1.metadata.schemaVersion], ['PriceChanged', { cents: 300, currency: 'EUR' }, 3]);
  const v2 = upcast(stored('PriceSet', { cents: 5 }, 2));
  assert.deepEqual(v2.data, { cents: 5, currency: 'EUR' });
  const other = stored('Other', 1);
  assert.equal(upcast(other), other, 'events without an upcaster pass through untouched');
});

test('refuses two upcasters for the same type and version', () => {
  const twice = { type: 'A', fromSchemaVersion: 1, upcast: (d: RecordedEvent['data']) => ({ data: d }) };
  assert.throws(() => createUpcaster([twice, twice]), /Two upcasters/);
});
