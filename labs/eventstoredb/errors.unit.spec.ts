/**
 * Error translation: the client's errors (built the way the client builds them from a server reply)
 * become the workbench's typed errors carrying the facts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  AccessDeniedError as ClientAccessDeniedError,
  MaxAppendSizeExceededError as ClientMaxAppendSizeExceededError,
  StreamDeletedError as ClientStreamDeletedError,
  UnavailableError as ClientUnavailableError,
  WrongExpectedVersionError as ClientWrongExpectedVersionError,
} from '@eventstore/db-client';
import { BackendUnavailableError, InvalidEventError, InvalidInputError, WrongExpectedVersionError } from '../core/index.ts';
import { AccessDeniedError, StreamDeletedError, translateError, translated } from './errors.ts';

test('WrongExpectedVersion carries the stream, what the caller expected, and the actual version', () => {
  const stale = new ClientWrongExpectedVersionError(undefined, { streamName: 'account-1', expected: 1n, current: 2n });
  const error = translateError(stale, { streamId: 'account-1', expectedVersion: 1 });
  assert.ok(error instanceof WrongExpectedVersionError);
  assert.equal(error.streamId, 'account-1');
  assert.equal(error.expected, 1);
  assert.equal(error.actual, 2);

  const missing = new ClientWrongExpectedVersionError(undefined, { streamName: 'order-9', expected: 'stream_exists', current: 'no_stream' });
  const onMissing = translateError(missing);
  assert.ok(onMissing instanceof WrongExpectedVersionError);
  assert.equal(onMissing.streamId, 'order-9', 'the stream from the client when the caller gave none');
  assert.equal(onMissing.expected, 'stream_exists');
  assert.equal(onMissing.actual, 'no_stream');
});

test('tombstoned streams, oversized batches, access and connectivity become typed errors', () => {
  const deleted = translateError(new ClientStreamDeletedError(undefined, 'cart-3'), { streamId: 'cart-3' });
  assert.ok(deleted instanceof StreamDeletedError);
  assert.equal(deleted.streamId, 'cart-3');
  assert.match(deleted.message, /tombstoned/);

  const tooBig = translateError(new ClientMaxAppendSizeExceededError(undefined, 1_048_576));
  assert.ok(tooBig instanceof InvalidEventError, 'an oversized batch is bad input: nothing was written');
  assert.ok(tooBig instanceof InvalidInputError);
  assert.match(tooBig.message, /1048576 bytes/);

  const denied = translateError(new ClientAccessDeniedError(undefined, 'Access denied'), { streamId: '$checkpoint-a' });
  assert.ok(denied instanceof AccessDeniedError);
  assert.match(denied.message, /credentials/);

  const down = translateError(new ClientUnavailableError(undefined, 'No connection established'));
  assert.ok(down instanceof BackendUnavailableError);
  assert.equal(down.backend, 'eventstoredb');
});

test('our own errors and unknown errors pass through unchanged', async () => {
  const ours = new WrongExpectedVersionError('s', 0, 1);
  assert.equal(translateError(ours), ours);
  const other = new TypeError('a bug');
  assert.equal(translateError(other), other);
  await assert.rejects(
    translated(() => Promise.reject(new ClientStreamDeletedError(undefined, 'x'))),
    StreamDeletedError,
  );
  assert.equal(await translated(() => Promise.resolve(42)), 42);
});
