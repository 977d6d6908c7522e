// The pure parts of the Kafka writer: the group's ordering rule (append-checks.ts) and which kafkajs errors
// mean "the broker is gone" (client.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import kafkajs from 'kafkajs';
import { DEFAULT_LIMITS, DuplicateEventIdError, WrongExpectedVersionError, validateEvents, type AppendResult, type ExpectedVersion } from '../core/index.ts';
import { planGroup, settle, type AppendCheckSource, type KnownEvent, type QueuedAppend } from './append-checks.ts';
import { isKafkaUnavailable } from './client.ts';

const { KafkaJSConnectionError, KafkaJSNumberOfRetriesExceeded, KafkaJSProtocolError } = kafkajs;
// kafkajs builds a protocol error from the broker's error entry; its typings only admit an Error.
const protocolError = (type: string, code: number, retriable: boolean) =>
  new KafkaJSProtocolError(Object.assign(new Error(type), { type, code, retriable }));

const ids = ['00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-000000000002', '00000000-0000-4000-8000-000000000003'];

function queued(streamId: string, expected: ExpectedVersion, eventIds: string[]) {
  const outcome: { result?: AppendResult; error?: unknown } = {};
  const append: QueuedAppend = {
    streamId,
    expected,
    events: validateEvents(eventIds.map((id) => ({ id, type: 'T', data: null })), DEFAULT_LIMITS, 'kafka'),
    bytes: 0,
    resolve: (result) => (outcome.result = result),
    reject: (error) => (outcome.error = error),
  };
  return { append, outcome };
}

/** A log holding stream 'a' at version 0 (event ids[0] at position 5). */
const log: AppendCheckSource = {
  streamVersion: (streamId) => (streamId === 'a' ? 0 : undefined),
  eventById: (id): KnownEvent | undefined => (id === ids[0] ? { id, streamId: 'a', streamVersion: 0, globalPosition: 5n } : undefined),
};

test('a group is decided as if its appends ran one by one, in queue order', () => {
  const first = queued('a', 0, [ids[1]!]);
  const second = queued('a', 0, [ids[2]!]); // same expected version: loses to the first, which is only accepted
  const retry = queued('a', 'any', [ids[0]!]); // an exact retry of what the log holds
  const plan = planGroup(log, [first.append, second.append, retry.append]);
  assert.deepEqual(plan.map((p) => p.verdict.kind), ['write', 'refused', 'retry']);
  assert.equal(plan[1]!.readsGroup, true, 'the refusal rests on the first member');
  settle(plan, new Map([[ids[1]!, 9n]]));
  assert.deepEqual(first.outcome.result, { nextExpectedVersion: 1, globalPosition: 10n });
  assert.ok(second.outcome.error instanceof WrongExpectedVersionError);
  assert.deepEqual(retry.outcome.result, { nextExpectedVersion: 0, globalPosition: 5n }, 'answered with the original result');
});

test('a stored id reused in another batch is a DuplicateEventIdError', () => {
  const reuse = queued('b', 'any', [ids[0]!, ids[1]!]);
  const [planned] = planGroup(log, [reuse.append]);
  assert.equal(planned!.verdict.kind, 'refused');
  settle([planned!], new Map());
  assert.ok(reuse.outcome.error instanceof DuplicateEventIdError);
});

test('kafkajs connection errors, also wrapped after retries, mean the broker is unavailable; a refused request does not', () => {
  const refused = new KafkaJSConnectionError('Connection error: connect ECONNREFUSED 127.0.0.1:9092', { broker: '127.0.0.1:9092', code: 'ECONNREFUSED' });
  assert.equal(isKafkaUnavailable(refused), true);
  assert.equal(isKafkaUnavailable(new KafkaJSNumberOfRetriesExceeded(refused, { retryCount: 5, retryTime: 1000 })), true);
  assert.equal(isKafkaUnavailable(new Error('The Kafka log view did not reach offset 5', { cause: refused })), true, 'a catch-up timed out while the consumer was down');
  const loading = protocolError('COORDINATOR_LOAD_IN_PROGRESS', 14, true);
  assert.equal(isKafkaUnavailable(loading), true, 'a broker still starting');
  const tooLarge = protocolError('MESSAGE_TOO_LARGE', 10, false);
  assert.equal(isKafkaUnavailable(tooLarge), false);
  assert.equal(isKafkaUnavailable(new Error('The Kafka log view did not reach offset 5')), false, 'a timeout with no outage behind it');
});
