import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rememberKafkaLogDir, rememberPostgresDataDir, removeCreated } from './cleanup.ts';

test("after Ctrl-C only the embedded servers' own directories are removed, never another server's", async () => {
  const pgDir = await mkdtemp(join(tmpdir(), 'workbench-pg-'));
  const elsewhere = await mkdtemp(join(tmpdir(), 'some-other-pg-'));
  const runDir = await mkdtemp(join(tmpdir(), 'growth-cleanup-'));
  const kafkaData = join(runDir, '.workbench', 'kafka', 'runs', 'r1', 'data');
  await mkdir(kafkaData, { recursive: true });
  rememberPostgresDataDir(pgDir);
  rememberPostgresDataDir(elsewhere);
  rememberPostgresDataDir('/var/lib/postgresql/data');
  rememberKafkaLogDir(kafkaData);
  rememberKafkaLogDir('/srv/kafka/data');
  assert.deepEqual(removeCreated().sort(), [pgDir, join(runDir, '.workbench', 'kafka', 'runs', 'r1')].sort());
  assert.equal(existsSync(pgDir), false);
  assert.equal(existsSync(join(runDir, '.workbench', 'kafka', 'runs', 'r1')), false);
  assert.equal(existsSync(elsewhere), true);
  assert.deepEqual(removeCreated(), [], 'nothing twice');
  await Promise.all([rm(elsewhere, { recursive: true }), rm(runDir, { recursive: true })]);
});
