/**
 * The mapping between our types and @eventstore/db-client's, checked without a server: positions,
 * expected revisions, events in both directions, system names, checkpoint/snapshot stream names.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { ResolvedEvent } from '@eventstore/db-client';
import { InvalidEventError, InvalidStreamIdError, validateEvents, DEFAULT_LIMITS } from '../core/index.ts';
import {
  UNKNOWN_LOG_POSITION,
  assertApplicationEventTypes,
  assertApplicationStream,
  checkpointStreamId,
  describePosition,
  fromCurrentRevision,
  fromExpectedRevision,
  fromResolvedEvent,
  isSystemEvent,
  packPosition,
  revisionToVersion,
  serverReadPosition,
  snapshotStreamId,
  toEventData,
  toExpectedRevision,
  toMetadata,
  unpackPosition,
} from './mapping.ts';

const logPosition = fc.bigInt({ min: 0n, max: (1n << 64n) - 2n });

test('packing (commit, prepare) round-trips and orders packed values as EventStoreDB orders $all', () => {
  fc.assert(
    fc.property(logPosition, logPosition, logPosition, logPosition, (c1, p1, c2, p2) => {
      const a = packPosition({ commit: c1, prepare: p1 });
      const b = packPosition({ commit: c2, prepare: p2 });
      assert.deepEqual(unpackPosition(a), { commit: c1, prepare: p1 });
      const pairOrder = c1 === c2 ? Math.sign(Number(p1 - p2)) : Math.sign(Number(c1 - c2));
      assert.equal(Math.sign(Number(a - b)), pairOrder);
    }),
  );
  assert.throws(() => packPosition({ commit: -1n, prepare: 0n }), RangeError);
  assert.throws(() => packPosition({ commit: 1n << 64n, prepare: 0n }), RangeError);
  assert.equal(describePosition(packPosition({ commit: 1234n, prepare: 1200n })), 'C:1234/P:1200');
});

test('a made-up position (last + 1n) is sent to the server as the real position before it', () => {
  // Real positions written by gRPC clients have commit == prepare; resuming adds 1 to the prepare half.
  fc.assert(
    fc.property(logPosition, (c) => {
      const real = packPosition({ commit: c, prepare: c });
      assert.deepEqual(serverReadPosition(real), { commit: c, prepare: c }, 'a real position is sent as is');
      assert.deepEqual(serverReadPosition(real + 1n), { commit: c, prepare: c }, 'never prepare > commit, which the server refuses');
      assert.ok(packPosition(serverReadPosition(real + 1n)) <= real + 1n, 'the server position is at or before the asked one');
    }),
  );
  // Explicit-transaction events (legacy TCP clients) have prepare < commit: kept as they are.
  assert.deepEqual(serverReadPosition(packPosition({ commit: 500n, prepare: 300n })), { commit: 500n, prepare: 300n });
  assert.deepEqual(serverReadPosition(0n), { commit: 0n, prepare: 0n });
});

test('expected versions map to the client\'s expected revisions and back', () => {
  assert.equal(toExpectedRevision('any'), 'any');
  assert.equal(toExpectedRevision('no_stream'), 'no_stream');
  assert.equal(toExpectedRevision('stream_exists'), 'stream_exists');
  assert.equal(toExpectedRevision(0), 0n, 'versions and revisions are both 0-based');
  assert.equal(toExpectedRevision(41), 41n);
  assert.equal(fromExpectedRevision(41n), 41);
  assert.equal(fromExpectedRevision('stream_exists'), 'stream_exists');
  assert.equal(fromCurrentRevision('no_stream'), 'no_stream');
  assert.equal(fromCurrentRevision(7n), 7);
  assert.equal(revisionToVersion(BigInt(Number.MAX_SAFE_INTEGER)), Number.MAX_SAFE_INTEGER);
  assert.throws(() => revisionToVersion(BigInt(Number.MAX_SAFE_INTEGER) + 1n), RangeError, 'no silent precision loss');
  assert.throws(() => revisionToVersion(-1n), RangeError);
});

test('a validated event becomes a JSON event with its id, type, data and metadata (empty metadata included)', () => {
  const [validated] = validateEvents(
    [{ id: '6f1c3c8e-3d0b-4e59-9b8a-6c1b2c3d4e5f', type: 'OrderPlaced', data: { total: 12.5 }, metadata: { correlationId: 'c-1' } }],
    DEFAULT_LIMITS,
    'eventstoredb',
  );
  const data = toEventData(validated!);
  assert.equal(data.contentType, 'application/json', 'JSON content type, so projections can read it');
  assert.equal(data.id, '6f1c3c8e-3d0b-4e59-9b8a-6c1b2c3d4e5f', 'the id chosen by the caller is the idempotency key');
  assert.equal(data.type, 'OrderPlaced');
  assert.deepEqual(data.data, { total: 12.5 });
  assert.deepEqual(data.metadata, { correlationId: 'c-1' });
  const [bare] = validateEvents([{ type: 'Ticked', data: 3 }], DEFAULT_LIMITS, 'eventstoredb');
  const bareData = toEventData(bare!);
  assert.deepEqual(bareData.metadata, {}, 'empty metadata is still sent, so it reads back as {}');
  assert.equal(bareData.data as unknown, 3, 'any JSON value, not only objects');
});

function resolved(overrides: Partial<NonNullable<ResolvedEvent['event']>> = {}): ResolvedEvent {
  return {
    event: {
      streamId: 'order-1',
      id: 'A0B1C2D3-0000-4000-8000-000000000001',
      isJson: true,
      revision: 3n,
      type: 'OrderPlaced',
      created: new Date('2026-01-02T03:04:05.000Z'),
      data: { total: 1 },
      metadata: { correlationId: 'c' },
      position: { commit: 9000n, prepare: 9000n },
      ...overrides,
    } as NonNullable<ResolvedEvent['event']>,
  };
}

test('a recorded event from the client becomes ours: version, packed position, date, lower-case id', () => {
  const event = fromResolvedEvent(resolved());
  assert.deepEqual(event, {
    id: 'a0b1c2d3-0000-4000-8000-000000000001',
    streamId: 'order-1',
    type: 'OrderPlaced',
    data: { total: 1 },
    metadata: { correlationId: 'c' },
    streamVersion: 3,
    globalPosition: packPosition({ commit: 9000n, prepare: 9000n }),
    recordedAt: new Date('2026-01-02T03:04:05.000Z'),
  });
});

test('system streams and events are left out; a missing position is an error, not a made-up number', () => {
  assert.equal(fromResolvedEvent({}), undefined, 'no event (an unresolved link)');
  assert.equal(fromResolvedEvent(resolved({ streamId: '$ce-order' })), undefined);
  assert.equal(fromResolvedEvent(resolved({ streamId: '$$order-1', type: '$metadata' })), undefined);
  assert.equal(fromResolvedEvent(resolved({ type: '$streamDeleted' })), undefined, 'a tombstone in a user stream');
  assert.throws(() => fromResolvedEvent(resolved({ position: undefined })), /older than 22\.6/);
  assert.throws(() => fromResolvedEvent(resolved({ position: { commit: UNKNOWN_LOG_POSITION, prepare: UNKNOWN_LOG_POSITION } })), /older than 22\.6/);
  assert.ok(isSystemEvent({ streamId: '$stats-127.0.0.1:2113', type: '$statsCollected' }));
  assert.ok(!isSystemEvent({ streamId: 'order-1', type: 'OrderPlaced' }));
});

test('metadata written by other clients keeps its content in the EventMetadata shape', () => {
  assert.deepEqual(toMetadata(undefined), {});
  assert.deepEqual(toMetadata({ $correlationId: 'x' }), { $correlationId: 'x' });
  assert.deepEqual(toMetadata(new TextEncoder().encode('{"a":1}')), { a: 1 }, 'JSON bytes are parsed');
  assert.deepEqual(toMetadata(Uint8Array.from([0xff, 0x00])), { rawMetadataBase64: '/wA=' }, 'other bytes are kept as base64');
  assert.deepEqual(toMetadata(['a']), { rawMetadata: ['a'] });
  const binary = fromResolvedEvent(resolved({ isJson: false, data: Uint8Array.from([1, 2, 3]) } as never));
  assert.equal(binary?.data, 'AQID', 'binary data (another client\'s) is read as base64 text');
});

test("'$' stream ids and event types are refused before anything is written", () => {
  assert.throws(() => assertApplicationStream('$ce-order'), InvalidStreamIdError);
  assert.doesNotThrow(() => assertApplicationStream('order-$1'));
  const events = validateEvents([{ type: 'Fine', data: 1 }, { type: '$Reserved', data: 1 }], DEFAULT_LIMITS, 'eventstoredb');
  assert.throws(() => assertApplicationEventTypes(events), (error: unknown) => error instanceof InvalidEventError && error.index === 1);
});

test('checkpoints and snapshots live in $-streams of their own, out of the contract\'s $all', () => {
  assert.equal(checkpointStreamId('billing'), '$checkpoint-billing');
  assert.equal(snapshotStreamId('wallet-7'), '$snapshot-wallet-7');
  assert.ok(isSystemEvent({ streamId: checkpointStreamId('x'), type: 'Checkpoint' }));
});
