/**
 * Results files round-trip: what is written reads back equal and valid, its histograms decode to the
 * summary's percentiles, a damaged file is refused with the reason, and the HTML report is one file
 * with no network dependency.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runSession, NOOP_BACKEND } from './session/session.ts';
import { decodeHistogram } from './harness/histograms.ts';
import { loadWorkloads, withOverrides } from './workloads/workload.ts';
import { parseResults, readResults, writeResults } from './results-file/io.ts';
import type { ResultsFile } from './results-file/schema.ts';
import { renderHtml } from './report/html.ts';
import { compareResults } from './terminal/compare.ts';

async function smallResults(): Promise<ResultsFile> {
  const workloads = (await loadWorkloads())
    .filter((w) => ['append-contended', 'read-stream', 'subscription-lag'].includes(w.name))
    .map((w) => withOverrides(w, { durationSeconds: 0.5, warmupSeconds: 0.1, rate: 200 }));
  const { results } = await runSession({
    backends: [NOOP_BACKEND],
    workloads,
    modes: ['open'],
    via: ['direct'],
    baseline: false,
    intervalMs: 100,
    command: ['test'],
    settings: { test: true },
  });
  return results;
}

void describe('results files', () => {
  let results: ResultsFile;

  void test('a run writes a valid file that reads back equal', async () => {
    results = await smallResults();
    const dir = await mkdtemp(join(tmpdir(), 'bench-results-'));
    try {
      const path = join(dir, 'r.json');
      await writeResults(path, results);
      const back = await readResults(path);
      assert.deepEqual(back, JSON.parse(JSON.stringify(results)));
      assert.equal(back.runs.length, 3);
      for (const run of back.runs) {
        assert.equal(run.status, 'ok', `${run.workload}: ${run.reason ?? ''}`);
        const s = run.summary!;
        // The encoded histogram is the source of the summary's percentiles.
        const h = decodeHistogram(run.histograms!.corrected);
        assert.equal(h.totalCount, s.operations + s.unsent);
        // (or its max, when the samples are too few for a p99: sample-count.ts)
        const p99 = s.tooFewSamplesFor!.includes('p99') ? h.maxValue : h.getValueAtPercentile(99);
        // (a decoded histogram knows a value to its 3 significant digits)
        if (h.totalCount > 0) assert.ok(Math.abs(p99 / 1000 - s.p99Ms) <= s.p99Ms * 0.001 + 0.001, `p99 ${s.p99Ms} from the histogram's ${p99 / 1000}`);
        assert.equal(s.samples, h.totalCount);
        assert.ok(run.timeSeries!.length > 0);
      }
      const lagRun = back.runs.find((r) => r.workload === 'subscription-lag')!;
      assert.ok(lagRun.summary!.lag !== null && lagRun.histograms!.lag !== null, 'the live subscribers measured lag');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  void test('a damaged file is refused with the field that is wrong', () => {
    const damaged = JSON.parse(JSON.stringify(results)) as { runs: { summary: { p99Ms: unknown } }[] };
    damaged.runs[0]!.summary.p99Ms = 'fast';
    assert.throws(() => parseResults(damaged, 'damaged.json'), /damaged\.json[\s\S]*runs\.0\.summary\.p99Ms/);
    assert.throws(() => parseResults({ ...results, schemaVersion: 99 }), /schemaVersion/);
  });

  void test('the HTML report is self-contained: Chart.js inlined, data embedded, nothing fetched', async () => {
    const html = await renderHtml(results);
    assert.match(html, /^<!doctype html>/);
    assert.ok(html.includes('Chart.js v4'), 'Chart.js is inlined');
    assert.doesNotMatch(html, /<script[^>]+src=/i, 'no external scripts');
    assert.doesNotMatch(html, /<link[^>]+href=/i, 'no external stylesheets');
    const data = /const DATA = (.*);\n/.exec(html);
    assert.ok(data, 'the data is embedded');
    const parsed = JSON.parse(data[1]!) as { runs: { corrected: unknown[] }[] };
    assert.equal(parsed.runs.length, 3);
    assert.ok(parsed.runs.every((r) => r.corrected.length > 0), 'percentile curves are precomputed');
  });

  void test('two files compare run by run', async () => {
    const rows = compareResults(results, results);
    assert.equal(rows.length, 3);
    for (const row of rows) assert.equal(row.throughputChange, 0);
    const html = await renderHtml(results, { compareWith: results });
    assert.ok(html.includes('"compare":true'));
    assert.ok(html.length < 2_000_000);
  });

  void test('the committed latest.json is a valid results file (the advisor reads it)', async () => {
    const text = await readFile(new URL('./results/latest.json', import.meta.url), 'utf8');
    const latest = parseResults(JSON.parse(text), 'benchmarks/results/latest.json');
    assert.ok(latest.runs.length > 0);
  });
});
