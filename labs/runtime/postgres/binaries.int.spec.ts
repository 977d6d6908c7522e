/**
 * Issue #23's defect: as root, in a directory the `postgres` OS user cannot enter (a clone under /root,
 * mode 700), the embedded PostgreSQL crashed with `spawn …/initdb EACCES` and a stack trace. Here the
 * binaries are copied into such a directory and the server is started from them: it must come up (from a
 * copy the server's user can reach) and answer a query.
 *
 *   node --import tsx --test labs/runtime/postgres/binaries.int.spec.ts
 */
import assert from 'node:assert/strict';
import { cp, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import pg from 'pg';
import { startPostgres } from '../postgres.ts';
import { canRun, packagedNativeDir, postgresUser, reachablePostgresBinaries } from './binaries.ts';

test('PostgreSQL starts from binaries inside a directory its OS user cannot enter', { timeout: 120_000 }, async () => {
  const closed = await mkdtemp(join(tmpdir(), 'workbench-mode700-'));
  try {
    assert.equal((await stat(closed)).mode & 0o777, 0o700);
    const nativeDir = join(closed, 'native');
    await cp(await packagedNativeDir(), nativeDir, { recursive: true, verbatimSymlinks: true });
    const root = userInfo().uid === 0;
    if (root) {
      // The precondition of the defect: run straight from there, the server's user is refused.
      assert.equal(canRun(nativeDir, postgresUser()), false, 'the postgres user should not be able to run binaries under a mode-700 directory');
      const binaries = await reachablePostgresBinaries({ nativeDir });
      assert.notEqual(binaries.nativeDir, nativeDir, 'as root the binaries must be run from a reachable copy');
      assert.ok(canRun(binaries.nativeDir, binaries.runAs));
    }
    const server = await startPostgres({ nativeDir, databaseUrl: undefined });
    try {
      const client = new pg.Client({ connectionString: server.connectionString });
      await client.connect();
      const { rows } = await client.query<{ answer: number }>('SELECT 41 + 1 AS answer');
      await client.end();
      assert.equal(rows[0]?.answer, 42);
    } finally {
      await server.stop();
    }
  } finally {
    await rm(closed, { recursive: true, force: true });
  }
});
