// Assembles what the API returns: the decision, scores, sensitivity and the evidence behind every claim.
// Lean by default (what a client needs to show the decision and the ranking, a few kB); the full
// breakdown with resolved sources, contributions and benchmark figures on request (`detail: 'full'`):
// serialising 60–90 kB per request was a third of the advisor's cost (issue 13, defect 3).
import type { LabBackend, ScenarioId, Source, TechnologyId } from './knowledge/types.ts';
import { benchmarkFiguresFor, caveatsFor, type BenchmarkFigure, type EvidenceSnapshot, type ScenarioCaveat, type ScenarioStatus } from './evidence/evidence.ts';
import { decide, type DecisionDetail, type DecisionKind } from './scoring/decision.ts';
import { DEFAULT_KNOWLEDGE, score, type CriterionWeight, type Knowledge, type RecommendationInput, type Scored, type TechnologyResult } from './scoring/score.ts';
import { sensitivity, type Sensitivity } from './scoring/sensitivity.ts';

export type Detail = 'lean' | 'full';

export type ResolvedSource =
  | { kind: 'docs'; title: string; url: string }
  | {
      kind: 'lab';
      backend: LabBackend;
      /** The matrix column the scenarios ran on: the backend itself, or a configuration of it (`postgres-cluster`). */
      column: string;
      title: string;
      /** The lab page, served by the advisor from docs/labs. */
      url: string;
      scenarios: { id: ScenarioId; status: ScenarioStatus | 'not-run'; detail: string; matrixUrl: string; caveats: ScenarioCaveat[]; emulated: boolean }[];
    };

type StrengthOrRisk = TechnologyResult['strengths'][number];

export interface LeanTechnologyResult {
  technology: TechnologyId;
  name: string;
  /** Full only (GET /technologies has it too). */
  summary?: string;
  eligible: boolean;
  rank: number | null;
  score: number;
  /** Lean: the reason only; full: with the resolved source (lab status and caveats). */
  knockOuts: (Omit<TechnologyResult['knockOuts'][number], 'source'> & { source?: ResolvedSource })[];
  /** Lean: criterion, rating and weight (names are in GET /questionnaire); full: with name, rationale and mitigation. */
  strengths: (Pick<StrengthOrRisk, 'criterion' | 'rating' | 'weight'> & Partial<StrengthOrRisk>)[];
  risks: (Pick<StrengthOrRisk, 'criterion' | 'rating' | 'weight'> & Partial<StrengthOrRisk>)[];
}

export interface FullTechnologyResult extends LeanTechnologyResult {
  summary: string;
  knockOuts: (Omit<TechnologyResult['knockOuts'][number], 'source'> & { source: ResolvedSource })[];
  strengths: StrengthOrRisk[];
  risks: StrengthOrRisk[];
  breakdown: (Omit<TechnologyResult['breakdown'][number], 'sources'> & { sources: ResolvedSource[] })[];
  contributions: TechnologyResult['contributions'];
  benchmarks: { startedAt: string; figures: BenchmarkFigure[] } | null;
}

export interface Recommendation {
  detail: Detail;
  /** `clear`, `tie`, `insufficient-answers` (or `no-option` when every option is knocked out). */
  decision: DecisionKind;
  decisionDetail: DecisionDetail;
  /** The recommended technology: set only when the decision is clear. */
  top: TechnologyId | null;
  /** The highest-scoring eligible option, whatever the decision. */
  leader: TechnologyId | null;
  totalWeight: number;
  /** Lean: only the criteria that weigh (or were set by hand), without names and sources. */
  weights: (Omit<CriterionWeight, 'sources' | 'name'> & { name?: string; sources?: CriterionWeight['sources'] })[];
  /** Lean: question and option ids only (the questionnaire has the texts). */
  answered: (Omit<Scored['answered'][number], 'text' | 'label'> & { text?: string; label?: string })[];
  neutral: (Omit<Scored['neutral'][number], 'text'> & { text?: string })[];
  ranking: (LeanTechnologyResult | FullTechnologyResult)[];
  sensitivity: Sensitivity;
  evidence: { capabilitiesGeneratedAt: string | null; benchmarksStartedAt: string | null; benchmarksLoadAverage: number[] | null };
}

export function labDocUrl(backend: LabBackend): string {
  return `/docs/labs/${backend}.md`;
}

/** The capability-matrix heading of a scenario, as the docs renderer slugs it (dots dropped). */
export function matrixUrl(id: string): string {
  return `/docs/capabilities.md#${id.replaceAll('.', '')}`;
}

export function resolveSource(source: Source, evidence: EvidenceSnapshot): ResolvedSource {
  if (source.kind === 'docs') return source;
  const column = source.configuration?.column ?? source.backend;
  const results = evidence.capabilities?.results[column];
  return {
    kind: 'lab',
    backend: source.backend,
    column,
    title: `Lab: ${column} — ${source.scenarios.join(', ')}`,
    url: source.configuration ? `/docs/labs/${source.configuration.page}.md` : labDocUrl(source.backend),
    scenarios: source.scenarios.map((id) => {
      const r = results?.[id];
      const caveats = caveatsFor(evidence.capabilities, column, id);
      return { id, status: r?.status ?? 'not-run', detail: r?.detail ?? '', matrixUrl: matrixUrl(id), caveats, emulated: caveats.some((c) => c.emulated) };
    }),
  };
}

export function recommend(input: RecommendationInput, evidence: EvidenceSnapshot, options: { detail?: Detail; knowledge?: Knowledge } = {}): Recommendation {
  const knowledge = options.knowledge ?? DEFAULT_KNOWLEDGE;
  const detail = options.detail ?? 'lean';
  const scored = score(input, knowledge, { contributions: detail === 'full' });
  const decisionDetail = decide(input, scored, knowledge);
  const sens = sensitivity(input, scored, knowledge);
  const brief = ({ criterion, rating, weight }: StrengthOrRisk) => ({ criterion, rating, weight });
  const ranking = scored.results.map((r): LeanTechnologyResult | FullTechnologyResult => {
    const base = { technology: r.technology, name: r.name, eligible: r.eligible, rank: r.rank, score: r.score };
    if (detail === 'lean') {
      return {
        ...base,
        knockOuts: r.knockOuts.map(({ source: _s, ...k }) => k),
        strengths: r.strengths.map(brief),
        risks: r.risks.map(brief),
      };
    }
    const figures = benchmarkFiguresFor(evidence.benchmarks, r.technology);
    return {
      ...base,
      summary: r.summary,
      knockOuts: r.knockOuts.map((k) => ({ ...k, source: resolveSource(k.source, evidence) })),
      strengths: r.strengths,
      risks: r.risks,
      breakdown: r.breakdown.map((b) => ({ ...b, sources: b.sources.map((s) => resolveSource(s, evidence)) })),
      contributions: r.contributions,
      benchmarks: evidence.benchmarks && figures.length > 0 ? { startedAt: evidence.benchmarks.startedAt, figures } : null,
    };
  });
  return {
    detail,
    decision: decisionDetail.decision,
    decisionDetail,
    top: decisionDetail.winner?.technology ?? null,
    leader: decisionDetail.leader?.technology ?? null,
    totalWeight: scored.totalWeight,
    weights: detail === 'full' ? scored.weights : scored.weights.filter((w) => w.weight > 0 || w.override !== null).map(({ sources: _s, name: _n, ...w }) => w),
    answered: detail === 'full' ? scored.answered : scored.answered.map(({ questionId, optionId }) => ({ questionId, optionId })),
    neutral: detail === 'full' ? scored.neutral : scored.neutral.map(({ questionId }) => ({ questionId })),
    ranking,
    sensitivity: detail === 'full' ? sens : { ...sens, weightChanges: sens.weightChanges.slice(0, 3), answerChanges: sens.answerChanges.map((c) => ({ ...c, steps: c.steps.map(({ question: _q, fromLabel: _f, toLabel: _t, ...st }) => st) })) },
    evidence: {
      capabilitiesGeneratedAt: evidence.capabilities?.generatedAt ?? null,
      benchmarksStartedAt: evidence.benchmarks?.startedAt ?? null,
      benchmarksLoadAverage: evidence.benchmarks?.loadAverage ?? null,
    },
  };
}

export const isFull = (r: LeanTechnologyResult | FullTechnologyResult): r is FullTechnologyResult => 'breakdown' in r;
