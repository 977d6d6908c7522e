import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BackendUnavailableError, InvalidInputError, WrongExpectedVersionError } from '../core/index.ts';
import { BatchTooLargeError, isConditionalCheckFailed, isDynamoDbUnavailable, mapDynamoDbError } from './errors.ts';

function sdkError(name: string, message: string, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(message), { name, ...extra });
}

test('caller-caused size errors become InvalidInputError', () => {
  const mapped = mapDynamoDbError(sdkError('ValidationException', 'Item size has exceeded the maximum allowed size'), 'PutItem', 't');
  assert.ok(mapped instanceof InvalidInputError);
  assert.match(mapped.message, /400 KB/);
  assert.ok(mapDynamoDbError(sdkError('ValidationException', 'One or more parameter values were invalid: Size of hashkey has exceeded the maximum size limit of2048 bytes'), 'PutItem', 't') instanceof InvalidInputError);
});

test('unreachable endpoints, missing tables, bad credentials and throttling become BackendUnavailableError', () => {
  for (const error of [
    sdkError('Error', 'connect ECONNREFUSED 127.0.0.1:1', { code: 'ECONNREFUSED' }),
    sdkError('ResourceNotFoundException', 'Requested resource not found'),
    sdkError('UnrecognizedClientException', 'The security token included in the request is invalid'),
    sdkError('ProvisionedThroughputExceededException', 'slow down'),
    sdkError('ThrottlingException', 'slow down'),
  ]) {
    const mapped = mapDynamoDbError(error, 'Query', 't');
    assert.ok(mapped instanceof BackendUnavailableError, `${error.name} -> ${String(mapped)}`);
    assert.equal((mapped as BackendUnavailableError).cause, error, 'the SDK error is kept as the cause');
  }
});

test('typed errors pass through, and unknown errors stay loud (unchanged)', () => {
  const typed = new WrongExpectedVersionError('s', 1, 2);
  assert.equal(mapDynamoDbError(typed, 'PutItem', 't'), typed);
  const bug = sdkError('SerializationException', 'Start of structure or map found where not expected');
  assert.equal(mapDynamoDbError(bug, 'PutItem', 't'), bug);
});

test('a lost conditional put is recognised by name', () => {
  assert.ok(isConditionalCheckFailed(sdkError('ConditionalCheckFailedException', 'The conditional request failed')));
  assert.ok(!isConditionalCheckFailed(sdkError('ValidationException', 'x')));
  assert.ok(!isConditionalCheckFailed('ConditionalCheckFailedException'));
});

test('BatchTooLargeError says what to do and carries the sizes', () => {
  const error = new BatchTooLargeError(3, 500_000, 409_600);
  assert.ok(error instanceof InvalidInputError);
  assert.equal(error.sizeBytes, 500_000);
  assert.match(error.message, /split it/);
});

test("the SDK's ways of saying the endpoint gave no answer are recognised as unavailable, and only those", () => {
  // What the SDK throws against a closed port: the socket's code, with the attempts in $metadata.
  const refused = sdkError('Error', 'connect ECONNREFUSED 127.0.0.1:1', { code: 'ECONNREFUSED', $metadata: { attempts: 4 } });
  const timedOut = sdkError('TimeoutError', 'Connection timed out after 1000 ms');
  const wrapped = sdkError('Error', 'request failed', { cause: sdkError('Error', 'read ECONNRESET', { code: 'ECONNRESET' }) });
  const unknownHost = sdkError('Error', 'getaddrinfo ENOTFOUND dynamodb.invalid', { code: 'ENOTFOUND' });
  for (const error of [refused, timedOut, wrapped, unknownHost]) assert.ok(isDynamoDbUnavailable(error), `${error.message}: unavailable`);
  for (const error of [
    sdkError('ConditionalCheckFailedException', 'The conditional request failed'),
    sdkError('ValidationException', 'Item size has exceeded the maximum allowed size'),
    new Error('expected a whole number attribute'),
  ]) {
    assert.ok(!isDynamoDbUnavailable(error), `${error.message}: not an availability problem`);
  }
  assert.ok(mapDynamoDbError(timedOut, 'Query', 't') instanceof BackendUnavailableError);
});
