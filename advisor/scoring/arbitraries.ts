// fast-check generators of questionnaire answers and weight overrides, shared by the property tests.
import fc from 'fast-check';
import { QUESTIONS } from '../knowledge/questions.ts';
import { CRITERION_IDS, DONT_KNOW, type CriterionId } from '../knowledge/types.ts';
import type { Answers, WeightOverrides } from './score.ts';

export const answersArb: fc.Arbitrary<Answers> = fc.record(
  Object.fromEntries(QUESTIONS.map((q) => [q.id, fc.constantFrom(...q.options.map((o) => o.id), DONT_KNOW)])),
  { requiredKeys: [] },
);

export const weightsArb: fc.Arbitrary<WeightOverrides> = fc.record(
  Object.fromEntries(CRITERION_IDS.map((c) => [c, fc.double({ min: 0, max: 20, noNaN: true, noDefaultInfinity: true })])) as Record<CriterionId, fc.Arbitrary<number>>,
  { requiredKeys: [] },
);

export const criterionArb: fc.Arbitrary<CriterionId> = fc.constantFrom(...CRITERION_IDS);

/** Weights as a person sets them on the page (steps of 0.5). Tipping points are exact up to floating
 *  point; with weights near the subnormal range "just past" and "just before" stop being different numbers. */
export const uiWeightsArb: fc.Arbitrary<WeightOverrides> = fc.record(
  Object.fromEntries(CRITERION_IDS.map((c) => [c, fc.integer({ min: 0, max: 40 }).map((n) => n / 2)])) as Record<CriterionId, fc.Arbitrary<number>>,
  { requiredKeys: [] },
);
