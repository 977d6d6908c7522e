import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { TECHNOLOGIES } from '../knowledge/technologies.ts';
import { DONT_KNOW, type TechnologyId } from '../knowledge/types.ts';
import { answersArb, criterionArb, weightsArb } from './arbitraries.ts';
import { GOLDEN_TEAMS } from '../golden/teams.ts';
import { score, type Scored } from './score.ts';

const order = (s: Scored) => s.results.filter((r) => r.eligible).map((r) => r.technology);
const result = (s: Scored, id: TechnologyId) => {
  const r = s.results.find((x) => x.technology === id);
  assert.ok(r, id);
  return r;
};

// The golden teams (what an expert picks for whom) live in advisor/golden/; these are the arithmetic.
const SERVERLESS = GOLDEN_TEAMS.find((g) => g.id === 'dynamodb-serverless')?.answers ?? {};

describe('scoring arithmetic', () => {
  test('with nothing answered every question is neutral and nothing weighs (no baseline handicap)', () => {
    const s = score({ answers: {} });
    assert.equal(s.answered.length, 0);
    assert.ok(s.neutral.length >= 12);
    assert.ok(s.results.every((r) => r.eligible && r.score === 0));
    assert.deepEqual(s.weights.filter((w) => w.weight > 0), []);
  });

  test('a hand-computed example (docs/advisor.md): streaming needs give Kafka 100 and DynamoDB 80', () => {
    // very-high writes: write throughput 5; central integration: streaming integration 5; single writer: nothing.
    // Kafka rates 5 and 5: (5x5 + 5x5) / (5 x 10) x 100 = 100. DynamoDB rates 5 and 3: (25 + 15) / 50 x 100 = 80.
    const s = score({ answers: { 'write-throughput': 'very-high', integration: 'central', concurrency: 'single-writer' } });
    assert.equal(result(s, 'kafka').score, 100);
    assert.equal(result(s, 'dynamodb').score, 80);
  });

  test('the risks of an option carry mitigations and the strengths are rated 4 or 5', () => {
    const s = score({ answers: { ...SERVERLESS, ordering: 'global' } });
    const dynamo = result(s, 'dynamodb');
    assert.ok(dynamo.risks.length > 0);
    for (const r of dynamo.risks) assert.ok(r.rating <= 2 && r.mitigation);
    for (const st of dynamo.strengths) assert.ok(st.rating >= 4);
  });
});

describe('properties', () => {
  test('raising the weight of a criterion on which A beats B never puts B ahead of A', () => {
    fc.assert(
      fc.property(answersArb, weightsArb, criterionArb, fc.double({ min: 0.001, max: 50, noNaN: true }), (answers, weights, c, delta) => {
        const before = score({ answers, weights });
        const current = before.weights.find((w) => w.criterion === c)?.weight ?? 0;
        const after = score({ answers, weights: { ...weights, [c]: current + delta } });
        const rankBefore = order(before);
        const rankAfter = order(after);
        for (const a of TECHNOLOGIES) {
          for (const b of TECHNOLOGIES) {
            if (a.ratings[c].rating <= b.ratings[c].rating) continue;
            const ia = rankBefore.indexOf(a.id);
            const ib = rankBefore.indexOf(b.id);
            if (ia < 0 || ib < 0 || ia > ib) continue; // only pairs where A was ahead
            assert.ok(rankAfter.indexOf(a.id) < rankAfter.indexOf(b.id), `${b.id} overtook ${a.id} when ${c} weighed more`);
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  test('scores stay within 0..100 and equal both the breakdown and the sum of contributions', () => {
    fc.assert(
      fc.property(answersArb, weightsArb, (answers, weights) => {
        const s = score({ answers, weights });
        for (const r of s.results) {
          assert.ok(r.score >= 0 && r.score <= 100 + 1e-9, String(r.score));
          const fromBreakdown = r.breakdown.reduce((sum, b) => sum + b.points, 0);
          const fromContributions = r.contributions.reduce((sum, c) => sum + c.points, 0);
          assert.ok(Math.abs(fromBreakdown - r.score) < 1e-6);
          assert.ok(Math.abs(fromContributions - r.score) < 1e-6, `${r.technology}: contributions ${fromContributions} vs ${r.score}`);
        }
      }),
      { numRuns: 200 },
    );
  });

  test('"don\'t know" is the same as not answering, and neutral questions are listed', () => {
    fc.assert(
      fc.property(answersArb, (answers) => {
        const withoutDontKnow = Object.fromEntries(Object.entries(answers).filter(([, v]) => v !== DONT_KNOW));
        const a = score({ answers });
        const b = score({ answers: withoutDontKnow });
        assert.deepEqual(a.results.map((r) => [r.technology, r.score, r.eligible]), b.results.map((r) => [r.technology, r.score, r.eligible]));
        assert.equal(a.answered.length + a.neutral.length, a.answered.length + b.neutral.length);
        assert.equal(a.answered.length, Object.keys(withoutDontKnow).length);
      }),
      { numRuns: 200 },
    );
  });

  test('eligible options are ranked 1..n by score; knocked-out options have no rank and come last', () => {
    fc.assert(
      fc.property(answersArb, weightsArb, (answers, weights) => {
        const s = score({ answers, weights });
        const eligible = s.results.filter((r) => r.eligible);
        assert.deepEqual(eligible.map((r) => r.rank), eligible.map((_, i) => i + 1));
        for (let i = 1; i < eligible.length; i++) assert.ok((eligible[i - 1]?.score ?? 0) >= (eligible[i]?.score ?? 0) - 1e-9);
        assert.ok(s.results.slice(eligible.length).every((r) => !r.eligible && r.rank === null && r.knockOuts.length > 0));
        assert.equal(s.top, eligible[0]?.technology ?? null);
      }),
      { numRuns: 200 },
    );
  });

  test('all weights at zero gives every option 0 and no NaN', () => {
    const weights = Object.fromEntries(TECHNOLOGIES[0] ? Object.keys(TECHNOLOGIES[0].ratings).map((c) => [c, 0]) : []);
    const s = score({ answers: { platform: 'dotnet' }, weights });
    assert.ok(s.results.every((r) => r.score === 0));
  });
});
