// Assembles what the API returns: the decision, scores, sensitivity and the evidence behind every claim.
// Lean by default (what a client needs to show the decision and the ranking, a few kB); the full
// breakdown with resolved sources, contributions and benchmark figures on request (`detail: 'full'`):
// serialising 60–90 kB per request was a third of the advisor's cost (issue 13, defect 3).
import type { BenchmarkSourceMode, LabBackend, ScenarioId, Source, TechnologyId } from './knowledge/types.ts';
import { slug } from './docs-pages.ts';
import { benchmarkFiguresFor, caveatsFor, citedBenchmarks, describeFigure, describeGrowth, type BenchmarkFigure, type EvidenceSnapshot, type ScenarioCaveat, type ScenarioStatus } from './evidence/evidence.ts';
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
      /** The column ran on an emulator (dynalite): a pass shows the design holds under the API, not the service. */
      emulator: boolean;
    }
  | {
      kind: 'benchmark';
      backend: LabBackend;
      /** The runs' backend in the results: the technology's single node, or a configuration (a cluster). */
      column: string;
      mode: BenchmarkSourceMode;
      workload: string;
      /** The results file (a name in benchmarks/results). */
      results: string;
      title: string;
      /** The section of docs/benchmarks.md that reads the run. */
      url: string;
      /** When the run started; null when the file is not there. */
      startedAt: string | null;
      /** One line per target (the store, each raw baseline), every label included; empty when nothing was found. */
      figures: string[];
      /** Why there are no figures (the file is absent, or holds no such run). */
      missing: string | null;
      /** The server was an emulator: what it is, and that its figures do not speak for the service. */
      emulator: string | null;
      /** The machine was busy during (part of) the run. */
      machineBusy: boolean;
    };

/**
 * How a rating is supported, at a glance: `measured` when a cited lab scenario ran or a cited benchmark
 * has figures, on a real server; `emulator` when the only measurements ran on an emulator; otherwise
 * `documentation`.
 */
export type EvidenceLevel = 'measured' | 'emulator' | 'documentation';

/** How the page and the ADR say it. */
export const EVIDENCE_LABEL: Record<EvidenceLevel, string> = { measured: 'measured here', emulator: 'measured here on an emulator only', documentation: 'documentation only' };

export function evidenceLevel(sources: readonly ResolvedSource[]): EvidenceLevel {
  const measured = sources.flatMap((s): boolean[] => {
    if (s.kind === 'lab') return s.scenarios.some((sc) => sc.status === 'pass' || sc.status === 'fail') ? [s.emulator] : [];
    if (s.kind === 'benchmark') return s.figures.length > 0 ? [s.emulator !== null] : [];
    return [];
  });
  if (measured.some((onEmulator) => !onEmulator)) return 'measured';
  return measured.length > 0 ? 'emulator' : 'documentation';
}

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
  breakdown: (Omit<TechnologyResult['breakdown'][number], 'sources'> & { sources: ResolvedSource[]; evidence: EvidenceLevel })[];
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

const MODE_TITLE: Record<BenchmarkSourceMode, string> = { sweep: 'rate sweep', 'max-rate': 'max-rate search', growth: 'growth curve' };

function resolveBenchmark(source: Extract<Source, { kind: 'benchmark' }>, evidence: EvidenceSnapshot): ResolvedSource {
  const results = citedBenchmarks(evidence, source.results);
  const column = source.column ?? source.backend;
  const lines =
    source.mode === 'growth'
      ? (results?.growthByBackend[column] ?? []).filter((g) => g.workload === source.workload).map((g) => ({ line: describeGrowth(g), emulator: g.server.emulator, busy: g.steps.some((st) => st.machineBusy !== null) }))
      : (results?.byBackend[column] ?? []).filter((f) => f.mode === source.mode && f.workload === source.workload).map((f) => ({ line: describeFigure(f), emulator: f.server.emulator, busy: f.machineBusy !== null }));
  const missing = !results ? `The results file ${source.results} is not in this checkout (or does not parse).` : lines.length === 0 ? `${source.results} holds no ${MODE_TITLE[source.mode]} of ${source.workload} on ${column}.` : null;
  return {
    kind: 'benchmark',
    backend: source.backend,
    column,
    mode: source.mode,
    workload: source.workload,
    results: source.results,
    title: `Benchmark: ${column} — ${MODE_TITLE[source.mode]}, ${source.workload} (${source.results})`,
    url: `/docs/benchmarks.md#${slug(source.section)}`,
    startedAt: results?.startedAt ?? null,
    figures: lines.map((l) => l.line),
    missing,
    emulator: lines.find((l) => l.emulator)?.emulator ?? null,
    // Each cited run's own flag (a run without one carries its file's): another run of the file being busy says nothing of these.
    machineBusy: lines.some((l) => l.busy),
  };
}

export function resolveSource(source: Source, evidence: EvidenceSnapshot): ResolvedSource {
  if (source.kind === 'docs') return source;
  if (source.kind === 'benchmark') return resolveBenchmark(source, evidence);
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
    emulator: /emulator/i.test(evidence.capabilities?.titles[column] ?? ''),
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
      breakdown: r.breakdown.map((b) => {
        const sources = b.sources.map((s) => resolveSource(s, evidence));
        return { ...b, sources, evidence: evidenceLevel(sources) };
      }),
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
