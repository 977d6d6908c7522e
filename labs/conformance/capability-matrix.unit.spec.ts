import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { capabilityMatrixSchema, renderMatrix } from './capability-matrix.ts';
import { SCENARIO_IDS } from './scenario.ts';

/**
 * Scenarios added on a branch whose matrix is regenerated when it is merged (`npm run capabilities` runs
 * every backend, ~12 minutes): issue #22's. Whoever regenerates docs/capabilities.* empties this list.
 */
const NOT_YET_IN_COMMITTED_MATRIX: readonly string[] = [];

test('docs/capabilities.md is exactly the rendering of docs/capabilities.json (never edited by hand)', async () => {
  const json = capabilityMatrixSchema.parse(JSON.parse(await readFile(new URL('../../docs/capabilities.json', import.meta.url), 'utf8')));
  const markdown = await readFile(new URL('../../docs/capabilities.md', import.meta.url), 'utf8');
  assert.equal(markdown, renderMatrix(json), 'regenerate with `npm run capabilities`');
  for (const backend of json.backends) {
    const ids = backend.scenarios.map((s) => s.id);
    const expected = ids.some((id) => NOT_YET_IN_COMMITTED_MATRIX.includes(id)) ? SCENARIO_IDS : SCENARIO_IDS.filter((id) => !NOT_YET_IN_COMMITTED_MATRIX.includes(id));
    assert.deepEqual(ids, [...expected], `${backend.backend} has a result for every scenario (but those not yet in the committed matrix)`);
  }
});

test('the PostgreSQL column of the committed matrix passes every scenario, and its pitfall twin fails for real', async () => {
  const json = capabilityMatrixSchema.parse(JSON.parse(await readFile(new URL('../../docs/capabilities.json', import.meta.url), 'utf8')));
  const postgres = json.backends.find((b) => b.backend === 'postgres');
  assert.ok(postgres, 'postgres is in the matrix');
  // Passes every scenario but two it declares unsupported: data.returned-as-written (jsonb keeps equal JSON,
  // not the bytes: byte-exact-data, the lab's json vs jsonb lesson) and the failover scenario (one node: the
  // postgres-cluster column runs it).
  const declared = new Set(['data.returned-as-written', 'replication.acknowledged-survive-failover']);
  assert.deepEqual(postgres.scenarios.filter((s) => s.status !== 'pass' && !(declared.has(s.id) && s.status === 'unsupported')).map((s) => s.id), []);
  const cluster = json.backends.find((b) => b.backend === 'postgres-cluster');
  if (cluster) assert.equal(cluster.scenarios.find((s) => s.id === 'replication.acknowledged-survive-failover')?.status, 'pass', 'the synchronous cluster keeps every acknowledged append');
  const naive = json.backends.find((b) => b.backend === 'postgres-naive');
  assert.ok(naive?.scenarios.some((s) => s.id === 'read.all-no-skip-under-concurrent-commits' && s.status === 'fail'));
});
