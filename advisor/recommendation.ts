// Assembles what the API returns: scores, sensitivity and the evidence behind every claim.
import type { LabBackend, ScenarioId, Source, TechnologyId } from './knowledge/types.ts';
import { benchmarkFiguresFor, type BenchmarkFigure, type EvidenceSnapshot, type ScenarioStatus } from './evidence/evidence.ts';
import { DEFAULT_KNOWLEDGE, score, type Knowledge, type RecommendationInput, type Scored, type TechnologyResult } from './scoring/score.ts';
import { sensitivity, type Sensitivity } from './scoring/sensitivity.ts';

export type ResolvedSource =
  | { kind: 'docs'; title: string; url: string }
  | {
      kind: 'lab';
      backend: LabBackend;
      title: string;
      /** The lab page, served by the advisor from docs/labs. */
      url: string;
      scenarios: { id: ScenarioId; status: ScenarioStatus | 'not-run'; detail: string; matrixUrl: string }[];
    };

export interface ResolvedTechnologyResult extends Omit<TechnologyResult, 'breakdown' | 'knockOuts'> {
  breakdown: (Omit<TechnologyResult['breakdown'][number], 'sources'> & { sources: ResolvedSource[] })[];
  knockOuts: (Omit<TechnologyResult['knockOuts'][number], 'source'> & { source: ResolvedSource })[];
  benchmarks: { startedAt: string; figures: BenchmarkFigure[] } | null;
}

export interface Recommendation {
  top: TechnologyId | null;
  totalWeight: number;
  weights: Scored['weights'];
  answered: Scored['answered'];
  neutral: Scored['neutral'];
  ranking: ResolvedTechnologyResult[];
  sensitivity: Sensitivity;
  evidence: { capabilitiesGeneratedAt: string | null; benchmarksStartedAt: string | null };
}

export function labDocUrl(backend: LabBackend): string {
  return `/docs/labs/${backend}.md`;
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
      return { id, status: r?.status ?? 'not-run', detail: r?.detail ?? '', matrixUrl: `/docs/capabilities.md#${id.replaceAll('.', '')}` };
    }),
  };
}

export function recommend(input: RecommendationInput, evidence: EvidenceSnapshot, knowledge: Knowledge = DEFAULT_KNOWLEDGE): Recommendation {
  const scored = score(input, knowledge);
  const ranking = scored.results.map((r): ResolvedTechnologyResult => {
    const figures = benchmarkFiguresFor(evidence.benchmarks, r.technology);
    return {
      ...r,
      breakdown: r.breakdown.map((b) => ({ ...b, sources: b.sources.map((s) => resolveSource(s, evidence)) })),
      knockOuts: r.knockOuts.map((k) => ({ ...k, source: resolveSource(k.source, evidence) })),
      benchmarks: evidence.benchmarks && figures.length > 0 ? { startedAt: evidence.benchmarks.startedAt, figures } : null,
    };
  });
  return {
    top: scored.top,
    totalWeight: scored.totalWeight,
    weights: scored.weights,
    answered: scored.answered,
    neutral: scored.neutral,
    ranking,
    sensitivity: sensitivity(input, scored, knowledge),
    evidence: {
      capabilitiesGeneratedAt: evidence.capabilities?.generatedAt ?? null,
      benchmarksStartedAt: evidence.benchmarks?.startedAt ?? null,
    },
  };
}
