// The scoring model as numbers only: a weight vector per answer set and a rating matrix per technology.
// score.ts builds the explained result a person reads; this file answers "who leads, by how much" in
// microseconds, so that sensitivity and the decision can try hundreds of answer changes per request
// (issue 13: re-scoring through score() cost 10–35 ms per request). Both compute the same numbers; a
// property test (model.unit.spec.ts) checks they agree.
import { DONT_KNOW, MAX_RATING, type CriterionId, type TechnologyId } from '../knowledge/types.ts';
import { isTie, type Knowledge, type RecommendationInput } from './score.ts';

export interface CompiledOption {
  id: string;
  label: string;
  /** Weight added per criterion index. */
  weights: Float64Array;
  /** The same, only the criteria it weights: options weight one to three criteria of twenty-odd. */
  sparse: { criterion: number; weight: number }[];
  /** Technology indexes this option knocks out. */
  knockOuts: number[];
}

export interface CompiledQuestion {
  id: string;
  text: string;
  options: CompiledOption[];
  /** The options plus "don't know" (no weight, no knock-out), keyed by id. */
  byId: Map<string, CompiledOption>;
}

export interface CompiledKnowledge {
  knowledge: Knowledge;
  criteria: CriterionId[];
  technologies: TechnologyId[];
  names: string[];
  /** ratings[t][c] */
  ratings: Float64Array[];
  baseline: Float64Array;
  questions: CompiledQuestion[];
}

const compiled = new WeakMap<Knowledge, CompiledKnowledge>();

export function compile(knowledge: Knowledge): CompiledKnowledge {
  const cached = compiled.get(knowledge);
  if (cached) return cached;
  const criteria = knowledge.criteria.map((c) => c.id);
  const technologies = knowledge.technologies.map((t) => t.id);
  const vector = (w: Partial<Record<CriterionId, number>>) => Float64Array.from(criteria, (c) => w[c] ?? 0);
  const questions = knowledge.questions.map((q): CompiledQuestion => {
    const options = q.options.map((o) => ({
      id: o.id,
      label: o.label,
      weights: vector(o.weights),
      sparse: criteria.flatMap((c, i) => ((o.weights[c] ?? 0) > 0 ? [{ criterion: i, weight: o.weights[c] ?? 0 }] : [])),
      knockOuts: (o.knockOuts ?? []).map((k) => technologies.indexOf(k.technology)).filter((i) => i >= 0),
    }));
    const dontKnow: CompiledOption = { id: DONT_KNOW, label: "Don't know", weights: new Float64Array(criteria.length), sparse: [], knockOuts: [] };
    return { id: q.id, text: q.text, options, byId: new Map([...options, dontKnow].map((o) => [o.id, o])) };
  });
  const result: CompiledKnowledge = {
    knowledge,
    criteria,
    technologies,
    names: knowledge.technologies.map((t) => t.name),
    ratings: knowledge.technologies.map((t) => Float64Array.from(criteria, (c) => t.ratings[c].rating)),
    baseline: vector(knowledge.baseline),
    questions,
  };
  compiled.set(knowledge, result);
  return result;
}

/** The state an answer set puts the model in: weights, per-technology weighted sums and knock-out counts. */
export interface ModelState {
  weights: Float64Array;
  /** true where a weight override fixes the criterion: answer changes do not move it. */
  fixed: boolean[];
  total: number;
  /** Σ_c weight_c × rating_t,c, per technology. */
  sums: Float64Array;
  knockOuts: Int32Array;
}

export function chosenOption(q: CompiledQuestion, answer: string | undefined): CompiledOption {
  return q.byId.get(answer ?? DONT_KNOW) ?? (q.byId.get(DONT_KNOW) as CompiledOption);
}

export function stateOf(ck: CompiledKnowledge, input: RecommendationInput): ModelState {
  const n = ck.criteria.length;
  const weights = Float64Array.from(ck.baseline);
  const knockOuts = new Int32Array(ck.technologies.length);
  for (const q of ck.questions) {
    const o = chosenOption(q, input.answers[q.id]);
    for (let c = 0; c < n; c++) weights[c] = (weights[c] ?? 0) + (o.weights[c] ?? 0);
    for (const t of o.knockOuts) knockOuts[t] = (knockOuts[t] ?? 0) + 1;
  }
  const fixed = ck.criteria.map((c) => input.weights?.[c] !== undefined);
  ck.criteria.forEach((c, i) => {
    const override = input.weights?.[c];
    if (override !== undefined) weights[i] = override;
  });
  let total = 0;
  for (let c = 0; c < n; c++) total += weights[c] ?? 0;
  const sums = new Float64Array(ck.ratings.length);
  for (let t = 0; t < ck.ratings.length; t++) {
    const r = ck.ratings[t] as Float64Array;
    let s = 0;
    for (let c = 0; c < n; c++) s += (weights[c] ?? 0) * (r[c] ?? 0);
    sums[t] = s;
  }
  return { weights, fixed, total, sums, knockOuts };
}

/** What changing one question's answer does to the state: added to a ModelState, not applied to it. */
export interface Delta {
  questionIndex: number;
  to: string;
  total: number;
  sums: Float64Array;
  knockOuts: Int32Array;
}

function addSparse(ck: CompiledKnowledge, state: ModelState, sums: Float64Array, entries: CompiledOption['sparse'], sign: number): number {
  let total = 0;
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i] as CompiledOption['sparse'][number];
    if (state.fixed[e.criterion]) continue; // an override replaces whatever the answers say
    const w = sign * e.weight;
    total += w;
    for (let t = 0; t < sums.length; t++) sums[t] = (sums[t] ?? 0) + w * (ck.ratings[t]?.[e.criterion] ?? 0);
  }
  return total;
}

export function deltaOf(ck: CompiledKnowledge, state: ModelState, input: RecommendationInput, questionIndex: number, to: string): Delta {
  const q = ck.questions[questionIndex] as CompiledQuestion;
  const from = chosenOption(q, input.answers[q.id]);
  const next = chosenOption(q, to);
  const sums = new Float64Array(ck.technologies.length);
  // No closure here: this runs ~100 times per request (once per alternative answer).
  const total = addSparse(ck, state, sums, from.sparse, -1) + addSparse(ck, state, sums, next.sparse, 1);
  const knockOuts = new Int32Array(ck.technologies.length);
  for (const t of from.knockOuts) knockOuts[t] = (knockOuts[t] ?? 0) - 1;
  for (const t of next.knockOuts) knockOuts[t] = (knockOuts[t] ?? 0) + 1;
  return { questionIndex, to, total, sums, knockOuts };
}

export interface Standing {
  /** Scores 0..100 per technology index (knocked-out ones too). */
  scores: Float64Array;
  eligible: boolean[];
  /** Eligible technology indexes, best first (ties keep data order, as the ranking does). */
  order: number[];
}

/** Scores of a state plus any number of deltas (each for a different question). */
export function standing(state: ModelState, deltas: readonly Delta[] = []): Standing {
  const count = state.sums.length;
  let total = state.total;
  for (const d of deltas) total += d.total;
  const scores = new Float64Array(count);
  const eligible: boolean[] = [];
  for (let t = 0; t < count; t++) {
    let sum = state.sums[t] ?? 0;
    let ko = state.knockOuts[t] ?? 0;
    for (const d of deltas) {
      sum += d.sums[t] ?? 0;
      ko += d.knockOuts[t] ?? 0;
    }
    // The same arithmetic as score.ts, so both rank ties identically.
    scores[t] = total > 0 ? (sum / total) * (100 / MAX_RATING) : 0;
    eligible.push(ko === 0);
  }
  const order = [...Array(count).keys()].filter((t) => eligible[t]);
  order.sort((a, b) => {
    const sa = scores[a] ?? 0;
    const sb = scores[b] ?? 0;
    return isTie(sa, sb) ? a - b : sb - sa;
  });
  return { scores, eligible, order };
}

/**
 * The leader and its lead for a state plus one or two deltas, without allocating: the inner loop of
 * the pair search (thousands of calls per request). Same arithmetic and tie rule as standing().
 */
export function leaderOf(state: ModelState, a: Delta, b: Delta | null): { top: number; lead: number } {
  const total = state.total + a.total + (b ? b.total : 0);
  let top = -1;
  let first = -Infinity;
  let second = -Infinity;
  for (let t = 0; t < state.sums.length; t++) {
    const ko = (state.knockOuts[t] ?? 0) + (a.knockOuts[t] ?? 0) + (b ? (b.knockOuts[t] ?? 0) : 0);
    if (ko !== 0) continue;
    const sum = (state.sums[t] ?? 0) + (a.sums[t] ?? 0) + (b ? (b.sums[t] ?? 0) : 0);
    const score = total > 0 ? (sum / total) * (100 / MAX_RATING) : 0;
    // Ties keep data order: a later technology must beat the leader, not just equal it.
    if (top < 0 || (score > first && !isTie(score, first))) {
      second = first;
      first = score;
      top = t;
    } else if (score > second) {
      second = score;
    }
  }
  if (top < 0) return { top: -1, lead: 0 };
  return { top, lead: second === -Infinity ? first : first - second };
}

/** Lead of the first over the second eligible option (its whole score when it is the only one left, 0 when none). */
export function leadOf(s: Standing): number {
  const [a, b] = s.order;
  if (a === undefined) return 0;
  if (b === undefined) return s.scores[a] ?? 0;
  return (s.scores[a] ?? 0) - (s.scores[b] ?? 0);
}
