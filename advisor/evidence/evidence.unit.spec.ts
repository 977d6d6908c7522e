import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { benchmarkFiguresFor, loadEvidence, parseBenchmarks, parseCapabilities } from './evidence.ts';

const fixture = (name: string) => fileURLToPath(new URL(`../test-fixtures/${name}`, import.meta.url));

describe('evidence reader', () => {
  test('reads conformance results and skips entries that do not parse', async () => {
    const ev = await loadEvidence({ capabilitiesPath: fixture('capabilities.json'), benchmarksPath: fixture('benchmarks-latest.json') });
    assert.ok(ev.capabilities);
    assert.equal(ev.capabilities.generatedAt, '2026-11-20T10:00:00.000Z');
    assert.equal(ev.capabilities.results.postgres?.['append.expected-version']?.status, 'pass');
    assert.equal(ev.capabilities.results.postgres?.['read.all-ordered'], undefined, 'unknown status is skipped');
    assert.equal(ev.capabilities.results.kafka?.['append.expected-version']?.status, 'unsupported');
    assert.deepEqual(Object.keys(ev.capabilities.results).sort(), ['kafka', 'postgres']);
  });

  test('reads benchmark figures with their date and skips runs that do not parse', async () => {
    const ev = await loadEvidence({ capabilitiesPath: fixture('capabilities.json'), benchmarksPath: fixture('benchmarks-latest.json') });
    assert.ok(ev.benchmarks);
    assert.equal(ev.benchmarks.startedAt, '2026-11-21T08:30:00.000Z');
    assert.equal(benchmarkFiguresFor(ev.benchmarks, 'postgres').length, 2);
    assert.deepEqual(benchmarkFiguresFor(ev.benchmarks, 'dynamodb'), [], 'a non-numeric figure is skipped');
    assert.deepEqual(benchmarkFiguresFor(ev.benchmarks, 'marten'), []);
  });

  test('missing or truncated files count as absent, never as an error', async () => {
    const missing = await loadEvidence({ capabilitiesPath: fixture('does-not-exist.json'), benchmarksPath: fixture('truncated.json') });
    assert.equal(missing.capabilities, null);
    assert.equal(missing.benchmarks, null);
    assert.equal(parseCapabilities([1, 2]), null);
    assert.equal(parseBenchmarks({ startedAt: 5, runs: [] }), null);
    assert.deepEqual(benchmarkFiguresFor(null, 'postgres'), []);
  });
});
