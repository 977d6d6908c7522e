// The advisor keeps no list of scenario ids: it reads them from docs/capabilities.json. What it does
// keep are the ids its knowledge cites as evidence; this test ties them to the conformance suite, so a
// renamed or removed scenario fails here instead of silently showing "not run yet" (issue 14).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { QUESTIONS } from './questions.ts';
import { TECHNOLOGIES } from './technologies.ts';
import type { Source } from './types.ts';

/** The suite's ids: from labs/conformance/index.ts when the lead has moved them there, else scenario.ts. */
async function suiteScenarioIds(): Promise<readonly string[]> {
  const index = new URL('../../labs/conformance/index.ts', import.meta.url);
  const modules: { SCENARIO_IDS?: readonly string[] }[] = [];
  if (existsSync(fileURLToPath(index))) modules.push((await import(index.href)) as { SCENARIO_IDS?: readonly string[] });
  modules.push((await import('../../labs/conformance/scenario.ts')) as { SCENARIO_IDS?: readonly string[] });
  const ids = modules.find((m) => m.SCENARIO_IDS)?.SCENARIO_IDS;
  assert.ok(ids && ids.length >= 19, 'the conformance suite exports SCENARIO_IDS');
  return ids;
}

const cited = (): string[] => {
  const sources: Source[] = [...TECHNOLOGIES.flatMap((t) => Object.values(t.ratings).flatMap((r) => r.sources)), ...QUESTIONS.flatMap((q) => q.options.flatMap((o) => (o.knockOuts ?? []).map((k) => k.source)))];
  return [...new Set(sources.flatMap((s) => (s.kind === 'lab' ? s.scenarios : [])))].sort();
};

test('every scenario id the advisor cites exists in the conformance suite', async () => {
  const suite = await suiteScenarioIds();
  const ids = cited();
  assert.ok(ids.length > 10);
  assert.deepEqual(ids.filter((id) => !suite.includes(id)), [], 'cited ids missing from labs/conformance');
});

test('docs/capabilities.json holds only ids of the suite, and the advisor reads every one of them', async () => {
  const suite = await suiteScenarioIds();
  const file = JSON.parse(await readFile(new URL('../../docs/capabilities.json', import.meta.url), 'utf8')) as { backends: { scenarios: { id: string }[] }[] };
  const inFile = new Set(file.backends.flatMap((b) => b.scenarios.map((s) => s.id)));
  assert.deepEqual([...inFile].filter((id) => !suite.includes(id)), []);
  const { parseCapabilities } = await import('../evidence/capabilities.ts');
  const parsed = parseCapabilities(file);
  const read = new Set(Object.values(parsed?.results ?? {}).flatMap((r) => Object.keys(r ?? {})));
  for (const id of inFile) assert.ok(read.has(id), `the advisor dropped ${id}`);
});

test('every configuration the advisor cites is a column of docs/capabilities.json, and its cited scenarios ran there', async () => {
  const file = JSON.parse(await readFile(new URL('../../docs/capabilities.json', import.meta.url), 'utf8')) as unknown;
  const { parseCapabilities } = await import('../evidence/capabilities.ts');
  const parsed = parseCapabilities(file);
  const sources = TECHNOLOGIES.flatMap((t) => Object.values(t.ratings).flatMap((r) => r.sources));
  const configured = sources.flatMap((s) => (s.kind === 'lab' && s.configuration ? [{ column: s.configuration.column, scenarios: s.scenarios }] : []));
  assert.ok(configured.length > 0, 'no rating cites a cluster run');
  for (const { column, scenarios } of configured) {
    const results = parsed?.results[column];
    assert.ok(results, `no column ${column} in docs/capabilities.json`);
    for (const id of scenarios) assert.ok(results[id] && results[id].status !== 'skipped', `${column} did not run ${id}`);
  }
});
