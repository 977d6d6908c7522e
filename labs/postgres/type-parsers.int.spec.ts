/**
 * Another library in the same process replacing node-postgres's global type parsers (Emmett's dumbo does:
 * int8 as BigInt, JSON with big integers as BigInt) must not change what the lab's store returns.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { dumbo } from '@event-driven-io/dumbo';
import { skipMessage, startBackend, type RunningBackend } from '../runtime/index.ts';
import { postgresBackend } from './backend.ts';

let running: RunningBackend | undefined;
let skip: string | undefined;

before(async () => {
  const outcome = await startBackend(postgresBackend);
  if (outcome.status === 'skipped') skip = skipMessage(postgresBackend.title, outcome.reason);
  else running = outcome.running;
});

after(async () => {
  await running?.stop();
});

test('the store reads its own way after Emmett replaced the global pg parsers', async (t) => {
  if (!running) return t.skip(skip);
  const db = dumbo({ connectionString: running.env.DATABASE_URL! });
  await db.execute.query({ sql: 'SELECT 1', params: [] } as never).catch(() => {});
  await db.close();
  // The precondition: the global registry now parses int8 as BigInt (if a later dumbo stops doing this,
  // the test says so instead of passing for nothing).
  assert.equal(typeof pg.types.getTypeParser(20, 'text')('1'), 'bigint', 'dumbo replaced the global int8 parser');
  const store = await running.createStore();
  try {
    const streamId = `type-parsers-${randomUUID().slice(0, 8)}`;
    const data = { big: 12345678901234567000, safe: 9007199254740991 };
    await store.appendToStream(streamId, [{ type: 'Big', data }]);
    const [event] = await store.readStream(streamId);
    assert.deepEqual(event?.data, data, 'numbers come back as the numbers written, not as BigInt');
    assert.equal(typeof event?.streamVersion, 'number');
  } finally {
    await store.close();
  }
});
