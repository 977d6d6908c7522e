import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { escapeMarkdownInline, renderAdr } from './adr.ts';
import { recommend } from './recommendation.ts';

const noEvidence = { capabilities: null, benchmarks: null };

describe('ADR export', () => {
  test('records context, decision, ranking, consequences, sensitivity and evidence', () => {
    const rec = recommend({ answers: { platform: 'dotnet', 'postgres-skills': 'production' } }, noEvidence);
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
    const rec = recommend({ answers: { platform: 'node', concurrency: 'required' } }, noEvidence);
    const md = renderAdr(rec, { date: '2026-11-26', title: 'Ours\n# injected <script>' });
    assert.match(md, /Marten is a \.NET library/);
    assert.match(md, /Kafka has no expected-version check/);
    assert.equal(md.split('\n').filter((l) => l.startsWith('# ')).length, 1);
    assert.ok(!md.includes('<script>'));
    assert.equal(escapeMarkdownInline('a|b'), 'a\\|b');
  });

  test('includes measured figures with their date when benchmarks exist', () => {
    const evidence = { capabilities: null, benchmarks: { startedAt: '2026-11-21T08:30:00.000Z', byBackend: { postgres: [{ workload: 'append', throughput: 1830.4, p50Ms: 2.1, p99Ms: 9.7 }] } } };
    const rec = recommend({ answers: { platform: 'node', 'postgres-skills': 'production', budget: 'tight' } }, evidence);
    assert.equal(rec.top, 'postgres');
    const md = renderAdr(rec, { date: '2026-11-26' });
    assert.match(md, /append: 1830 ops\/s, p50 2\.1 ms, p99 9\.7 ms \(measured 2026-11-21T08:30:00\.000Z/);
  });
});
