/**
 * Retention by age on PostgreSQL, on a short clock (labs/postgres/retention-demo.ts): an archive table
 * partitioned by one-second ranges of recorded_at, and a job that detaches and drops every partition wholly
 * older than 2 s. Every row older than the cut (less one partition's width) is gone, the recent ones stay,
 * and PostgreSQL refuses the store's unique constraint on a table partitioned by time.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { skipMessage, startBackend, type RunningBackend } from '../runtime/index.ts';
import { postgresBackend } from './backend.ts';
import { runPartitionRetentionDemo } from './retention-demo.ts';

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

test('time partitions dropped on a schedule: rows older than the cut go with their partition, the rest stay', { timeout: 60_000 }, async (t) => {
  if (!running) return t.skip(skip);
  const result = await runPartitionRetentionDemo(running.env.DATABASE_URL!, { retentionMs: 2_000, partitionMs: 1_000, writeForMs: 5_000 });
  t.diagnostic(JSON.stringify(result));
  assert.ok(result.partitionsCreated >= 5, `a partition per second of writing (${result.partitionsCreated})`);
  assert.ok(result.partitionsDropped >= 2, `the job dropped the partitions older than the cut (${result.partitionsDropped})`);
  assert.equal(result.rowsDropped + result.rowsLeft, result.written, 'every row written was either dropped with its partition or is still there');
  assert.ok(result.rowsDropped > 0 && result.rowsLeft > 0, 'old rows went, recent rows stayed');
  assert.equal(result.rowsOlderThanCut, 0, 'no row older than the cut (less one partition) is left');
  assert.ok(result.oldestLeftAgeMs !== undefined && result.oldestLeftAgeMs <= result.retentionMs + result.partitionMs + 500, `the oldest row left is at most retention + one partition old (${result.oldestLeftAgeMs} ms)`);
  assert.match(result.uniqueConstraintRefusal, /unique constraint on partitioned table must include all partitioning columns/, 'the store\'s UNIQUE (stream_id, stream_version) cannot hold on a table partitioned by time');
});
