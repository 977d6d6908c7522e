// Properties of the scoring model that every answer set must keep (issue 13): an answer means what it
// says, more weight on a strength never hurts, the fast model agrees with the explained one, and the
// decision never claims more than the numbers support.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { renderAdr } from '../adr.ts';
import { ABSENT_NEED_OPTIONS, QUESTIONS } from '../knowledge/questions.ts';
import { TECHNOLOGIES } from '../knowledge/technologies.ts';
import { DONT_KNOW, MAX_RATING, type CriterionId, type TechnologyId } from '../knowledge/types.ts';
import { recommend } from '../recommendation.ts';
import { answersArb, uiWeightsArb } from './arbitraries.ts';
import { decide, TIE_MARGIN } from './decision.ts';
import { compile, standing, stateOf } from './model.ts';
import { DEFAULT_KNOWLEDGE, score, type Scored } from './score.ts';
import { sensitivity } from './sensitivity.ts';

const rankOf = (s: Scored, t: TechnologyId) => s.results.find((r) => r.technology === t)?.rank ?? null;
const scoreOf = (s: Scored, t: TechnologyId) => s.results.find((r) => r.technology === t)?.score ?? NaN;
const ratingOf = (t: TechnologyId, c: CriterionId) => TECHNOLOGIES.find((x) => x.id === t)?.ratings[c].rating ?? 0;

/** Each technology's strongest criteria: those it rates highest. */
const strongest = TECHNOLOGIES.map((t) => {
  const best = Math.max(...Object.values(t.ratings).map((r) => r.rating));
  return { technology: t.id, best, criteria: (Object.keys(t.ratings) as CriterionId[]).filter((c) => t.ratings[c].rating === best) };
});

/** Pairs (from, to) of answers to one question where `to` removes needs: no weight above `from`'s, no new knock-out. */
const removals = QUESTIONS.flatMap((q) =>
  q.options.flatMap((from) =>
    [...q.options, { id: DONT_KNOW, label: '', weights: {}, knockOuts: [] }]
      .filter((to) => to.id !== from.id)
      .filter((to) => Object.entries(to.weights).every(([c, w]) => (w ?? 0) <= (from.weights[c as CriterionId] ?? 0)))
      .filter((to) => (to.knockOuts ?? []).every((k) => (from.knockOuts ?? []).some((f) => f.technology === k.technology)))
      .map((to) => ({ questionId: q.id, from: from.id, to: to.id, removed: (Object.keys(from.weights) as CriterionId[]).filter((c) => (from.weights[c] ?? 0) > (to.weights[c] ?? 0)) })),
  ),
).filter((r) => r.removed.length > 0);

describe('every answer means what it says', () => {
  test('an answer that says a need is absent adds no weight', () => {
    for (const { questionId, optionId } of ABSENT_NEED_OPTIONS) {
      const option = QUESTIONS.find((q) => q.id === questionId)?.options.find((o) => o.id === optionId);
      assert.ok(option, `${questionId}/${optionId} exists`);
      assert.deepEqual(Object.values(option.weights).filter((w) => (w ?? 0) > 0), [], `${questionId}/${optionId} adds weight`);
    }
  });

  test('the baseline weighs nothing: with no answer every score is 0', () => {
    assert.deepEqual(DEFAULT_KNOWLEDGE.baseline, {});
    assert.ok(score({ answers: {} }).results.every((r) => r.score === 0));
  });

  test('an answer removing a need never lowers the score or rank of a technology that lacks it (rating 0)', () => {
    assert.ok(removals.length > 10);
    fc.assert(
      fc.property(answersArb, fc.constantFrom(...removals), (answers, removal) => {
        const before = score({ answers: { ...answers, [removal.questionId]: removal.from } });
        const after = score({ answers: { ...answers, [removal.questionId]: removal.to } });
        for (const t of TECHNOLOGIES) {
          if (!removal.removed.every((c) => ratingOf(t.id, c) === 0)) continue;
          assert.ok(scoreOf(after, t.id) >= scoreOf(before, t.id) - 1e-9, `${t.id} score fell ${removal.questionId} ${removal.from}->${removal.to}`);
          const rb = rankOf(before, t.id);
          const ra = rankOf(after, t.id);
          if (rb !== null) assert.ok(ra !== null && ra <= rb, `${t.id} rank ${rb} -> ${ra}`);
        }
      }),
      { numRuns: 400 },
    );
  });

  test('an answer removing a need never worsens the gap of a technology that lacks it against one that has it', () => {
    fc.assert(
      fc.property(answersArb, fc.constantFrom(...removals), (answers, removal) => {
        const before = score({ answers: { ...answers, [removal.questionId]: removal.from } });
        const after = score({ answers: { ...answers, [removal.questionId]: removal.to } });
        for (const weak of TECHNOLOGIES) {
          for (const strong of TECHNOLOGIES) {
            if (!removal.removed.every((c) => ratingOf(weak.id, c) <= ratingOf(strong.id, c))) continue;
            const gapBefore = scoreOf(before, strong.id) - scoreOf(before, weak.id);
            const gapAfter = scoreOf(after, strong.id) - scoreOf(after, weak.id);
            // Normalisation may shrink or grow both scores; the sign of the gap is what cannot turn against `weak`.
            if (gapBefore <= 1e-9) assert.ok(gapAfter <= 1e-9, `${weak.id} fell behind ${strong.id}`);
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('weights', () => {
  test('every technology rates its strongest criteria at the top of the scale (so more weight there can only help)', () => {
    for (const s of strongest) assert.equal(s.best, MAX_RATING, s.technology);
  });

  test('raising the weight of a technology\'s strongest criterion never lowers its rank', () => {
    fc.assert(
      fc.property(answersArb, uiWeightsArb, fc.constantFrom(...strongest), fc.integer({ min: 1, max: 20 }), fc.nat(), (answers, weights, s, raise, pick) => {
        const criterion = s.criteria[pick % s.criteria.length] as CriterionId;
        const base = score({ answers, weights });
        const current = base.weights.find((w) => w.criterion === criterion)?.weight ?? 0;
        const raised = score({ answers, weights: { ...weights, [criterion]: Math.min(current + raise / 2, 40) } });
        const rb = rankOf(base, s.technology);
        const ra = rankOf(raised, s.technology);
        if (rb !== null) assert.ok(ra !== null && ra <= rb, `${s.technology}: raising ${criterion} moved it from ${rb} to ${ra}`);
      }),
      { numRuns: 400 },
    );
  });
});

describe('the fast model and the decision', () => {
  test('model.ts ranks and scores exactly as score.ts', () => {
    const ck = compile(DEFAULT_KNOWLEDGE);
    fc.assert(
      fc.property(answersArb, uiWeightsArb, (answers, weights) => {
        const s = score({ answers, weights });
        const m = standing(stateOf(ck, { answers, weights }));
        assert.deepEqual(m.order.map((t) => ck.technologies[t]), s.results.filter((r) => r.eligible).map((r) => r.technology));
        ck.technologies.forEach((t, i) => assert.equal(m.scores[i], scoreOf(s, t)));
      }),
      { numRuns: 300 },
    );
  });

  test('the decision never claims more than the numbers: clear only with a lead of at least the tie margin and enough answers', () => {
    fc.assert(
      fc.property(answersArb, (answers) => {
        const s = score({ answers });
        const d = decide({ answers }, s);
        const eligible = s.results.filter((r) => r.eligible);
        const lead = eligible.length > 1 ? (eligible[0]?.score ?? 0) - (eligible[1]?.score ?? 0) : Infinity;
        if (d.decision === 'clear') {
          assert.ok(lead >= TIE_MARGIN && s.answered.length >= d.minAnswered && s.totalWeight > 0);
          assert.equal(d.winner?.technology, eligible[0]?.technology);
        }
        if (d.decision === 'tie') {
          assert.ok(lead < TIE_MARGIN);
          assert.ok(d.tied.length >= 2 && d.tied.every((t) => (eligible[0]?.score ?? 0) - t.score < TIE_MARGIN));
        }
        if (s.answered.length < d.minAnswered || s.totalWeight === 0) assert.equal(d.decision, 'insufficient-answers');
      }),
      { numRuns: 300 },
    );
  });

  test('the ADR says "We will use" exactly when the decision is clear', () => {
    fc.assert(
      fc.property(answersArb, (answers) => {
        const rec = recommend({ answers }, { capabilities: null, benchmarks: null }, { detail: 'full' });
        const adr = renderAdr(rec, { date: '2026-12-01' });
        assert.equal(/We will use/.test(adr), rec.decision === 'clear', rec.decisionDetail.summary);
      }),
      { numRuns: 60 },
    );
  });

  test('answer changes are listed most decisive first, and each one is real', () => {
    fc.assert(
      fc.property(answersArb, (answers) => {
        const base = score({ answers });
        const s = sensitivity({ answers }, base);
        const leads = s.answerChanges.map((c) => c.newLead);
        assert.deepEqual(leads, [...leads].sort((a, b) => b - a));
        for (const c of s.answerChanges) {
          const changed: Record<string, string | undefined> = { ...answers };
          for (const st of c.steps) changed[st.questionId] = st.to;
          assert.equal(score({ answers: changed }).results[0]?.technology, c.newTop);
        }
      }),
      { numRuns: 100 },
    );
  });

  test('when only pairs change the leader, the most decisive pairs come first (not question order)', () => {
    // Find an answer set whose leader no single change moves, then check against a brute-force search.
    // A fixed seed: such sets are rare (25 in 4,000 samples), so an unseeded search of 400 found none in
    // about 1 run of 12 (e^-2.5) and failed the test for nothing (seen in 1 of 5 runs of test:unit).
    const found = fc.sample(answersArb, { numRuns: 2000, seed: 20261201 }).find((answers) => {
      const s = sensitivity({ answers }, score({ answers }));
      return s.answerChanges.length > 1 && s.answerChanges.every((c) => c.steps.length === 2);
    });
    assert.ok(found, 'an answer set that needs two changes exists among the samples');
    const s = sensitivity({ answers: found }, score({ answers: found }));
    const top = s.answerChanges[0];
    assert.ok(top);
    for (const c of s.answerChanges) assert.ok(c.newLead <= top.newLead);
    assert.ok(s.answerTrials > 0);
  });
});
