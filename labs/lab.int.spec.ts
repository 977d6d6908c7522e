// The lab as a learner runs it: `npm run lab -- postgres` on a real embedded PostgreSQL. The pitfall
// section must lead to the lesson (its failures in full, with where to look; the rest as one line), the
// summary must say which failure is the lesson, and --keep must leave a server that answers until Ctrl-C.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { postgresNaiveBackend } from './postgres/naive/backend.ts';
import { pitfallLocation } from './pitfall-location.ts';

const root = fileURLToPath(new URL('..', import.meta.url));

function lab(
  args: string[],
  onLine?: (line: string, child: ReturnType<typeof spawn>) => void,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'labs/lab.ts', ...args], {
      cwd: root,
      env: { ...env, NO_COLOR: '1', FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n')) onLine?.(line, child);
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('exit', (code) => resolve({ code, output }));
  });
}

test('every lesson of the naive PostgreSQL store points at a marked line of its source', () => {
  for (const id of Object.keys(postgresNaiveBackend.expectedFailures ?? {})) {
    const at = pitfallLocation(postgresNaiveBackend, id as never);
    assert.match(at ?? '', /^labs\/postgres\/naive\/naive-(store\.ts|schema\.sql|group\.ts):\d+$/, `${id} has a PITFALL(${id}) marker`);
  }
});

test('the pitfall section prints the lesson in full with where to look, and the summary says it is the lesson', { timeout: 240_000 }, async () => {
  const { code, output } = await lab(['postgres', '--scenario', 'append.new-stream', '--scenario', 'append.idempotent']);
  assert.equal(code, 0, output.slice(-2_000));
  assert.match(output, /fails: this is the lesson/);
  assert.match(output, /look at: labs\/postgres\/naive\/naive-schema\.sql:\d+/);
  assert.match(output, /1 more scenarios pass on the naive store too/);
  assert.match(output, /append\.idempotent\s+pass\s+fail \(the lesson\)/);
});

test('--keep leaves the lab server running with its connection string until Ctrl-C', { timeout: 240_000 }, async () => {
  let url: string | undefined;
  let answered: string | undefined;
  // --keep is about the lab's own embedded server: without DATABASE_URL (which the test run sets), the
  // lab starts one, and Ctrl-C must stop it.
  const { DATABASE_URL: _external, ...embedded } = process.env;
  const { code, output } = await lab(['postgres', '--no-pitfalls', '--keep', '--scenario', 'read.missing-stream'], (line, child) => {
    const found = /DATABASE_URL=(\S+)/.exec(line);
    if (found) url = found[1];
    if (/Press Ctrl-C to stop it/.test(line) && url) {
      const client = new pg.Client({ connectionString: url });
      void client
        .connect()
        .then(() => client.query<{ n: string }>('SELECT count(*) AS n FROM event_store.events'))
        .then((r) => (answered = r.rows[0]?.n))
        .finally(() => client.end().catch(() => {}))
        .finally(() => child.kill('SIGINT'));
    }
  }, embedded);
  // 130 is what a process ended by Ctrl-C reports (the embedded server's own handler exits with it).
  assert.ok(code === 0 || code === 130, `exit code ${code}: ${output.slice(-2_000)}`);
  assert.ok(url, 'the connection string is printed');
  assert.ok(answered !== undefined, 'the kept server answered a query with the lab\'s tables');
  assert.match(output, /Stopping/);
  const after = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3_000 });
  await assert.rejects(after.connect(), 'after Ctrl-C the server is stopped');
  await after.end().catch(() => {});
});
