import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { answersArb, uiWeightsArb as weightsArb } from './arbitraries.ts';
import { score, type Answers } from './score.ts';
import { sensitivity } from './sensitivity.ts';

describe('sensitivity', () => {
  test('every reported answer change really changes the top recommendation to the one named', () => {
    fc.assert(
      fc.property(answersArb, weightsArb, (answers, weights) => {
        const base = score({ answers, weights });
        const s = sensitivity({ answers, weights }, base);
        for (const change of s.answerChanges) {
          const changed: Record<string, string | undefined> = { ...answers };
          for (const st of change.steps) {
            assert.equal(st.from, answers[st.questionId] ?? 'dont-know');
            changed[st.questionId] = st.to;
          }
          assert.equal(score({ answers: changed, weights }).top, change.newTop);
          assert.notEqual(change.newTop, base.top);
        }
      }),
      { numRuns: 60 },
    );
  });

  test('single changes are reported whenever one exists (nothing smaller is missed)', () => {
    const answers: Answers = { platform: 'dotnet', 'postgres-skills': 'production' };
    const s = sensitivity({ answers }, score({ answers }));
    assert.ok(s.answerChanges.length > 0);
    assert.ok(s.answerChanges.every((c) => c.steps.length === 1));
  });

  test('every reported weight tipping point is exact: just past it the top changes, just before it does not', () => {
    fc.assert(
      fc.property(answersArb, weightsArb, (answers, weights) => {
        const base = score({ answers, weights });
        const s = sensitivity({ answers, weights }, base);
        for (const w of s.weightChanges) {
          const eps = 1e-6 * Math.max(1, w.to);
          const past = w.direction === 'raise' ? w.to + eps : Math.max(w.to - eps, w.to / 2); // weights are never negative
          const before = w.direction === 'raise' ? w.to - eps : w.to + eps;
          assert.equal(score({ answers, weights: { ...weights, [w.criterion]: past } }).top, w.newTop, `${w.criterion} ${w.direction} past ${w.to}`);
          if (Math.abs(w.to - w.from) > 2 * eps) {
            assert.equal(score({ answers, weights: { ...weights, [w.criterion]: before } }).top, base.top, `${w.criterion} just before ${w.to}`);
          }
        }
      }),
      { numRuns: 60 },
    );
  });

  test('weight changes are listed smallest first and the summary names the runner-up', () => {
    const answers: Answers = { platform: 'node', cloud: 'aws-serverless', operations: 'managed-only' };
    const s = sensitivity({ answers }, score({ answers }));
    const sizes = s.weightChanges.map((w) => Math.abs(w.to - w.from));
    assert.deepEqual(sizes, [...sizes].sort((a, b) => a - b));
    assert.ok(s.runnerUp);
    assert.match(s.summary, new RegExp(s.runnerUp.name.replace(/[()]/g, '\\$&')));
  });

  test('when every option is knocked out there is no top and no change to report', () => {
    // Marten needs .NET, DynamoDB needs AWS, Kafka lacks optimistic concurrency; PostgreSQL and EventStoreDB stay.
    const answers: Answers = { platform: 'go', cloud: 'on-premises', concurrency: 'required' };
    const base = score({ answers });
    assert.ok(base.top === 'eventstoredb' || base.top === 'postgres');
    const s = sensitivity({ answers }, base);
    assert.ok(s.summary.length > 0);
  });
});
