// The scoring model, pure and deterministic: answers -> weights per criterion -> a weighted sum of
// ratings per technology, after knock-outs. Every number on the result page can be recomputed by hand
// from the data in advisor/knowledge (docs/advisor.md walks through one example).
import { CRITERIA } from '../knowledge/criteria.ts';
import { QUESTIONS } from '../knowledge/questions.ts';
import { TECHNOLOGIES } from '../knowledge/technologies.ts';
import {
  DONT_KNOW,
  MAX_RATING,
  type Criterion,
  type CriterionId,
  type Question,
  type Rating,
  type Source,
  type TechnologyId,
  type TechnologyProfile,
} from '../knowledge/types.ts';

export interface Knowledge {
  questions: readonly Question[];
  technologies: readonly TechnologyProfile[];
  criteria: readonly Criterion[];
  /** Weight every recommendation starts from, before any answer. */
  baseline: Partial<Record<CriterionId, number>>;
}

/**
 * Empty on purpose. A baseline may only hold what every event store must do, and every option here
 * appends durably and reads a stream back in order: that is the floor, not a criterion that separates
 * them. The old baseline (1 each on optimistic concurrency, stream reads, global replay, subscriptions)
 * weighed three of Kafka's weakest criteria for every team, whatever it answered (issue 13, defect 1).
 * With nothing answered every weight is 0, and the decision says "insufficient answers".
 */
export const BASELINE_WEIGHTS: Partial<Record<CriterionId, number>> = {};

export const DEFAULT_KNOWLEDGE: Knowledge = {
  questions: QUESTIONS,
  technologies: TECHNOLOGIES,
  criteria: CRITERIA,
  baseline: BASELINE_WEIGHTS,
};

/** questionId -> optionId (or DONT_KNOW). A missing question counts as "don't know". */
export type Answers = Readonly<Record<string, string | undefined>>;
/** Replaces the weight the answers give a criterion. */
export type WeightOverrides = Readonly<Partial<Record<CriterionId, number>>>;

export interface RecommendationInput {
  answers: Answers;
  weights?: WeightOverrides;
}

export type WeightSource =
  | { kind: 'baseline' }
  | { kind: 'answer'; questionId: string; optionId: string; label: string }
  | { kind: 'override'; criterion: CriterionId };

export interface CriterionWeight {
  criterion: CriterionId;
  name: string;
  /** Weight from the baseline and the answers. */
  derived: number;
  /** Weight set explicitly by the user, if any. */
  override: number | null;
  /** The weight used: the override if set, else the derived weight. */
  weight: number;
  sources: { source: WeightSource; amount: number }[];
}

export interface BreakdownEntry {
  criterion: CriterionId;
  name: string;
  weight: number;
  rating: Rating;
  /** weight x rating / (5 x total weight) x 100: the points this criterion adds to the score. */
  points: number;
  rationale: string;
  sources: Source[];
}

export interface Contribution {
  source: WeightSource;
  points: number;
}

export interface KnockOutHit {
  questionId: string;
  answerLabel: string;
  reason: string;
  source: Source;
}

export interface StrengthOrRisk {
  criterion: CriterionId;
  name: string;
  rating: Rating;
  weight: number;
  rationale: string;
  mitigation: string | null;
}

export interface TechnologyResult {
  technology: TechnologyId;
  name: string;
  summary: string;
  eligible: boolean;
  /** 1-based rank among eligible options; null when knocked out. */
  rank: number | null;
  /** 0..100: the weighted mean rating as a percentage of the best possible. */
  score: number;
  knockOuts: KnockOutHit[];
  breakdown: BreakdownEntry[];
  contributions: Contribution[];
  strengths: StrengthOrRisk[];
  risks: StrengthOrRisk[];
}

export interface AnsweredQuestion {
  questionId: string;
  text: string;
  optionId: string;
  label: string;
}

export interface Scored {
  results: TechnologyResult[];
  weights: CriterionWeight[];
  totalWeight: number;
  answered: AnsweredQuestion[];
  neutral: { questionId: string; text: string }[];
  top: TechnologyId | null;
}

/**
 * Scores this close, relative to their size, are a tie (floating-point noise); ties keep the order of
 * the data. Relative, because normalising by the total weight scales every score by the same factor:
 * an absolute threshold would turn a real lead into a tie just by adding weight elsewhere.
 */
export const RELATIVE_TIE = 1e-12;
export function isTie(a: number, b: number): boolean {
  return Math.abs(a - b) <= RELATIVE_TIE * Math.max(Math.abs(a), Math.abs(b));
}

function optionOf(question: Question, optionId: string | undefined) {
  if (optionId === undefined || optionId === DONT_KNOW) return undefined;
  return question.options.find((o) => o.id === optionId);
}

/** The chosen option of every question (undefined for "don't know"), resolved once per request. */
function chosenOptions(input: RecommendationInput, knowledge: Knowledge) {
  return knowledge.questions.map((question) => ({ question, option: optionOf(question, input.answers[question.id]) }));
}

export function computeWeights(input: RecommendationInput, knowledge: Knowledge = DEFAULT_KNOWLEDGE, chosen = chosenOptions(input, knowledge)): CriterionWeight[] {
  // One pass over the answers, not one per criterion (this runs on every request).
  const byCriterion = new Map<CriterionId, CriterionWeight['sources']>();
  for (const { question, option } of chosen) {
    if (!option) continue;
    for (const [criterion, amount] of Object.entries(option.weights) as [CriterionId, number][]) {
      if (amount > 0) {
        const list = byCriterion.get(criterion) ?? [];
        list.push({ source: { kind: 'answer', questionId: question.id, optionId: option.id, label: option.label }, amount });
        byCriterion.set(criterion, list);
      }
    }
  }
  return knowledge.criteria.map((criterion) => {
    const base = knowledge.baseline[criterion.id] ?? 0;
    const sources: CriterionWeight['sources'] = base > 0 ? [{ source: { kind: 'baseline' }, amount: base }] : [];
    sources.push(...(byCriterion.get(criterion.id) ?? []));
    const derived = sources.reduce((sum, s) => sum + s.amount, 0);
    const override = input.weights?.[criterion.id];
    if (override === undefined) return { criterion: criterion.id, name: criterion.name, derived, override: null, weight: derived, sources };
    // An override replaces what the answers gave this criterion, so the whole weight is attributed to it.
    return { criterion: criterion.id, name: criterion.name, derived, override, weight: override, sources: override > 0 ? [{ source: { kind: 'override', criterion: criterion.id }, amount: override }] : [] };
  });
}

/** One contribution per answer (or override, or the baseline): the key that groups a weight's sources. */
function sourceKey(s: WeightSource): string {
  return s.kind === 'answer' ? `answer:${s.questionId}` : s.kind === 'override' ? `override:${s.criterion}` : 'baseline';
}

/** `contributions: false` skips splitting each score by answer (the lean API response does not show it). */
export function score(input: RecommendationInput, knowledge: Knowledge = DEFAULT_KNOWLEDGE, options: { contributions?: boolean } = {}): Scored {
  const withContributions = options.contributions ?? true;
  const chosen = chosenOptions(input, knowledge);
  const weights = computeWeights(input, knowledge, chosen);
  const totalWeight = weights.reduce((sum, w) => sum + w.weight, 0);
  // points = weight share x rating / 5 x 100, so a technology rated 5 everywhere scores 100. Dividing the
  // weight by the total first keeps tiny (even subnormal) weights from overflowing to Infinity.
  const points = (weight: number, rating: number) => (totalWeight > 0 ? ((weight / totalWeight) * rating * 100) / MAX_RATING : 0);

  const answered: AnsweredQuestion[] = [];
  const neutral: Scored['neutral'] = [];
  for (const { question, option } of chosen) {
    if (option) answered.push({ questionId: question.id, text: question.text, optionId: option.id, label: option.label });
    else neutral.push({ questionId: question.id, text: question.text });
  }

  const weightedCriteria = weights.filter((w) => w.weight > 0);
  const unranked = knowledge.technologies.map((tech): TechnologyResult => {
    const knockOuts: KnockOutHit[] = [];
    for (const { question, option } of chosen) {
      for (const k of option?.knockOuts ?? []) {
        if (k.technology === tech.id) knockOuts.push({ questionId: question.id, answerLabel: option?.label ?? '', reason: k.reason, source: k.source });
      }
    }
    // Only the criteria that weigh: a zero-weight criterion adds no points and explains nothing.
    const breakdown: BreakdownEntry[] = weightedCriteria.map((w) => {
      const r = tech.ratings[w.criterion];
      return { criterion: w.criterion, name: w.name, weight: w.weight, rating: r.rating, points: points(w.weight, r.rating), rationale: r.rationale, sources: r.sources };
    });
    const contributions: Contribution[] = [];
    const bySource = new Map<string, Contribution>();
    for (const w of withContributions ? weights : []) {
      const rating = tech.ratings[w.criterion].rating;
      for (const s of w.sources) {
        const share = points(s.amount, rating);
        const key = sourceKey(s.source);
        const existing = bySource.get(key);
        if (existing) existing.points += share;
        else {
          const c = { source: s.source, points: share };
          bySource.set(key, c);
          contributions.push(c);
        }
      }
    }
    const weighted = (entry: BreakdownEntry): StrengthOrRisk => ({
      criterion: entry.criterion,
      name: entry.name,
      rating: entry.rating,
      weight: entry.weight,
      rationale: entry.rationale,
      mitigation: tech.ratings[entry.criterion].mitigation ?? null,
    });
    const strengths = breakdown
      .filter((b) => b.weight > 0 && b.rating >= 4)
      .sort((a, b) => b.points - a.points)
      .slice(0, 4)
      .map(weighted);
    const risks = breakdown
      .filter((b) => b.weight > 0 && b.rating <= 2)
      .sort((a, b) => b.weight * (MAX_RATING - b.rating) - a.weight * (MAX_RATING - a.rating))
      .map(weighted);
    // Σ weight × rating first, divided once: the same arithmetic as model.ts, so ties rank the same.
    const weightedSum = weights.reduce((sum, w) => sum + w.weight * tech.ratings[w.criterion].rating, 0);
    return {
      technology: tech.id,
      name: tech.name,
      summary: tech.summary,
      eligible: knockOuts.length === 0,
      rank: null,
      score: totalWeight > 0 ? (weightedSum / totalWeight) * (100 / MAX_RATING) : 0,
      knockOuts,
      breakdown,
      contributions,
      strengths,
      risks,
    };
  });

  const results = rankResults(unranked);
  const first = results[0];
  return { results, weights, totalWeight, answered, neutral, top: first?.eligible ? first.technology : null };
}

/** Eligible options by score (ties keep data order), then knocked-out options by score. */
function rankResults(results: TechnologyResult[]): TechnologyResult[] {
  const order = new Map(results.map((r, i) => [r.technology, i]));
  const sorted = [...results].sort((a, b) => {
    if (a.eligible !== b.eligible) return a.eligible ? -1 : 1;
    if (!isTie(a.score, b.score)) return b.score - a.score;
    return (order.get(a.technology) ?? 0) - (order.get(b.technology) ?? 0);
  });
  let rank = 0;
  return sorted.map((r) => ({ ...r, rank: r.eligible ? ++rank : null }));
}
