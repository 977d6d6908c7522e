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
      title: string;
      /** The lab page, served by the advisor from docs/labs. */
      url: string;
      scenarios: { id: ScenarioId; status: ScenarioStatus | 'not-run'; detail: string; matrixUrl: string; caveats: ScenarioCaveat[]; emulated: boolean }[];
    };

export interface LeanTechnologyResult {
  technology: TechnologyId;
  name: string;
  summary: string;
  eligible: boolean;
  rank: number | null;
  score: number;
  knockOuts: (Omit<TechnologyResult['knockOuts'][number], 'source'> & { source: ResolvedSource })[];
  strengths: TechnologyResult['strengths'];
  risks: TechnologyResult['risks'];
}

export interface FullTechnologyResult extends LeanTechnologyResult {
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
  /** Lean: without the per-answer sources of each weight. */
  weights: (Omit<CriterionWeight, 'sources'> & { sources?: CriterionWeight['sources'] })[];
  answered: Scored['answered'];
  neutral: Scored['neutral'];
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
  const results = evidence.capabilities?.results[source.backend];
  return {
    kind: 'lab',
    backend: source.backend,
    title: `Lab: ${source.backend} — ${source.scenarios.join(', ')}`,
    url: labDocUrl(source.backend),
    scenarios: source.scenarios.map((id) => {
      const r = results?.[id];
      const caveats = caveatsFor(evidence.capabilities, source.backend, id);
      return { id, status: r?.status ?? 'not-run', detail: r?.detail ?? '', matrixUrl: matrixUrl(id), caveats, emulated: caveats.some((c) => c.emulated) };
    }),
  };
}

export function recommend(input: RecommendationInput, evidence: EvidenceSnapshot, options: { detail?: Detail; knowledge?: Knowledge } = {}): Recommendation {
  const knowledge = options.knowledge ?? DEFAULT_KNOWLEDGE;
  const detail = options.detail ?? 'lean';
  const scored = score(input, knowledge);
  const decisionDetail = decide(input, scored, knowledge);
  const ranking = scored.results.map((r): LeanTechnologyResult | FullTechnologyResult => {
    const lean: LeanTechnologyResult = {
      technology: r.technology,
      name: r.name,
      summary: r.summary,
      eligible: r.eligible,
      rank: r.rank,
      score: r.score,
      knockOuts: r.knockOuts.map((k) => ({ ...k, source: resolveSource(k.source, evidence) })),
      strengths: r.strengths,
      risks: r.risks,
    };
    if (detail === 'lean') return lean;
    const figures = benchmarkFiguresFor(evidence.benchmarks, r.technology);
    return {
      ...lean,
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
    weights: detail === 'full' ? scored.weights : scored.weights.map(({ sources: _s, ...w }) => w),
    answered: scored.answered,
    neutral: scored.neutral,
    ranking,
    sensitivity: sensitivity(input, scored, knowledge),
    evidence: {
      capabilitiesGeneratedAt: evidence.capabilities?.generatedAt ?? null,
      benchmarksStartedAt: evidence.benchmarks?.startedAt ?? null,
      benchmarksLoadAverage: evidence.benchmarks?.loadAverage ?? null,
    },
  };
}

export const isFull = (r: LeanTechnologyResult | FullTechnologyResult): r is FullTechnologyResult => 'breakdown' in r;
