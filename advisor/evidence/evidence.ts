// Evidence produced by other parts of the workbench: the conformance results (capability matrix) and
// the benchmark results. Both are optional; a file that is missing or does not parse is reported as
// absent rather than failing the advisor. Entries that do not parse are skipped individually.
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { LAB_BACKENDS, SCENARIO_IDS, type LabBackend, type ScenarioId, type TechnologyId } from '../knowledge/types.ts';

const scenarioStatus = z.enum(['pass', 'fail', 'unsupported', 'skipped']);
export type ScenarioStatus = z.infer<typeof scenarioStatus>;

const scenarioResult = z.object({ id: z.string(), status: scenarioStatus, detail: z.string().optional().default('') });
const backendResult = z.object({ backend: z.string(), scenarios: z.array(z.unknown()) });
const capabilitiesFile = z.object({ generatedAt: z.string(), backends: z.array(z.unknown()) });

const benchmarkRun = z.object({
  backend: z.string(),
  workload: z.string(),
  summary: z.object({ throughput: z.number().finite(), p50Ms: z.number().finite(), p99Ms: z.number().finite() }),
});
const benchmarkFile = z.object({ startedAt: z.string(), runs: z.array(z.unknown()) });

export interface Capabilities {
  generatedAt: string;
  results: Partial<Record<LabBackend, Partial<Record<ScenarioId, { status: ScenarioStatus; detail: string }>>>>;
}

export interface BenchmarkFigure {
  workload: string;
  throughput: number;
  p50Ms: number;
  p99Ms: number;
}

export interface Benchmarks {
  startedAt: string;
  byBackend: Partial<Record<string, BenchmarkFigure[]>>;
}

export interface EvidenceSnapshot {
  capabilities: Capabilities | null;
  benchmarks: Benchmarks | null;
}

async function readJson(path: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as unknown;
  } catch {
    return undefined;
  }
}

const isLabBackend = (b: string): b is LabBackend => (LAB_BACKENDS as readonly string[]).includes(b);
const isScenarioId = (s: string): s is ScenarioId => (SCENARIO_IDS as readonly string[]).includes(s);

export function parseCapabilities(raw: unknown): Capabilities | null {
  const file = capabilitiesFile.safeParse(raw);
  if (!file.success) return null;
  const results: Capabilities['results'] = {};
  for (const entry of file.data.backends) {
    const backend = backendResult.safeParse(entry);
    if (!backend.success || !isLabBackend(backend.data.backend)) continue;
    const scenarios: Partial<Record<ScenarioId, { status: ScenarioStatus; detail: string }>> = {};
    for (const s of backend.data.scenarios) {
      const parsed = scenarioResult.safeParse(s);
      if (parsed.success && isScenarioId(parsed.data.id)) scenarios[parsed.data.id] = { status: parsed.data.status, detail: parsed.data.detail };
    }
    results[backend.data.backend] = scenarios;
  }
  return { generatedAt: file.data.generatedAt, results };
}

export function parseBenchmarks(raw: unknown): Benchmarks | null {
  const file = benchmarkFile.safeParse(raw);
  if (!file.success) return null;
  const byBackend: Benchmarks['byBackend'] = {};
  for (const entry of file.data.runs) {
    const run = benchmarkRun.safeParse(entry);
    if (!run.success) continue;
    const list = byBackend[run.data.backend] ?? [];
    list.push({ workload: run.data.workload, ...run.data.summary });
    byBackend[run.data.backend] = list;
  }
  return { startedAt: file.data.startedAt, byBackend };
}

export interface EvidencePaths {
  capabilitiesPath: string;
  benchmarksPath: string;
}

export async function loadEvidence(paths: EvidencePaths): Promise<EvidenceSnapshot> {
  const [caps, bench] = await Promise.all([readJson(paths.capabilitiesPath), readJson(paths.benchmarksPath)]);
  return { capabilities: parseCapabilities(caps), benchmarks: parseBenchmarks(bench) };
}

/** Benchmark figures for a technology. Marten runs on PostgreSQL but was not benchmarked itself. */
export function benchmarkFiguresFor(benchmarks: Benchmarks | null, technology: TechnologyId): BenchmarkFigure[] {
  return benchmarks?.byBackend[technology] ?? [];
}
