// Sensitivity: the smallest change that would put another option first.
// - Answers: every single-answer change is tried; only if none changes the top recommendation are
//   pairs of changes tried. Each change is verified by re-scoring, not estimated.
// - Weights: a weighted sum is linear in each weight, so for criterion c and challenger B the weight at
//   which B ties the leader A is exact: diff(w) = sum_k w_k (r_A,k - r_B,k); moving w_c by delta moves
//   diff by delta (r_A,c - r_B,c). Normalising by the total weight divides both scores by the same
//   number, so it never changes the order (Triantaphyllou & Sanchez 1997, absolute-change threshold).
import { DONT_KNOW, type CriterionId, type TechnologyId } from '../knowledge/types.ts';
import { DEFAULT_KNOWLEDGE, score, type Knowledge, type RecommendationInput, type Scored } from './score.ts';

export interface AnswerChangeStep {
  questionId: string;
  question: string;
  from: string;
  fromLabel: string;
  to: string;
  toLabel: string;
}

export interface AnswerChange {
  steps: AnswerChangeStep[];
  newTop: TechnologyId;
  newTopName: string;
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
  /** The fewest answer changes that change the top recommendation (one change if any exists). */
  answerChanges: AnswerChange[];
  /** Per criterion, the smallest weight change that changes the top recommendation, smallest first. */
  weightChanges: WeightChange[];
  summary: string;
}

const MAX_LISTED = 6;
/** Two weight changes this close in size are the same size. */
const SAME_SIZE = 1e-9;

function labelOf(knowledge: Knowledge, questionId: string, optionId: string): string {
  if (optionId === DONT_KNOW) return "Don't know";
  return knowledge.questions.find((q) => q.id === questionId)?.options.find((o) => o.id === optionId)?.label ?? optionId;
}

function alternativesFor(knowledge: Knowledge, input: RecommendationInput): { questionId: string; to: string }[] {
  const out: { questionId: string; to: string }[] = [];
  for (const q of knowledge.questions) {
    const current = input.answers[q.id] ?? DONT_KNOW;
    for (const id of [...q.options.map((o) => o.id), DONT_KNOW]) {
      if (id !== current) out.push({ questionId: q.id, to: id });
    }
  }
  return out;
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

export function answerSensitivity(input: RecommendationInput, base: Scored, knowledge: Knowledge = DEFAULT_KNOWLEDGE): AnswerChange[] {
  if (base.top === null) return [];
  const alternatives = alternativesFor(knowledge, input);
  const nameOf = (id: TechnologyId) => base.results.find((r) => r.technology === id)?.name ?? id;
  const withChanges = (changes: { questionId: string; to: string }[]): RecommendationInput => {
    const answers: Record<string, string | undefined> = { ...input.answers };
    for (const c of changes) answers[c.questionId] = c.to;
    return { answers, weights: input.weights };
  };

  const singles: (AnswerChange & { margin: number })[] = [];
  for (const alt of alternatives) {
    const rescored = score(withChanges([alt]), knowledge);
    if (rescored.top !== null && rescored.top !== base.top) {
      const margin = (rescored.results[0]?.score ?? 0) - (rescored.results[1]?.score ?? 0);
      singles.push({ steps: [step(knowledge, input, alt.questionId, alt.to)], newTop: rescored.top, newTopName: nameOf(rescored.top), margin });
    }
  }
  if (singles.length > 0) {
    // The changes that flip most decisively first: they are the ones worth discussing.
    return singles.sort((a, b) => b.margin - a.margin).slice(0, MAX_LISTED).map(({ margin: _m, ...rest }) => rest);
  }

  const pairs: AnswerChange[] = [];
  for (let i = 0; i < alternatives.length && pairs.length < MAX_LISTED; i++) {
    for (let j = i + 1; j < alternatives.length && pairs.length < MAX_LISTED; j++) {
      const a = alternatives[i];
      const b = alternatives[j];
      if (!a || !b || a.questionId === b.questionId) continue;
      const rescored = score(withChanges([a, b]), knowledge);
      if (rescored.top !== null && rescored.top !== base.top) {
        pairs.push({
          steps: [step(knowledge, input, a.questionId, a.to), step(knowledge, input, b.questionId, b.to)],
          newTop: rescored.top,
          newTopName: nameOf(rescored.top),
        });
      }
    }
  }
  return pairs;
}

export function weightSensitivity(base: Scored, knowledge: Knowledge = DEFAULT_KNOWLEDGE): WeightChange[] {
  const leader = base.results[0];
  if (!leader?.eligible || base.totalWeight <= 0) return [];
  const challengers = base.results.filter((r) => r.eligible && r.technology !== leader.technology);
  const ratingOf = (tech: TechnologyId, c: CriterionId) => knowledge.technologies.find((t) => t.id === tech)?.ratings[c].rating ?? 0;
  const changes: WeightChange[] = [];
  for (const w of base.weights) {
    let best: WeightChange | null = null;
    let bestSlope = 0;
    for (const challenger of challengers) {
      // Unnormalised lead of the leader over this challenger.
      let lead = 0;
      for (const k of base.weights) lead += k.weight * (ratingOf(leader.technology, k.criterion) - ratingOf(challenger.technology, k.criterion));
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
  const answerChanges = answerSensitivity(input, base, knowledge);
  const weightChanges = weightSensitivity(base, knowledge);
  const parts: string[] = [];
  if (!first) parts.push('Every option is knocked out by a constraint: no recommendation.');
  else if (!runnerUp) parts.push(`${first.name} is the only option left after the knock-outs.`);
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
  return { top: base.top, runnerUp, answerChanges, weightChanges, summary: parts.join(' ') };
}
