/**
 * What Emmett 0.42 on PostgreSQL does where the peer column says `unsupported`: each declaration in
 * backend.ts and emmett-store.ts is a claim, and each claim is checked here against the library itself
 * (Emmett's own API, no adapter in between), on the embedded server. When a later Emmett fixes one of
 * these, its test fails and the declaration must go.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { dumbo, type Dumbo } from '@event-driven-io/dumbo';
import { STREAM_EXISTS, NO_CONCURRENCY_CHECK } from '@event-driven-io/emmett';
import { getPostgreSQLEventStore, readMessagesBatch, type PostgresEventStore } from '@event-driven-io/emmett-postgresql';
import { startBackend, type RunningBackend } from '../runtime/backend.ts';
import { emmettPostgresBackend } from './backend.ts';

void describe('Emmett 0.42 on PostgreSQL: the gaps the peer column declares', () => {
  let running: RunningBackend | undefined;
  let skip: string | undefined;
  let pool: pg.Pool;
  let db: Dumbo;
  let emmett: PostgresEventStore;
  const url = () => running!.env.DATABASE_URL!;
  const stream = (name: string) => `finding-${randomUUID().slice(0, 8)}-${name}`;
  const event = (type: string) => ({ type, data: { at: Date.now() }, metadata: { messageId: randomUUID() } });

  before(async () => {
    const outcome = await startBackend(emmettPostgresBackend);
    if (outcome.status === 'skipped') {
      skip = outcome.reason;
      return;
    }
    running = outcome.running;
    pool = new pg.Pool({ connectionString: url(), max: 4 });
    db = dumbo({ connectionString: url(), pool, pooled: true });
    emmett = getPostgreSQLEventStore(url(), { schema: { autoMigration: 'None' }, connectionOptions: { dumbo: db } });
  }, { timeout: 180_000 });

  after(async () => {
    await emmett?.close().catch(() => {});
    await db?.close().catch(() => {});
    await pool?.end().catch(() => {});
    await running?.stop();
  });

  void test('STREAM_EXISTS is not checked: an append expecting an existing stream creates a missing one', async (t) => {
    if (skip) return t.skip(skip);
    const id = stream('order');
    const result = await emmett.appendToStream(id, [event('Shipped')], { expectedStreamVersion: STREAM_EXISTS });
    assert.equal(result.nextExpectedStreamVersion, 1n, 'the missing stream was created by an append expecting it to exist');
  });

  void test('a refused append does not say where the stream is (ExpectedVersionConflictError carries -1)', async (t) => {
    if (skip) return t.skip(skip);
    const id = stream('account');
    await emmett.appendToStream(id, [event('Opened'), event('Deposited')]);
    await assert.rejects(
      emmett.appendToStream(id, [event('Withdrawn')], { expectedStreamVersion: 1n }),
      (error: Error & { current?: unknown }) => error.message.includes('current -1') && error.current === '-1',
    );
  });

  void test('NO_CONCURRENCY_CHECK can still be refused: two appends racing to create one stream, one gets a conflict', async (t) => {
    if (skip) return t.skip(skip);
    let conflicts = 0;
    // Each round races two appends on a fresh stream; with no check asked for, neither should fail.
    for (let round = 0; round < 20 && conflicts === 0; round++) {
      const id = stream('race');
      const outcomes = await Promise.allSettled([0, 1].map(() => emmett.appendToStream(id, [event('Noted')], { expectedStreamVersion: NO_CONCURRENCY_CHECK })));
      conflicts += outcomes.filter((o) => o.status === 'rejected' && /does not match/.test(String((o.reason as Error).message))).length;
    }
    assert.ok(conflicts > 0, 'no append "without a concurrency check" was refused in 20 races');
  });

  void test('an event id is not unique: the same message id appended twice is stored twice', async (t) => {
    if (skip) return t.skip(skip);
    const id = stream('payment');
    const retried = event('PaymentRequested');
    await emmett.appendToStream(id, [retried]);
    await emmett.appendToStream(id, [retried]);
    const { events } = await emmett.readStream(id);
    assert.deepEqual(events.map((e) => e.metadata.messageId), [retried.metadata.messageId, retried.metadata.messageId]);
  });

  void test('readStream returns no recording time', async (t) => {
    if (skip) return t.skip(skip);
    const id = stream('ledger');
    await emmett.appendToStream(id, [event('A')]);
    const [read] = (await emmett.readStream(id)).events;
    const fields = [...Object.keys(read!), ...Object.keys(read!.metadata)];
    assert.ok(!fields.some((f) => /created|recorded|time|date/i.test(f)), `a time field came back: ${fields.join(', ')}`);
  });

  void test('$all can skip: a reader resuming after the last global position it saw misses an event that committed below it', async (t) => {
    if (skip) return t.skip(skip);
    const [{ currentGlobalPosition: start }] = [await readMessagesBatch(db.execute, { from: 0n, batchSize: 1_000_000 })];
    // Transaction A takes its transaction id first, then (as Emmett's appendToStream does, in one
    // transaction) calls Emmett's append function; B appends through Emmett's API in between. A's id is
    // lower, its global position higher: Emmett orders $all by (transaction_id, global_position), so a
    // reader sees A's event first — and then asks for positions above it.
    const aStream = stream('a');
    const bStream = stream('b');
    const a = await pool.connect();
    try {
      await a.query('BEGIN');
      await a.query('SELECT pg_current_xact_id()');
      const b = await emmett.appendToStream(bStream, [event('B')]);
      const { rows } = await a.query<{ global_positions: string[] }>(
        `SELECT * FROM emt_append_to_stream(ARRAY[$1]::text[], ARRAY['{}']::jsonb[], ARRAY['{}']::jsonb[], ARRAY['1']::text[],
           ARRAY['A']::text[], ARRAY['E']::text[], $2::text, 'finding'::text, NULL::bigint, 'emt:default'::text)`,
        [randomUUID(), aStream],
      );
      await a.query('COMMIT');
      const aPosition = BigInt(rows[0]!.global_positions[0]!);
      assert.ok(aPosition > b.lastEventGlobalPosition, 'A drew the higher global position');
      // A reader that follows $all one event at a time, the way a consumer resumes from its checkpoint,
      // to the end. Other test files write to the same server meanwhile: only this test's two streams count.
      const ours = new Set([aStream, bStream]);
      const seen: bigint[] = [];
      let after = start;
      for (let i = 0; i < 100_000; i++) {
        const page = await readMessagesBatch(db.execute, { after, batchSize: 1 });
        const message = page.messages[0];
        if (!message) break;
        if (ours.has(message.metadata.streamName)) seen.push(message.metadata.globalPosition);
        after = page.currentGlobalPosition;
      }
      assert.equal(seen[0], aPosition, 'the reader sees A first');
      assert.deepEqual(seen, [aPosition], 'after A, B is never returned: skipped');
    } finally {
      a.release();
    }
  });
});
