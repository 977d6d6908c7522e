import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { capabilityMatrixSchema, renderMatrix } from './capability-matrix.ts';
import { SCENARIO_IDS } from './scenario.ts';

test('docs/capabilities.md is exactly the rendering of docs/capabilities.json (never edited by hand)', async () => {
  const json = capabilityMatrixSchema.parse(JSON.parse(await readFile(new URL('../../docs/capabilities.json', import.meta.url), 'utf8')));
  const markdown = await readFile(new URL('../../docs/capabilities.md', import.meta.url), 'utf8');
  assert.equal(markdown, renderMatrix(json), 'regenerate with `npm run capabilities`');
  for (const backend of json.backends) {
    assert.deepEqual(backend.scenarios.map((s) => s.id), [...SCENARIO_IDS], `${backend.backend} has a result for every scenario`);
  }
});

test('the PostgreSQL column of the committed matrix passes every scenario, and its pitfall twin fails for real', async () => {
  const json = capabilityMatrixSchema.parse(JSON.parse(await readFile(new URL('../../docs/capabilities.json', import.meta.url), 'utf8')));
  const postgres = json.backends.find((b) => b.backend === 'postgres');
  assert.ok(postgres, 'postgres is in the matrix');
  assert.deepEqual(postgres.scenarios.filter((s) => s.status !== 'pass').map((s) => s.id), []);
  const naive = json.backends.find((b) => b.backend === 'postgres-naive');
  assert.ok(naive?.scenarios.some((s) => s.id === 'read.all-no-skip-under-concurrent-commits' && s.status === 'fail'));
});
