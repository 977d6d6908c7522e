// The benchmark results (benchmarks/results/latest.json) as figures an architect can act on. Each
// figure says what was measured (the lab store or the raw driver), how (open loop at an offered rate,
// closed loop, a max-rate search, a sweep), whether it kept up (saturated or not, and why), and on which
// server (dynalite is an in-memory emulator of the DynamoDB API, not AWS). Figures are never merged
// across targets or modes: each run is its own figure (issue 13, defect 4).
//
// The results format belongs to benchmarks/ and grows; this reader is lenient on purpose. It uses
// `summary.saturated`, run `machine` load and server `emulator` when present, and derives saturation
// itself otherwise (unsent > 0, errors other than conflicts > 0, achieved < 95 % of the offered rate).
import { z } from 'zod';
import type { TechnologyId } from '../knowledge/types.ts';

/** Open loop: achieving less than this share of the offered rate means the run fell behind. */
export const MIN_ACHIEVED_SHARE = 0.95;

const num = z.number().finite();
const summary = z.looseObject({
  targetRate: num.nullable().optional(),
  concurrency: num.nullable().optional(),
  measuredSeconds: num.optional(),
  throughput: num,
  p50Ms: num,
  p99Ms: num,
  errorCount: num.optional(),
  conflicts: num.optional(),
  unsent: num.optional(),
  saturated: z.boolean().optional(),
  saturation: z.array(z.string()).optional(),
  samples: num.optional(),
  tooFewSamplesFor: z.array(z.string()).optional(),
});
const sweepStep = z.looseObject({
  offeredRate: num,
  achievedRate: num,
  p50Ms: num,
  p99Ms: num,
  unsent: num,
  errorCount: num,
  saturated: z.boolean(),
  samples: num.optional(),
  tooFewSamplesFor: z.array(z.string()).optional(),
  repeats: z.array(z.looseObject({ saturation: z.array(z.string()).optional() })).optional(),
});
const spread = z.looseObject({ median: num, min: num, max: num });
/** The harness's verdict on the machine's load (benchmarks/harness): for a run, a growth step, or a whole file. */
const machineFlag = z.looseObject({ busy: z.boolean(), why: z.string().nullable().optional() });
const growthStep = z.looseObject({
  storedEvents: num,
  appendP50Ms: num,
  appendP99Ms: num,
  readStreamP99Ms: num,
  catchUpEventsPerSecond: num,
  catchUpReachedEnd: z.boolean().optional(),
  bytesPerEvent: num.nullable(),
  openSeconds: num.optional(),
  saturated: z.boolean(),
  diskNote: z.string().optional(),
  machine: machineFlag.optional(),
});
const run = z.looseObject({
  backend: z.string(),
  target: z.string().optional(),
  kind: z.string().optional(),
  workload: z.string(),
  mode: z.string().optional(),
  status: z.string().optional(),
  summary: summary.optional(),
  search: z.looseObject({ maxSustainableRate: num.nullable(), verdict: z.string().optional(), spread: spread.nullable().optional() }).optional(),
  sweep: z.looseObject({ steps: z.array(sweepStep), highestUnsaturatedRate: spread.nullable().optional() }).optional(),
  machine: machineFlag.optional(),
  growth: z.looseObject({ steps: z.array(growthStep) }).optional(),
});
const backendEnv = z.looseObject({ name: z.string(), description: z.string().optional(), version: z.string().nullable().optional(), emulator: z.string().nullable().optional() });
const file = z.looseObject({
  startedAt: z.string(),
  runs: z.array(z.unknown()),
  environment: z
    .looseObject({
      loadAverage: z.array(num).optional(),
      loadAverageAfter: z.array(num).optional(),
      cpu: z.looseObject({ cores: num }).optional(),
      backends: z.array(z.unknown()).optional(),
      machine: machineFlag.optional(),
    })
    .optional(),
});

export type FigureTarget = 'store' | 'raw' | 'http';
export type FigureMode = 'open' | 'closed' | 'max-rate' | 'sweep';

export interface ServerLabel {
  name: string;
  description: string;
  /** Set when the server is an emulator: what it is, and that its figures say nothing about the real service. */
  emulator: string | null;
}

export interface BenchmarkFigure {
  workload: string;
  /** `store`: the lab's event store; `raw`: the driver alone (a baseline); `http`: the store behind HTTP. */
  target: FigureTarget;
  targetLabel: string;
  mode: FigureMode;
  /** Open loop and sweeps: the rate the harness offered (ops/s). Closed loop: null (as fast as answers come). */
  offeredRate: number | null;
  /** Closed loop: the number of workers. */
  concurrency: number | null;
  /** Achieved operations per second. For a sweep or a max-rate search: at the highest rate that kept up. */
  throughput: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  conflicts: number;
  unsent: number;
  saturated: boolean;
  /** Why it saturated (empty when it did not). */
  saturation: string[];
  /** `results`: the benchmark said so; `derived`: the advisor applied its own rule (older results). */
  saturationFrom: 'results' | 'derived';
  /** For a saturated run: the offered rate it could not keep up with. For a sweep: the first rate above
   * the one that kept up at which it saturated. */
  saturatedAt: number | null;
  /** Sweeps and max-rate searches: the range of `offeredRate` over the repeats (its median). */
  offeredRange: { min: number; max: number } | null;
  /** When the p99 rests on too few samples to be one: "max of 6,400 samples" (the figure is their maximum). */
  p99Note: string | null;
  server: ServerLabel;
  /** The machine was busy (other work) during the run: the figure is lower than the store can do. */
  machineBusy: string | null;
}

/** One size of a growth run (benchmarks/growth): what the target cost with that many events stored. */
export interface GrowthStepFigure {
  storedEvents: number;
  appendP50Ms: number;
  appendP99Ms: number;
  readStreamP99Ms: number;
  catchUpEventsPerSecond: number;
  /** Bytes per stored event, as `bytesNote` says they were counted (on disk, or computed); null where not measurable. */
  bytesPerEvent: number | null;
  /** How the bytes were counted (the results' `diskNote`): "pg_table_size …", or computed by item-size rules. */
  bytesNote: string | null;
  /** Seconds to open a store on the data (a Kafka store replays its log); null when not recorded. */
  openSeconds: number | null;
  /** The step's latencies did not keep to their schedule: they measure the queue, not the target. */
  saturated: boolean;
  machineBusy: string | null;
}

/** A growth curve: one target (a store or a raw baseline) measured at each stored size. */
export interface GrowthFigure {
  workload: string;
  target: FigureTarget;
  targetLabel: string;
  server: ServerLabel;
  steps: GrowthStepFigure[];
}

export interface Benchmarks {
  startedAt: string;
  loadAverage: number[] | null;
  cores: number | null;
  machineBusy: string | null;
  byBackend: Partial<Record<string, BenchmarkFigure[]>>;
  /** Growth runs (`mode: "growth"`), by backend: curves, never merged into the single figures above. */
  growthByBackend: Partial<Record<string, GrowthFigure[]>>;
}

const DYNALITE = 'dynalite: an in-memory emulator of the DynamoDB API running on this machine, not Amazon DynamoDB; its figures say nothing about the AWS service.';

function serverLabel(backend: string, envs: z.infer<typeof backendEnv>[]): ServerLabel {
  const env = envs.find((e) => e.name === backend);
  const description = env?.description ?? backend;
  let emulator = env?.emulator ?? null;
  if (!emulator && /dynalite/i.test(description)) emulator = DYNALITE;
  return { name: env?.version ? `${backend} (${env.version})` : backend, description, emulator };
}

function deriveSaturation(mode: FigureMode, s: z.infer<typeof summary>): string[] {
  const why: string[] = [];
  const unsent = s.unsent ?? 0;
  const errors = (s.errorCount ?? 0) - (s.conflicts ?? 0);
  if (unsent > 0) why.push(`${unsent} operations due were never sent (the in-flight bound was reached)`);
  if (errors > 0) why.push(`${errors} errors`);
  if (mode === 'open' && s.targetRate) {
    // Conflicts are answers (the store refused a stale write): they count as achieved.
    const answered = s.throughput + (s.conflicts ?? 0) / Math.max(s.measuredSeconds ?? 1, 1e-9);
    if (answered < MIN_ACHIEVED_SHARE * s.targetRate) why.push(`achieved ${Math.round(answered)} of ${s.targetRate} ops/s offered (< ${MIN_ACHIEVED_SHARE * 100} %)`);
  }
  return why;
}

/**
 * Whether the machine was busy during a run: the run's own flag; the file's only for a run that carries
 * none (older results). The file's flag is the union of its runs': a quiet run beside a busy one is quiet.
 */
function busyDuring(machine: z.infer<typeof machineFlag> | undefined, fileBusy: string | null): string | null {
  if (!machine) return fileBusy;
  return machine.busy ? (machine.why ?? 'the machine was busy') : null;
}

function toFigure(r: z.infer<typeof run>, server: ServerLabel, fileBusy: string | null): BenchmarkFigure | null {
  const target: FigureTarget | null = r.kind === 'store' || r.kind === 'raw' || r.kind === 'http' ? r.kind : r.kind === undefined ? 'store' : null;
  if (!target) return null; // synthetic (no-op) runs measure the harness, not a technology
  // A growth curve or a consumer group is no single open/closed/sweep figure: shown as one, it would mislead.
  if (r.mode !== undefined && !['open', 'closed', 'max-rate', 'sweep'].includes(r.mode)) return null;
  if ((r.summary as { consumerGroup?: unknown } | undefined)?.consumerGroup) return null;
  const mode = (['open', 'closed', 'max-rate', 'sweep'] as const).find((m) => m === (r.mode ?? r.summary?.mode)) ?? 'open';
  const machineBusy = busyDuring(r.machine, fileBusy);
  const base = { workload: r.workload, target, targetLabel: r.target ?? r.backend, mode, server, machineBusy };

  if (mode === 'sweep' && r.sweep) {
    const steps = r.sweep.steps;
    const headline = r.sweep.highestUnsaturatedRate ?? null;
    const ok = steps.filter((s) => !s.saturated);
    // The headline is the median over repeats of each repeat's highest rate that kept up (what the report
    // shows); the step at that rate gives the figures. Older files without it: the last step that kept up.
    const best = (headline ? steps.find((s) => s.offeredRate === headline.median && !s.saturated) : undefined) ?? ok[ok.length - 1];
    const firstSaturated = steps.find((s) => s.saturated);
    const shown = best ?? firstSaturated;
    if (!shown) return null;
    // Where it stopped keeping up: the first saturated rate ABOVE the one shown (a lower rung may have
    // saturated in most repeats too; "kept up at 3,200, saturated at 1,600" would read as a contradiction).
    const above = best ? steps.find((s) => s.saturated && s.offeredRate > best.offeredRate) : firstSaturated;
    return {
      ...base,
      offeredRate: shown.offeredRate,
      concurrency: null,
      throughput: shown.achievedRate,
      p50Ms: shown.p50Ms,
      p99Ms: shown.p99Ms,
      errors: shown.errorCount,
      conflicts: 0,
      unsent: shown.unsent,
      saturated: !best,
      saturation: best ? [] : [`every offered rate saturated, from ${firstSaturated?.offeredRate ?? '?'} ops/s`, ...new Set((firstSaturated?.repeats ?? []).flatMap((x) => x.saturation ?? []))],
      saturationFrom: 'results',
      saturatedAt: above?.offeredRate ?? null,
      offeredRange: best && headline && headline.median === best.offeredRate && headline.min !== headline.max ? { min: headline.min, max: headline.max } : null,
      p99Note: shown.tooFewSamplesFor?.includes('p99') && shown.samples ? `max of ${Math.round(shown.samples).toLocaleString('en-US')} samples` : null,
    };
  }
  const s = r.summary;
  if (!s) return null;
  const derived = deriveSaturation(mode, s);
  const fromResults = s.saturated !== undefined;
  const saturated = fromResults ? (s.saturated as boolean) : derived.length > 0;
  const saturation = saturated ? (s.saturation?.length ? s.saturation : derived) : [];
  return {
    ...base,
    offeredRate: mode === 'max-rate' ? (r.search?.maxSustainableRate ?? s.targetRate ?? null) : (s.targetRate ?? null),
    concurrency: s.concurrency ?? null,
    throughput: s.throughput,
    p50Ms: s.p50Ms,
    p99Ms: s.p99Ms,
    errors: Math.max(0, (s.errorCount ?? 0) - (s.conflicts ?? 0)),
    conflicts: s.conflicts ?? 0,
    unsent: s.unsent ?? 0,
    saturated,
    saturation,
    saturationFrom: fromResults ? 'results' : 'derived',
    saturatedAt: saturated && mode === 'open' ? (s.targetRate ?? null) : null,
    offeredRange: mode === 'max-rate' && r.search?.spread && r.search.spread.min !== r.search.spread.max ? { min: r.search.spread.min, max: r.search.spread.max } : null,
    p99Note: s.tooFewSamplesFor?.includes('p99') && s.samples ? `max of ${Math.round(s.samples).toLocaleString('en-US')} samples` : null,
  };
}

function toGrowthFigure(r: z.infer<typeof run>, server: ServerLabel, fileBusy: string | null): GrowthFigure | null {
  if (r.mode !== 'growth' || !r.growth || (r.kind !== 'store' && r.kind !== 'raw')) return null;
  return {
    workload: r.workload,
    target: r.kind,
    targetLabel: r.target ?? r.backend,
    server,
    steps: r.growth.steps.map((g) => ({
      storedEvents: g.storedEvents,
      appendP50Ms: g.appendP50Ms,
      appendP99Ms: g.appendP99Ms,
      readStreamP99Ms: g.readStreamP99Ms,
      catchUpEventsPerSecond: g.catchUpEventsPerSecond,
      bytesPerEvent: g.bytesPerEvent,
      bytesNote: g.diskNote ?? null,
      openSeconds: g.openSeconds ?? null,
      saturated: g.saturated,
      machineBusy: busyDuring(g.machine, fileBusy),
    })),
  };
}

export function parseBenchmarks(raw: unknown): Benchmarks | null {
  const parsed = file.safeParse(raw);
  if (!parsed.success) return null;
  const envs = (parsed.data.environment?.backends ?? []).flatMap((b) => {
    const e = backendEnv.safeParse(b);
    return e.success ? [e.data] : [];
  });
  const machine = parsed.data.environment?.machine;
  const fileBusy = busyDuring(machine, null);
  const byBackend: Benchmarks['byBackend'] = {};
  const growthByBackend: Benchmarks['growthByBackend'] = {};
  for (const entry of parsed.data.runs) {
    const r = run.safeParse(entry);
    if (!r.success || (r.data.status !== undefined && r.data.status !== 'ok')) continue;
    const server = serverLabel(r.data.backend, envs);
    const curve = toGrowthFigure(r.data, server, fileBusy);
    if (curve) (growthByBackend[r.data.backend] ??= []).push(curve);
    const figure = toFigure(r.data, server, fileBusy);
    if (!figure) continue;
    (byBackend[r.data.backend] ??= []).push(figure);
  }
  return {
    startedAt: parsed.data.startedAt,
    loadAverage: parsed.data.environment?.loadAverage ?? null,
    cores: parsed.data.environment?.cpu?.cores ?? null,
    machineBusy: fileBusy,
    byBackend,
    growthByBackend,
  };
}

/** Benchmark figures for a technology. Marten runs on PostgreSQL but was not benchmarked itself. */
export function benchmarkFiguresFor(benchmarks: Benchmarks | null, technology: TechnologyId): BenchmarkFigure[] {
  return benchmarks?.byBackend[technology] ?? [];
}

/** One line for a figure, with every label it needs: used by the ADR (the page renders the same fields). */
export function describeFigure(f: BenchmarkFigure): string {
  const target = f.target === 'raw' ? `raw driver (${f.targetLabel})` : f.target === 'http' ? `lab store over HTTP (${f.targetLabel})` : `lab store (${f.targetLabel})`;
  const mode =
    f.mode === 'open'
      ? `open loop at ${f.offeredRate ?? '?'} ops/s offered`
      : f.mode === 'closed'
        ? `closed loop${f.concurrency ? `, ${f.concurrency} workers` : ''}`
        : f.mode === 'sweep'
          ? f.saturated
            ? 'sweep'
            : `sweep, highest offered rate that kept up: ${f.offeredRate ?? '?'} ops/s${range(f)}${f.saturatedAt ? ` (saturated at ${f.saturatedAt})` : ''}`
          : `max-rate search${f.offeredRate ? `, ${f.offeredRate} ops/s sustained${range(f)}` : ''}`;
  const outcome = f.saturated
    ? `SATURATED${f.saturatedAt ? ` at ${f.saturatedAt} ops/s offered` : ''} (${f.saturation.join('; ')}): not a capacity figure`
    : `${Math.round(f.throughput)} ops/s achieved, p50 ${f.p50Ms} ms, p99 ${f.p99Ms} ms${f.p99Note ? ` (${f.p99Note})` : ''}`;
  const extras = [f.errors ? `${f.errors} errors` : '', f.unsent ? `${f.unsent} unsent` : '', f.conflicts ? `${f.conflicts} version conflicts (expected in this workload)` : ''].filter(Boolean).join(', ');
  const server = f.server.emulator ? `server: ${f.server.emulator}` : `server: ${f.server.description}`;
  return `${f.workload}, ${target}, ${mode}: ${outcome}${extras ? `; ${extras}` : ''}; ${server}${f.machineBusy ? `; machine busy: ${f.machineBusy}` : ''}`;
}

/** " (repeats 1600–3200)" for a median over repeats whose range is wider than one value. */
function range(f: BenchmarkFigure): string {
  return f.offeredRange ? ` (repeats ${f.offeredRange.min}–${f.offeredRange.max})` : '';
}

const int = (x: number) => Math.round(x).toLocaleString('en-US');

/**
 * One line for a growth curve, with its labels: what held at the largest size it reached (bytes per
 * event, catch-up, open time), and its latencies only where the step kept to its schedule on a machine
 * that was not busy; otherwise it says the latencies are the machine's queue, not the target's.
 */
export function describeGrowth(g: GrowthFigure): string {
  const target = g.target === 'raw' ? `raw driver (${g.targetLabel})` : `lab store (${g.targetLabel})`;
  const last = g.steps.at(-1);
  if (!last) return `${target}, growth: no sizes measured`;
  const sizes = g.steps.map((s) => int(s.storedEvents)).join(', ');
  const facts = [
    // Not every run measures a disk: a figure computed by rules says so, with how (an emulator's is).
    last.bytesPerEvent === null ? '' : `${int(last.bytesPerEvent)} bytes per event (${last.bytesNote ?? 'on disk'})`,
    `a new subscriber from the start read ${int(last.catchUpEventsPerSecond)} events/s`,
    last.openSeconds !== null && last.openSeconds >= 1 ? `opening the store took ${last.openSeconds.toFixed(1)} s` : '',
  ].filter(Boolean);
  const clean = g.steps.filter((s) => !s.saturated && !s.machineBusy);
  const latency =
    clean.length === 0
      ? 'latencies saturated or on a busy machine at every size: not latency figures'
      : `latency where the step kept up on a quiet machine: ${clean.map((s) => `${int(s.storedEvents)} events: append p50 ${s.appendP50Ms} / p99 ${s.appendP99Ms} ms, readStream p99 ${s.readStreamP99Ms} ms`).join('; ')}`;
  const busy = g.steps.some((s) => s.machineBusy) ? `; machine busy in ${g.steps.filter((s) => s.machineBusy).length} of ${g.steps.length} steps` : '';
  const server = g.server.emulator ? `server: ${g.server.emulator}` : `server: ${g.server.description}`;
  return `${target}, growth to ${int(last.storedEvents)} stored events (sizes ${sizes}): at the largest, ${facts.join(', ')}; ${latency}${busy}; ${server}`;
}
