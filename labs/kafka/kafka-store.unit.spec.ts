// The pure pieces of the Kafka store: record layout, the log index, batch splitting, topic names.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_LIMITS, validateEvents } from '../core/index.ts';
import { EventLogIndex } from './event-log-index.ts';
import { chunksBySize } from './group-commit-writer.ts';
import { decodeEnvelope, decodeEvent, encodeEvent, type EventEnvelope } from './records.ts';
import { topologyFor } from './topology.ts';

const validated = (n: number, size = 10) =>
  validateEvents(Array.from({ length: n }, (_, i) => ({ type: 'T', data: 'x'.repeat(size), metadata: { i } })), DEFAULT_LIMITS, 'kafka');

function decoded(offset: bigint, streamId: string, id = `id-${offset}`): EventEnvelope {
  return { offset, streamId, id, type: 'T', claimedVersion: undefined, recordedAtMs: 0, payload: `{"data":{"n":${offset}},"metadata":{}}` };
}

test('an event survives the trip through a Kafka record; position = offset + 1', () => {
  const [event] = validateEvents([{ type: 'ItemAdded', data: { sku: 'A-1', qty: 2 }, metadata: { correlationId: 'c-1' } }], DEFAULT_LIMITS, 'kafka');
  const message = encodeEvent('cart-1', event!, 3, 0, 1_700_000_000_000);
  assert.equal(message.key, 'cart-1', 'key = stream id');
  const back = decodeEvent({
    key: Buffer.from(String(message.key)),
    value: Buffer.from(String(message.value)),
    headers: Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, Buffer.from(String(v))])),
    offset: '41',
    timestamp: String(message.timestamp),
  });
  assert.ok(back);
  assert.deepEqual(
    { id: back.id, type: back.type, data: back.data, metadata: back.metadata, claimed: back.claimedVersion, offset: back.offset },
    { id: event!.id, type: 'ItemAdded', data: { sku: 'A-1', qty: 2 }, metadata: { correlationId: 'c-1' }, claimed: 3, offset: 41n },
  );
  assert.equal(back.recordedAt.getTime(), 1_700_000_000_000);
  assert.equal(decodeEvent({ key: null, value: Buffer.from('{}'), headers: {}, offset: '0', timestamp: '0' }), undefined, 'foreign records are ignored');
  const headers = { 'event-id': Buffer.from('e'), 'event-type': Buffer.from('T') };
  assert.equal(decodeEnvelope({ key: Buffer.from('s'), value: Buffer.from('[1]'), headers, offset: '0', timestamp: '0' }), undefined, 'a value not shaped as {"data":…} is ignored');
  assert.equal(decodeEnvelope({ key: Buffer.from('s'), value: Buffer.from('{"data":1,"metadata":{}}'), headers, offset: '0', timestamp: '0' })?.payload, '{"data":1,"metadata":{}}', 'the payload is kept as text');
});

test('the index gives versions by order, pages the log by position both ways, and ignores redeliveries', () => {
  const index = new EventLogIndex();
  index.apply(decoded(0n, 'a'));
  index.apply(decoded(1n, 'b'));
  index.advanceTo(3n); // a transaction marker at offset 2
  index.apply(decoded(3n, 'a'));
  assert.equal(index.apply(decoded(1n, 'b')), undefined, 'a redelivered record is ignored');
  assert.equal(index.position, 4n);
  assert.deepEqual(index.readStream('a', 'forward').map((e) => [e.streamVersion, e.globalPosition]), [[0, 1n], [1, 4n]]);
  assert.deepEqual(index.readStream('a', 'backward', undefined, 1).map((e) => e.streamVersion), [1]);
  assert.equal(index.streamVersion('b'), 0);
  assert.equal(index.streamVersion('missing'), undefined);
  assert.deepEqual(index.readAll({ fromPosition: 2n }).map((e) => e.globalPosition), [2n, 4n]);
  assert.deepEqual(index.readAll({ fromPosition: 3n, maxCount: 5 }).map((e) => e.globalPosition), [4n], 'a gap is skipped, nothing else');
  assert.deepEqual(index.readAll({ direction: 'backward', fromPosition: 3n }).map((e) => e.globalPosition), [2n, 1n]);
  assert.equal(index.eventById('id-3')?.streamId, 'a');
  const [first] = index.readStream('a', 'forward');
  assert.deepEqual(first!.data, { n: 0 }, 'the payload is parsed on read');
  (first!.data as { n: number }).n = 99;
  assert.deepEqual(index.readStream('a', 'forward')[0]!.toRecorded().data, { n: 0 }, 'a reader changing what it read does not change the index');
});

test('a batch is split under the request size limit, keeping order and every event', () => {
  const events = validated(10, 300);
  const chunks = chunksBySize(events, 1_000);
  assert.ok(chunks.length > 1);
  assert.deepEqual(chunks.flat().map((e) => e.id), events.map((e) => e.id));
  assert.deepEqual(chunksBySize(validated(3), 1_000_000).map((c) => c.length), [3]);
});

test('topic names come from the namespace, which is checked', () => {
  const topology = topologyFor('shop');
  assert.equal(topology.events, 'shop.events');
  assert.equal(topology.checkpointGroup('billing'), 'shop.checkpoint.billing');
  assert.throws(() => topologyFor('no spaces'), RangeError);
});
