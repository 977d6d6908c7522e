import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { escapeMarkdownInline, renderAdr } from './adr.ts';
import { parseBenchmarks } from './evidence/evidence.ts';
import { recommend } from './recommendation.ts';

const noEvidence = { capabilities: null, benchmarks: null };

describe('ADR export', () => {
  test('records context, decision, ranking, consequences, sensitivity and evidence', () => {
    const rec = recommend({ answers: { platform: 'dotnet', 'postgres-skills': 'production', experience: 'new', 'read-model-consistency': 'same-transaction' } }, noEvidence, { detail: 'full' });
    const md = renderAdr(rec, { date: '2026-11-26' });
    assert.match(md, /^# ADR: Event store: Marten/);
    for (const heading of ['## Context', '## Decision', '### Ranking', '## Consequences', '### Risks and mitigations', '### Sensitivity', '## Alternatives considered', '## Evidence']) {
      assert.ok(md.includes(heading), heading);
    }
    assert.match(md, /- Date: 2026-11-26/);
    assert.match(md, /We will use \*\*Marten/);
    assert.match(md, /\*\*We run PostgreSQL in production today\*\*/);
    assert.match(md, /Not answered, treated as neutral \(\d+\)/);
    assert.match(md, /no benchmark results yet/);
  });

  test('knock-outs appear with their reason and a user title cannot inject Markdown structure', () => {
    const rec = recommend({ answers: { platform: 'node', concurrency: 'required' } }, noEvidence, { detail: 'full' });
    const md = renderAdr(rec, { date: '2026-11-26', title: 'Ours\n# injected <script>' });
    assert.match(md, /Marten is a \.NET library/);
    assert.match(md, /Kafka has no expected-version check/);
    assert.equal(md.split('\n').filter((l) => l.startsWith('# ')).length, 1);
    assert.ok(!md.includes('<script>'));
    assert.equal(escapeMarkdownInline('a|b'), 'a\\|b');
  });

  test('includes measured figures with every label: target, mode, rate, saturation and server', () => {
    const evidence = {
      capabilities: null,
      benchmarks: parseBenchmarks({
        startedAt: '2026-11-21T08:30:00.000Z',
        environment: { loadAverage: [0.4, 0.5, 0.6], backends: [{ name: 'postgres', description: 'embedded PostgreSQL 18.4', version: 'PostgreSQL 18.4' }] },
        runs: [
          { backend: 'postgres', target: 'postgres', kind: 'store', workload: 'append-single', mode: 'open', status: 'ok', summary: { targetRate: 500, throughput: 500, p50Ms: 2.1, p99Ms: 9.7, errorCount: 0, conflicts: 0, unsent: 0, measuredSeconds: 5 } },
          { backend: 'postgres', target: 'postgres', kind: 'store', workload: 'append-batched', mode: 'open', status: 'ok', summary: { targetRate: 500, throughput: 300, p50Ms: 200, p99Ms: 1300, errorCount: 0, conflicts: 0, unsent: 120, measuredSeconds: 5 } },
        ],
      }),
    };
    const rec = recommend({ answers: { platform: 'node', 'postgres-skills': 'production', budget: 'tight', 'read-patterns': 'ad-hoc', operations: 'small' } }, evidence, { detail: 'full' });
    assert.equal(rec.top, 'postgres');
    const md = renderAdr(rec, { date: '2026-11-26' });
    assert.match(md, /append-single, lab store \(postgres\), open loop at 500 ops\/s offered: 500 ops\/s achieved, p50 2\.1 ms, p99 9\.7 ms; server: embedded PostgreSQL 18\.4 \(measured 2026-11-21T08:30:00\.000Z/);
    assert.match(md, /append-batched, lab store \(postgres\), open loop at 500 ops\/s offered: SATURATED at 500 ops\/s offered \(120 operations due were never sent/);
  });
});
