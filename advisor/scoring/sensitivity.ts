// Sensitivity: the smallest change that would put another option first.
// - Answers: every single-answer change is tried; only if none changes the leader are pairs of changes
//   tried. Each change is a delta on the model (model.ts): a pair costs a few additions, not a re-scoring,
//   and the pairs tried are bounded (MAX_PAIR_TRIALS). Changes are listed most decisive first: by the
//   new leader's lead, so the list starts with the changes worth discussing (issue 13, defect 6: the pair
//   list showed the first six pairs found in question order). Every listed change is checked by scoring
//   the changed answers from scratch.
// - Weights: a weighted sum is linear in each weight, so for criterion c and challenger B the weight at
//   which B ties the leader A is exact: diff(w) = sum_k w_k (r_A,k - r_B,k); moving w_c by delta moves
//   diff by delta (r_A,c - r_B,c). Normalising by the total weight divides both scores by the same
//   number, so it never changes the order (Triantaphyllou & Sanchez 1997, absolute-change threshold).
import { DONT_KNOW, type CriterionId, type TechnologyId } from '../knowledge/types.ts';
import { TIE_MARGIN } from './decision.ts';
import { compile, deltaOf, leaderOf, leadOf, standing, stateOf, type Delta } from './model.ts';
import { DEFAULT_KNOWLEDGE, type Knowledge, type RecommendationInput, type Scored } from './score.ts';

export interface AnswerChangeStep {
  questionId: string;
  /** The question's text (full detail only; the questionnaire has it). */
  question?: string;
  from: string;
  /** Full detail only (the questionnaire has the labels). */
  fromLabel?: string;
  to: string;
  toLabel?: string;
}

export interface AnswerChange {
  steps: AnswerChangeStep[];
  newTop: TechnologyId;
  newTopName: string;
  /** The new leader's lead over its runner-up after the change (points; how decisive the change is). */
  newLead: number;
}

export interface WeightChange {
  criterion: CriterionId;
  name: string;
  from: number;
  /** The tipping point: moving the weight beyond this value (in the stated direction) changes the top. */
  to: number;
  direction: 'raise' | 'lower';
  newTop: TechnologyId;
  newTopName: string;
}

export interface Sensitivity {
  top: TechnologyId | null;
  runnerUp: { technology: TechnologyId; name: string; gap: number } | null;
  /** The fewest answer changes that change the top recommendation (one change if any exists), most decisive first. */
  answerChanges: AnswerChange[];
  /** How many answer combinations were tried (bounded by MAX_PAIR_TRIALS for pairs). */
  answerTrials: number;
  /** Per criterion, the smallest weight change that changes the top recommendation, smallest first. */
  weightChanges: WeightChange[];
  summary: string;
}

const MAX_LISTED = 6;
/** Kept while scanning: a few more than listed, in case a near-tie change is not confirmed from scratch. */
const KEPT = MAX_LISTED * 2;
/**
 * Pairs tried at most. With 19 questions of 2–7 options there are ~67 single changes and ~2,100 pairs
 * across questions; each pair is a handful of additions. The bound keeps the work fixed if the
 * questionnaire grows.
 */
export const MAX_PAIR_TRIALS = 6000;
/** Below this lead (points) a change found incrementally is confirmed by scoring it from scratch. */
const NEAR_TIE = 1e-6;
/** Two weight changes this close in size are the same size. */
const SAME_SIZE = 1e-9;

function labelOf(knowledge: Knowledge, questionId: string, optionId: string): string {
  if (optionId === DONT_KNOW) return "Don't know";
  return knowledge.questions.find((q) => q.id === questionId)?.options.find((o) => o.id === optionId)?.label ?? optionId;
}

function step(knowledge: Knowledge, input: RecommendationInput, questionId: string, to: string): AnswerChangeStep {
  const from = input.answers[questionId] ?? DONT_KNOW;
  return {
    questionId,
    question: knowledge.questions.find((q) => q.id === questionId)?.text ?? questionId,
    from,
    fromLabel: labelOf(knowledge, questionId, from),
    to,
    toLabel: labelOf(knowledge, questionId, to),
  };
}

export function answerSensitivity(input: RecommendationInput, base: Scored, knowledge: Knowledge = DEFAULT_KNOWLEDGE): { changes: AnswerChange[]; trials: number } {
  const leader = base.results[0];
  if (!leader?.eligible) return { changes: [], trials: 0 };
  const ck = compile(knowledge);
  const state = stateOf(ck, input);
  const leaderIndex = ck.technologies.indexOf(leader.technology);
  const nameOf = (t: number) => ck.names[t] ?? String(t);

  const deltas: Delta[] = [];
  ck.questions.forEach((q, qi) => {
    const current = input.answers[q.id] ?? DONT_KNOW;
    for (const id of [...q.options.map((o) => o.id), DONT_KNOW]) {
      if (id !== current) deltas.push(deltaOf(ck, state, input, qi, id));
    }
  });

  type Found = { deltas: Delta[]; top: number; lead: number };
  // Only the most decisive few are kept while scanning (sorted by lead, ties in the order found): an
  // answer set can have hundreds of flipping pairs, and keeping and sorting them all cost more than finding them.
  const found: Found[] = [];
  let flips = 0;
  let trials = 0;
  const consider = (a: Delta, b: Delta | null) => {
    trials++;
    const { top, lead } = leaderOf(state, a, b);
    if (top < 0 || top === leaderIndex) return;
    flips++;
    if (found.length >= KEPT && lead <= (found[found.length - 1] as Found).lead) return;
    let at = found.length;
    while (at > 0 && (found[at - 1] as Found).lead < lead) at--;
    found.splice(at, 0, { deltas: b ? [a, b] : [a], top, lead });
    if (found.length > KEPT) found.pop();
  };
  for (const d of deltas) consider(d, null);
  if (flips === 0) {
    pairs: for (let i = 0; i < deltas.length; i++) {
      for (let j = i + 1; j < deltas.length; j++) {
        const a = deltas[i] as Delta;
        const b = deltas[j] as Delta;
        if (a.questionIndex === b.questionIndex) continue;
        if (trials >= MAX_PAIR_TRIALS + deltas.length) break pairs;
        consider(a, b);
      }
    }
  }

  // Most decisive first; among equals, the data order (questions as listed).
  const changes: AnswerChange[] = [];
  for (const f of found) {
    if (changes.length >= MAX_LISTED) break;
    let lead = f.lead;
    if (lead < NEAR_TIE) {
      // Near a tie the incremental sums can differ from a fresh scoring in the last bits: ask the latter.
      const answers: Record<string, string | undefined> = { ...input.answers };
      for (const d of f.deltas) answers[ck.questions[d.questionIndex]?.id ?? ''] = d.to;
      const check = standing(stateOf(ck, { answers, weights: input.weights }));
      if (check.order[0] !== f.top) continue;
      lead = leadOf(check);
    }
    changes.push({
      steps: f.deltas.map((d) => step(knowledge, input, ck.questions[d.questionIndex]?.id ?? '', d.to)),
      newTop: ck.technologies[f.top] as TechnologyId,
      newTopName: nameOf(f.top),
      newLead: lead,
    });
  }
  return { changes, trials };
}

export function weightSensitivity(base: Scored, knowledge: Knowledge = DEFAULT_KNOWLEDGE): WeightChange[] {
  const leader = base.results[0];
  if (!leader?.eligible || base.totalWeight <= 0) return [];
  const challengers = base.results.filter((r) => r.eligible && r.technology !== leader.technology);
  const ratings = new Map(knowledge.technologies.map((t) => [t.id, t.ratings]));
  const ratingOf = (tech: TechnologyId, c: CriterionId) => ratings.get(tech)?.[c].rating ?? 0;
  // Unnormalised lead of the leader over each challenger: computed once, not once per criterion.
  const leads = new Map(
    challengers.map((ch) => [ch.technology, base.weights.reduce((sum, k) => sum + k.weight * (ratingOf(leader.technology, k.criterion) - ratingOf(ch.technology, k.criterion)), 0)]),
  );
  const changes: WeightChange[] = [];
  for (const w of base.weights) {
    let best: WeightChange | null = null;
    let bestSlope = 0;
    for (const challenger of challengers) {
      const lead = leads.get(challenger.technology) ?? 0;
      const d = ratingOf(leader.technology, w.criterion) - ratingOf(challenger.technology, w.criterion);
      if (d === 0) continue;
      const delta = -lead / d; // the change of w_c at which the two tie
      const to = w.weight + delta;
      const direction = d < 0 ? 'raise' : 'lower';
      // Lowering must go below `to`, so `to` must be above zero; weights are never negative.
      if (to < 0 || (direction === 'lower' && to <= SAME_SIZE)) continue;
      const candidate: WeightChange = {
        criterion: w.criterion,
        name: w.name,
        from: w.weight,
        to,
        direction,
        newTop: challenger.technology,
        newTopName: challenger.name,
      };
      const size = Math.abs(to - w.weight);
      const bestSize = best ? Math.abs(best.to - best.from) : Infinity;
      if (size < bestSize - SAME_SIZE) {
        best = candidate;
        bestSlope = Math.abs(d);
      } else if (best && Math.abs(size - bestSize) <= SAME_SIZE && Math.abs(d) > bestSlope) {
        // Two challengers tie the leader at the same weight: just past it, the one gaining faster leads.
        // (Equal slopes keep the earlier one: the ranking breaks exact ties by data order.)
        best = candidate;
        bestSlope = Math.abs(d);
      }
    }
    if (best) changes.push(best);
  }
  return changes.sort((a, b) => Math.abs(a.to - a.from) - Math.abs(b.to - b.from));
}

const round1 = (n: number) => Math.round(n * 10) / 10;

export function sensitivity(input: RecommendationInput, base: Scored, knowledge: Knowledge = DEFAULT_KNOWLEDGE): Sensitivity {
  const eligible = base.results.filter((r) => r.eligible);
  const [first, second] = eligible;
  const runnerUp = first && second ? { technology: second.technology, name: second.name, gap: first.score - second.score } : null;
  const { changes: answerChanges, trials: answerTrials } = answerSensitivity(input, base, knowledge);
  const weightChanges = weightSensitivity(base, knowledge);
  const parts: string[] = [];
  if (!first) parts.push('Every option is knocked out by a constraint: no recommendation.');
  else if (!runnerUp) parts.push(`${first.name} is the only option left after the knock-outs.`);
  else if (runnerUp.gap < TIE_MARGIN) parts.push(`${first.name} and ${runnerUp.name} are ${round1(runnerUp.gap)} points apart: within the tie margin (${TIE_MARGIN}).`);
  else parts.push(`${first.name} leads ${runnerUp.name} by ${round1(runnerUp.gap)} points.`);
  const a = answerChanges[0];
  if (a) {
    const what = a.steps.map((s) => `"${s.question}" from "${s.fromLabel}" to "${s.toLabel}"`).join(' and ');
    parts.push(`Changing ${what} would make ${a.newTopName} the top recommendation.`);
  } else if (first && runnerUp) {
    parts.push('No change of one or two answers changes the top recommendation.');
  }
  const w = weightChanges[0];
  if (w) {
    parts.push(`The smallest weight change: ${w.direction} "${w.name}" from ${round1(w.from)} to ${w.direction === 'raise' ? 'above' : 'below'} ${round1(w.to)} and ${w.newTopName} comes first.`);
  }
  return { top: base.top, runnerUp, answerChanges, answerTrials, weightChanges, summary: parts.join(' ') };
}
