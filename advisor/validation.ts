// Request validation: strict objects (unknown fields are refused) built from the knowledge data, so a
// new question or criterion is accepted by the API as soon as it exists in the data.
import { z } from 'zod';
import { QUESTIONS } from './knowledge/questions.ts';
import { CRITERION_IDS, DONT_KNOW } from './knowledge/types.ts';
import type { RecommendationInput, WeightOverrides } from './scoring/score.ts';

export const MAX_WEIGHT = 20;

const answersSchema = z.strictObject(
  Object.fromEntries(
    QUESTIONS.map((q) => [q.id, z.enum([...q.options.map((o) => o.id), DONT_KNOW]).optional()]),
  ),
);

const weightsSchema = z.strictObject(
  Object.fromEntries(CRITERION_IDS.map((c) => [c, z.number().finite().min(0).max(MAX_WEIGHT).optional()])),
);

export const recommendationRequestSchema = z.strictObject({
  answers: answersSchema,
  weights: weightsSchema.optional(),
});

export const adrRequestSchema = z.strictObject({
  answers: answersSchema,
  weights: weightsSchema.optional(),
  title: z.string().trim().min(1).max(120).optional(),
});

export interface FieldIssue {
  field: string;
  message: string;
}

/** Zod issues as one message per field, with dotted paths ("answers.platform"). */
export function fieldIssues(error: z.ZodError): FieldIssue[] {
  const out: FieldIssue[] = [];
  for (const issue of error.issues) {
    const base = issue.path.map(String);
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) out.push({ field: [...base, key].join('.'), message: 'Unknown field.' });
    } else {
      out.push({ field: base.join('.') || '(body)', message: issue.message });
    }
  }
  return out;
}

export function toRecommendationInput(body: { answers: Record<string, string | undefined>; weights?: Record<string, number | undefined> | undefined }): RecommendationInput {
  const weights: Partial<Record<(typeof CRITERION_IDS)[number], number>> = {};
  for (const c of CRITERION_IDS) {
    const w = body.weights?.[c];
    if (w !== undefined) weights[c] = w;
  }
  return { answers: body.answers, weights: weights as WeightOverrides };
}
