/**
 * The results file: everything a run measured, as JSON that others can re-plot or compare. The
 * histograms are HdrHistogram's compressed base64 encoding (values in microseconds), so any HdrHistogram
 * implementation can decode them; the summaries repeat the usual percentiles in milliseconds so a reader
 * (the advisor) needs no histogram library.
 *
 *   { schemaVersion, startedAt, finishedAt, command, environment, workloads: [Workload],
 *     runs: [{ id, backend, target, kind, via, workload, mode, status, reason?, summary?, histograms?,
 *              timeSeries?, search?, notes }] }
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { workloadSchema } from '../harness/workload.ts';

export const RESULTS_DIR = fileURLToPath(new URL('../results/', import.meta.url));
export const RESULTS_SCHEMA_VERSION = 1;

const latency = z.object({ p50Ms: z.number(), p99Ms: z.number(), maxMs: z.number() });

export const summarySchema = z.object({
  mode: z.enum(['open', 'closed']),
  targetRate: z.number().nullable(),
  concurrency: z.number().nullable(),
  maxInFlight: z.number().nullable(),
  durationSeconds: z.number(),
  warmupSeconds: z.number(),
  measuredSeconds: z.number(),
  operations: z.number(),
  throughput: z.number(),
  eventsPerSecond: z.number(),
  p50Ms: z.number(),
  p90Ms: z.number(),
  p99Ms: z.number(),
  p999Ms: z.number(),
  p9999Ms: z.number(),
  maxMs: z.number(),
  meanMs: z.number(),
  service: latency,
  sendDelay: latency,
  errors: z.record(z.string(), z.number()),
  errorCount: z.number(),
  conflicts: z.number(),
  conflictRate: z.number(),
  unsent: z.number(),
  maxPending: z.number(),
  lag: latency.nullable(),
  maxBacklog: z.number(),
  drain: z.object({ events: z.number(), seconds: z.number(), eventsPerSecond: z.number(), completed: z.boolean() }).nullable(),
  processCpuPercent: z.number(),
  baseline: z.object({ label: z.string(), throughputRatio: z.number(), p99Ratio: z.number() }).nullable(),
});

export const timeSeriesPointSchema = z.object({
  t: z.number(),
  phase: z.enum(['warmup', 'run', 'drain']),
  throughput: z.number(),
  eventsPerSecond: z.number(),
  p50Ms: z.number(),
  p99Ms: z.number(),
  serviceP99Ms: z.number(),
  sendDelayP99Ms: z.number(),
  errors: z.number(),
  conflicts: z.number(),
  inFlight: z.number(),
  pending: z.number(),
  backlog: z.number(),
  lagP99Ms: z.number(),
});

export const searchStepSchema = z.object({
  rate: z.number(),
  throughput: z.number(),
  p99Ms: z.number(),
  unsent: z.number(),
  maxPending: z.number(),
  maxBacklog: z.number(),
  errorCount: z.number(),
  sustainable: z.boolean(),
  why: z.string(),
});

export const runRecordSchema = z.object({
  id: z.string(),
  backend: z.string(),
  /** `postgres`, `postgres (raw pg)`, `noop`, … */
  target: z.string(),
  kind: z.enum(['store', 'raw', 'http', 'synthetic']),
  via: z.enum(['direct', 'http']),
  workload: z.string(),
  mode: z.enum(['open', 'closed', 'max-rate']),
  status: z.enum(['ok', 'skipped', 'failed']),
  reason: z.string().optional(),
  summary: summarySchema.optional(),
  histograms: z
    .object({ corrected: z.string(), service: z.string(), sendDelay: z.string(), lag: z.string().nullable() })
    .optional(),
  timeSeries: z.array(timeSeriesPointSchema).optional(),
  /** Max-rate search: every rate tried, in order; the summary is the highest sustainable one. */
  search: z
    .object({ maxP99Ms: z.number(), maxBacklog: z.number(), steps: z.array(searchStepSchema), maxSustainableRate: z.number().nullable() })
    .optional(),
  notes: z.array(z.string()),
});

export const environmentSchema = z.object({
  hostname: z.string(),
  os: z.object({ type: z.string(), release: z.string(), platform: z.string(), arch: z.string() }),
  cpu: z.object({ model: z.string(), cores: z.number(), speedMHz: z.number() }),
  memoryBytes: z.number(),
  node: z.string(),
  loadAverage: z.array(z.number()),
  packages: z.record(z.string(), z.string()),
  backends: z.array(z.object({ name: z.string(), description: z.string(), version: z.string().nullable() })),
  settings: z.record(z.string(), z.unknown()),
  notes: z.array(z.string()),
});

export const resultsSchema = z.object({
  schemaVersion: z.literal(RESULTS_SCHEMA_VERSION),
  startedAt: z.string(),
  finishedAt: z.string(),
  command: z.array(z.string()),
  environment: environmentSchema,
  workloads: z.array(workloadSchema),
  runs: z.array(runRecordSchema),
});

export type ResultsFile = z.infer<typeof resultsSchema>;
export type RunRecord = z.infer<typeof runRecordSchema>;
export type SearchStep = z.infer<typeof searchStepSchema>;

export function parseResults(data: unknown, source = 'results file'): ResultsFile {
  const parsed = resultsSchema.safeParse(data);
  if (!parsed.success) {
    const lines = parsed.error.issues.slice(0, 10).map((i) => `  ${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new Error(`Invalid ${source}:\n${lines.join('\n')}`);
  }
  return parsed.data;
}

export async function readResults(path: string): Promise<ResultsFile> {
  return parseResults(JSON.parse(await readFile(path, 'utf8')), path);
}

export async function writeResults(path: string, results: ResultsFile): Promise<void> {
  parseResults(results, 'results about to be written');
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, `${JSON.stringify(results, null, 1)}\n`);
}

/** `2026-05-01T10-20-30Z`: sortable, and safe in file names. */
export function timestampName(date: Date): string {
  return date.toISOString().replace(/\.\d+Z$/, 'Z').replace(/:/g, '-');
}

export function resultsPaths(dir: string, startedAt: Date): { json: string; html: string; latest: string } {
  const base = join(dir, timestampName(startedAt));
  return { json: `${base}.json`, html: `${base}.html`, latest: join(dir, 'latest.json') };
}
