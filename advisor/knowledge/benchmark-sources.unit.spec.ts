// The benchmark runs the knowledge cites are the repository's own results files: this test ties each
// citation to a file that exists, a run in it that measured what the citation says, and the section of
// docs/benchmarks.md that reads it — so a deleted or renamed results file, or a run that never measured
// that backend, fails here instead of showing "not in this checkout" on the page (issue 24).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { slug } from '../docs-pages.ts';
import { loadEvidence } from '../evidence/evidence.ts';
import { evidenceLevel, resolveSource } from '../recommendation.ts';
import { CRITERIA } from './criteria.ts';
import { TECHNOLOGIES } from './technologies.ts';
import { citedResultsFiles, LAB_BACKENDS, type Source } from './types.ts';

const repo = (path: string) => fileURLToPath(new URL(`../../${path}`, import.meta.url));

async function realEvidence() {
  return loadEvidence({ capabilitiesPath: repo('docs/capabilities.json'), benchmarksPath: repo('benchmarks/results/latest.json'), citedResults: citedResultsFiles(TECHNOLOGIES) });
}

const benchmarkSources = () =>
  TECHNOLOGIES.flatMap((t) => CRITERIA.flatMap((c) => t.ratings[c.id].sources.filter((s): s is Extract<Source, { kind: 'benchmark' }> => s.kind === 'benchmark').map((s) => ({ t, c, s, rating: t.ratings[c.id] }))));

test('the write-throughput, low-latency and long-term-storage ratings of the technologies benchmarked here cite a run', () => {
  for (const tech of ['postgres', 'kafka', 'dynamodb'] as const) {
    for (const criterion of ['write-throughput', 'low-latency'] as const) {
      const cites = benchmarkSources().filter((b) => b.t.id === tech && b.c.id === criterion);
      assert.ok(cites.length > 0, `${tech}/${criterion} cites no benchmark run`);
    }
  }
  for (const tech of ['postgres', 'kafka', 'dynamodb'] as const) assert.ok(benchmarkSources().some((b) => b.t.id === tech && b.c.id === 'long-term-storage' && b.s.mode === 'growth'), `${tech}/long-term-storage cites no growth run`);
});

test('every cited results file exists, holds what the citation says, and its section reads it', async () => {
  const ev = await realEvidence();
  const headings = new Set(
    (await readFile(repo('docs/benchmarks.md'), 'utf8'))
      .split('\n')
      .filter((l) => /^#{1,4} /.test(l))
      .map((l) => slug(l.replace(/^#+ /, ''))),
  );
  const all = benchmarkSources();
  assert.ok(all.length >= 8, `only ${all.length} benchmark citations`);
  for (const { t, c, s, rating } of all) {
    const where = `${t.id}/${c.id} → ${s.results} (${s.mode})`;
    assert.ok(existsSync(repo(`benchmarks/results/${s.results}`)), `${where}: the file is not in benchmarks/results`);
    assert.ok((LAB_BACKENDS as readonly string[]).includes(s.backend));
    const resolved = resolveSource(s, ev);
    assert.equal(resolved.kind, 'benchmark');
    if (resolved.kind !== 'benchmark') continue;
    assert.equal(resolved.missing, null, `${where}: ${resolved.missing}`);
    assert.ok(resolved.figures.length > 0, `${where}: no figures`);
    assert.ok(headings.has(resolved.url.split('#')[1] ?? ''), `${where}: docs/benchmarks.md has no heading "${s.section}"`);
    // A run on an emulator is cited only by a rationale that says so (the rating rests on documentation).
    if (resolved.emulator) assert.match(rating.rationale, /emulator/i, `${where}: the run is on an emulator and the rationale does not say so`);
  }
});

test('a rating says at a glance whether it was measured here, only on an emulator, or is documentation only', async () => {
  const ev = await realEvidence();
  const level = (tech: string, criterion: (typeof CRITERIA)[number]['id']) => {
    const t = TECHNOLOGIES.find((x) => x.id === tech);
    assert.ok(t);
    return evidenceLevel(t.ratings[criterion].sources.map((s) => resolveSource(s, ev)));
  };
  assert.equal(level('postgres', 'write-throughput'), 'measured');
  assert.equal(level('kafka', 'long-term-storage'), 'measured');
  assert.equal(level('dynamodb', 'write-throughput'), 'emulator', 'dynalite figures do not make a DynamoDB rating measured');
  assert.equal(level('dynamodb', 'long-term-storage'), 'emulator', 'a growth run on dynalite is not a measurement of DynamoDB');
  assert.equal(level('dynamodb', 'cost'), 'documentation');
  assert.equal(level('marten', 'write-throughput'), 'documentation');
  // A cited file that is not there is no measurement.
  const absent = resolveSource({ kind: 'benchmark', backend: 'postgres', results: 'evidence-does-not-exist.json', mode: 'sweep', workload: 'append-single', section: 'x' }, ev);
  assert.equal(evidenceLevel([absent]), 'documentation');
  assert.ok(absent.kind === 'benchmark' && absent.missing?.includes('not in this checkout'));
});

test("a cluster's cost is cited beside its single node, from the same results file (a ratio measured in one run)", () => {
  const clusters = benchmarkSources().filter((b) => b.s.column !== undefined && b.s.column !== b.s.backend);
  assert.ok(clusters.length >= 2, 'the durability ratings cite the clusters\' runs');
  for (const { t, c, s } of clusters) {
    const single = benchmarkSources().find((b) => b.t.id === t.id && b.c.id === c.id && (b.s.column ?? b.s.backend) === s.backend && b.s.results === s.results && b.s.mode === s.mode);
    assert.ok(single, `${t.id}/${c.id} cites ${s.column} in ${s.results} without its single node from the same run`);
  }
});

test('a cited run that was quiet is not labelled busy because another run of the same file was', async () => {
  // evidence-…07-58-15Z-durability-quiet: the postgres-cluster runs were busy-flagged, the Kafka ones were
  // not; the page showed "busy machine" on the Kafka durability citations all the same.
  const ev = await realEvidence();
  const quiet = benchmarkSources().filter((b) => b.t.id === 'kafka' && b.c.id === 'durability-at-failover');
  assert.ok(quiet.length >= 2);
  for (const { s } of quiet) {
    const resolved = resolveSource(s, ev);
    assert.ok(resolved.kind === 'benchmark');
    assert.equal(resolved.machineBusy, false, `${s.column ?? s.backend} in ${s.results} ran on a quiet machine`);
  }
  // A busy run is still labelled: PostgreSQL's single-node max-rate in the PostgreSQL durability run.
  const busy = resolveSource({ ...quiet[0]!.s, backend: 'postgres', column: 'postgres', results: 'evidence-2026-12-07T08-26-28Z-durability-postgres-quiet.json', mode: 'max-rate' }, ev);
  assert.ok(busy.kind === 'benchmark' && busy.machineBusy, 'the busy-flagged run keeps its label');
});
