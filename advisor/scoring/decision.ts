// The decision: what the advisor is prepared to say about a ranking. A ranking always exists; a
// recommendation only when enough was answered and the leader is ahead by more than the tie margin.
// The page and the ADR render this, so neither can claim a winner the numbers do not support
// (issue 13, defect 2: exact ties were shown as "leads by 0 points" and "We will use EventStoreDB").
import type { CriterionId, TechnologyId } from '../knowledge/types.ts';
import { compile, deltaOf, standing, stateOf, type CompiledKnowledge, type ModelState } from './model.ts';
import { DEFAULT_KNOWLEDGE, type Knowledge, type RecommendationInput, type Scored } from './score.ts';

/**
 * Scores closer than this (points out of 100) are a tie. Why 2: ratings are whole steps on a 0–5
 * scale; with a typical weight profile (a total weight near 30, a criterion weighted 3) moving one rating
 * by one step moves a score by 3 / 30 × 20 = 2 points. A lead smaller than one such judgement call is
 * not a lead an architect should act on.
 */
export const TIE_MARGIN = 2;

/** Fewer answered questions than this and the advisor recommends nothing yet (a quarter of the questionnaire). */
export const MIN_ANSWERED = 4;

export type DecisionKind = 'clear' | 'tie' | 'insufficient-answers' | 'no-option';

export interface ScoredOption {
  technology: TechnologyId;
  name: string;
  score: number;
}

export interface Separator {
  criterion: CriterionId;
  name: string;
  /** The tied technologies' ratings on this criterion, best first. */
  ratings: { technology: TechnologyId; rating: number }[];
  favours: TechnologyId;
  /** Answers (not the current ones) that add weight to this criterion. */
  answers: { questionId: string; question: string; optionId: string; label: string }[];
}

/** A question one of whose answers rules out some of the tied options but not all: the sharpest separator. */
export interface KnockOutSeparator {
  questionId: string;
  question: string;
  options: { optionId: string; label: string; rulesOut: TechnologyId[] }[];
}

export interface ImportantQuestion {
  questionId: string;
  text: string;
  /** How far one of its answers moves the options apart (points), the measure the list is sorted by. */
  impact: number;
  /** Technologies one of its answers would put first. */
  couldPutFirst: TechnologyId[];
}

export interface DecisionDetail {
  decision: DecisionKind;
  summary: string;
  tieMargin: number;
  minAnswered: number;
  answeredCount: number;
  /** The highest-scoring eligible option, whatever the decision (null when every option is knocked out). */
  leader: ScoredOption | null;
  /** Set only when the decision is clear. */
  winner: ScoredOption | null;
  runnerUp: ScoredOption | null;
  /** Leader minus runner-up (null with fewer than two eligible options). */
  margin: number | null;
  /** For a tie: every eligible option within the tie margin of the leader. */
  tied: ScoredOption[];
  /** For a tie: the criteria on which the tied options differ, and the answers that weight them. */
  separatedBy: Separator[];
  /** For a tie: questions whose answers would rule out one of the tied options. */
  separatingKnockOuts: KnockOutSeparator[];
  /** For insufficient answers: the unanswered questions whose answers would move the ranking most. */
  questionsThatMatterMost: ImportantQuestion[];
}

const round1 = (n: number) => Math.round(n * 10) / 10;
const MAX_SEPARATORS = 4;
const MAX_IMPORTANT = 5;

function separators(ck: CompiledKnowledge, input: RecommendationInput, tied: ScoredOption[]): Separator[] {
  const idx = tied.map((t) => ck.technologies.indexOf(t.technology));
  const out: (Separator & { spread: number })[] = [];
  ck.criteria.forEach((criterion, c) => {
    const ratings = idx.map((t) => ({ technology: ck.technologies[t] as TechnologyId, rating: ck.ratings[t]?.[c] ?? 0 })).sort((a, b) => b.rating - a.rating);
    const best = ratings[0];
    const worst = ratings[ratings.length - 1];
    if (!best || !worst || best.rating === worst.rating) return;
    if (input.weights?.[criterion] !== undefined) return; // fixed by hand: no answer moves it
    const answers: Separator['answers'] = [];
    ck.questions.forEach((q, qi) => {
      const current = input.answers[q.id];
      for (const o of q.options) {
        if (o.id === current || (o.weights[c] ?? 0) <= 0) continue;
        answers.push({ questionId: q.id, question: ck.knowledge.questions[qi]?.text ?? q.id, optionId: o.id, label: o.label });
      }
    });
    if (answers.length === 0) return;
    out.push({ criterion, name: ck.knowledge.criteria[c]?.name ?? criterion, ratings, favours: best.technology, answers: answers.slice(0, 3), spread: best.rating - worst.rating });
  });
  return out
    .sort((a, b) => b.spread - a.spread)
    .slice(0, MAX_SEPARATORS)
    .map(({ spread: _s, ...rest }) => rest);
}

function knockOutSeparators(ck: CompiledKnowledge, input: RecommendationInput, tied: ScoredOption[]): KnockOutSeparator[] {
  const idx = new Set(tied.map((t) => ck.technologies.indexOf(t.technology)));
  const out: KnockOutSeparator[] = [];
  ck.questions.forEach((q, qi) => {
    const options = q.options
      .filter((o) => o.id !== input.answers[q.id])
      .map((o) => ({ optionId: o.id, label: o.label, rulesOut: o.knockOuts.filter((t) => idx.has(t)).map((t) => ck.technologies[t] as TechnologyId) }))
      .filter((o) => o.rulesOut.length > 0 && o.rulesOut.length < idx.size);
    if (options.length > 0) out.push({ questionId: q.id, question: ck.knowledge.questions[qi]?.text ?? q.id, options });
  });
  return out;
}

function importantQuestions(ck: CompiledKnowledge, state: ModelState, input: RecommendationInput): ImportantQuestion[] {
  const base = standing(state);
  const out: ImportantQuestion[] = [];
  ck.questions.forEach((q, qi) => {
    const current = input.answers[q.id];
    if (current !== undefined && current !== 'dont-know') return;
    let impact = 0;
    const firsts = new Set<TechnologyId>();
    for (const o of q.options) {
      const s = standing(state, [deltaOf(ck, state, input, qi, o.id)]);
      // How far the options move apart: the range of the score changes over the options still eligible
      // (a uniform shift separates nothing), plus the full score of any option the answer knocks out.
      let lo = Infinity;
      let hi = -Infinity;
      let knocked = 0;
      for (let t = 0; t < s.scores.length; t++) {
        if (!base.eligible[t]) continue;
        if (!s.eligible[t]) {
          knocked = Math.max(knocked, base.scores[t] ?? 0, 1);
          continue;
        }
        const d = (s.scores[t] ?? 0) - (base.scores[t] ?? 0);
        lo = Math.min(lo, d);
        hi = Math.max(hi, d);
      }
      impact = Math.max(impact, (hi > lo ? hi - lo : 0) + knocked);
      const first = s.order[0];
      if (first !== undefined) firsts.add(ck.technologies[first] as TechnologyId);
    }
    out.push({ questionId: q.id, text: q.text, impact, couldPutFirst: [...firsts] });
  });
  return out.sort((a, b) => b.impact - a.impact || b.couldPutFirst.length - a.couldPutFirst.length).slice(0, MAX_IMPORTANT);
}

export function decide(input: RecommendationInput, scored: Scored, knowledge: Knowledge = DEFAULT_KNOWLEDGE): DecisionDetail {
  const ck = compile(knowledge);
  const eligible = scored.results.filter((r) => r.eligible);
  const option = (r: (typeof eligible)[number] | undefined): ScoredOption | null => (r ? { technology: r.technology, name: r.name, score: r.score } : null);
  const leader = option(eligible[0]);
  const runnerUp = option(eligible[1]);
  const margin = leader && runnerUp ? leader.score - runnerUp.score : null;
  const answeredCount = scored.answered.length;
  const overridden = Object.values(input.weights ?? {}).some((w) => w !== undefined);
  const base = {
    tieMargin: TIE_MARGIN,
    minAnswered: MIN_ANSWERED,
    answeredCount,
    leader,
    runnerUp,
    margin,
    winner: null,
    tied: [],
    separatedBy: [],
    separatingKnockOuts: [],
    questionsThatMatterMost: [],
  };

  if (!leader) {
    return { ...base, decision: 'no-option', summary: 'Every option is knocked out by a constraint: no recommendation. Review the knock-outs.' };
  }
  // Weights set by hand are a statement of what matters, as answers are: they count as enough input.
  if (scored.totalWeight <= 0 || (answeredCount < MIN_ANSWERED && !overridden)) {
    const state = stateOf(ck, input);
    const questionsThatMatterMost = importantQuestions(ck, state, input);
    const names = questionsThatMatterMost.slice(0, 3).map((q) => `"${q.text}"`).join(', ');
    const summary =
      scored.totalWeight <= 0
        ? `No answer given yet says what the team needs, so there is nothing to recommend. Start with ${names}.`
        : `Only ${answeredCount} of ${scored.answered.length + scored.neutral.length} questions answered (at least ${MIN_ANSWERED} are needed): the ranking below is provisional. The questions that would move it most: ${names}.`;
    return { ...base, decision: 'insufficient-answers', summary, questionsThatMatterMost };
  }
  if (runnerUp && margin !== null && margin < TIE_MARGIN) {
    const tied = eligible.filter((r) => leader.score - r.score < TIE_MARGIN).map((r) => option(r) as ScoredOption);
    const separatedBy = separators(ck, input, tied);
    const separatingKnockOuts = knockOutSeparators(ck, input, tied);
    const what = separatedBy[0];
    const names = tied.map((t) => t.name).join(' and ');
    const summary =
      margin === 0
        ? `Tie: ${names} score the same (${round1(leader.score)}).`
        : `Tie: ${names} are within ${TIE_MARGIN} points of each other (${tied.map((t) => round1(t.score)).join(' vs ')}), closer than one rating step: the advisor does not pick between them.`;
    const separate = what ? ` What would separate them: ${what.name} (${what.ratings.map((r) => `${r.technology} ${r.rating}/5`).join(', ')}), e.g. answering "${what.answers[0]?.question}" with "${what.answers[0]?.label}".` : '';
    return { ...base, decision: 'tie', summary: summary + separate, tied, separatedBy, separatingKnockOuts };
  }
  const lead = margin === null ? `${leader.name} is the only option left after the knock-outs.` : `${leader.name} leads ${runnerUp?.name} by ${round1(margin)} points (a tie is anything under ${TIE_MARGIN}).`;
  return { ...base, decision: 'clear', winner: leader, summary: lead };
}
