// The advisor's knowledge as typed data. Everything a recommendation depends on is declared here and
// reviewed like code: questions (what the answers do to the weights), criteria, and technology profiles
// (a rating per criterion, with the rationale and the evidence behind it).

export const TECHNOLOGY_IDS = ['eventstoredb', 'postgres', 'kafka', 'dynamodb', 'marten'] as const;
export type TechnologyId = (typeof TECHNOLOGY_IDS)[number];

/** The backends that have a lab and conformance results in this repository (Marten has none). */
export const LAB_BACKENDS = ['eventstoredb', 'postgres', 'kafka', 'dynamodb'] as const;
export type LabBackend = (typeof LAB_BACKENDS)[number];

/**
 * A conformance scenario id, as the suite in labs/conformance names them (`append.expected-version`).
 * The advisor keeps no copy of the suite's list: it reads whatever ids docs/capabilities.json holds, so
 * new scenarios appear without a change here, and a test (scenario-ids.unit.spec.ts) checks that every id
 * the knowledge cites exists in the suite.
 */
export type ScenarioId = `${'append' | 'read' | 'subscribe' | 'metadata' | 'schema' | 'snapshot' | 'projection' | 'input' | 'store' | 'consume' | 'stream' | 'erasure' | 'retention' | 'data' | 'replication'}.${string}`;

export const CRITERION_IDS = [
  'optimistic-concurrency',
  'stream-reads',
  'global-replay',
  'ad-hoc-queries',
  'subscriptions',
  'competing-consumers',
  'write-throughput',
  'retention-policies',
  'long-term-storage',
  'erasure',
  'low-ops',
  'cost',
  'multi-region',
  'low-latency',
  'learning-curve',
  'streaming-integration',
  'postgres-reuse',
  'dotnet-fit',
  'serverless-fit',
  'portability',
  'server-side-projections',
  'transactional-read-models',
  'durability-at-failover',
] as const;
export type CriterionId = (typeof CRITERION_IDS)[number];

export interface Criterion {
  id: CriterionId;
  name: string;
  /** What a rating of 5 means, so a reviewer can check every rating against the same yardstick. */
  description: string;
}

/** Ratings are integers on a 0..5 scale: 0 = not possible, 5 = best in class. */
export type Rating = 0 | 1 | 2 | 3 | 4 | 5;
export const MAX_RATING = 5;

export type Source =
  | { kind: 'docs'; title: string; url: string }
  /**
   * A claim checked by the conformance suite: links to the lab page and the capability-matrix entry.
   * `configuration`: the matrix column the scenarios ran on when it is not the technology's single node
   * (a cluster, or its unsafe twin: `postgres-cluster`, `kafka-cluster-unsafe`), with the lab page that
   * explains it (`page`, a file of docs/labs without `.md`).
   */
  | { kind: 'lab'; backend: LabBackend; scenarios: ScenarioId[]; configuration?: { column: string; page: string } }
  /**
   * A figure the benchmark harness measured on this machine: the runs of `backend` (the store and its raw
   * baselines) in `results`, a file of benchmarks/results (`latest.json` is the advisor's current
   * results; an `evidence-…` file is a committed run), for `workload` in `mode`. `section`: the heading
   * of docs/benchmarks.md that reads the run (what it supports and what it does not). `column`: the run's
   * backend when it is not the technology's single node (a cluster: `postgres-cluster`, `kafka-cluster`).
   */
  | { kind: 'benchmark'; backend: LabBackend; column?: string; results: string; mode: BenchmarkSourceMode; workload: string; section: string };

export const BENCHMARK_SOURCE_MODES = ['sweep', 'max-rate', 'growth'] as const;
export type BenchmarkSourceMode = (typeof BENCHMARK_SOURCE_MODES)[number];

export interface CriterionRating {
  rating: Rating;
  rationale: string;
  sources: Source[];
  /** Required when the rating is 2 or lower: how a team lives with the weakness. */
  mitigation?: string;
}

export interface TechnologyProfile {
  id: TechnologyId;
  name: string;
  summary: string;
  homepage: string;
  ratings: Record<CriterionId, CriterionRating>;
}

export const DONT_KNOW = 'dont-know';

/** A knock-out: choosing this answer rules the technology out, whatever its score. */
export interface KnockOut {
  technology: TechnologyId;
  reason: string;
  source: Source;
}

export interface AnswerOption {
  id: string;
  label: string;
  /** Weight added to each criterion by this answer (0..5 each). */
  weights: Partial<Record<CriterionId, number>>;
  knockOuts?: KnockOut[];
}

export interface Question {
  id: string;
  section: string;
  text: string;
  /** Why the question matters: shown next to it, and in the ADR. */
  why: string;
  options: AnswerOption[];
}

/** The results files the profiles' benchmark sources cite (the advisor loads these beside latest.json). */
export function citedResultsFiles(technologies: readonly TechnologyProfile[]): string[] {
  const sources = technologies.flatMap((t) => Object.values(t.ratings).flatMap((r) => r.sources));
  return [...new Set(sources.flatMap((s) => (s.kind === 'benchmark' ? [s.results] : [])))].sort();
}
