/**
 * One benchmark session: every selected backend (from labs/backends.ts, plus the no-op backend), each
 * started once, every selected workload in every selected mode, directly and/or over HTTP, each store
 * run followed at once by its raw-driver baseline (same workload, same mode) so their ratio comes from
 * one run on one machine state.
 */
import { randomBytes } from 'node:crypto';
import { BACKENDS, type BackendDefinition, type RunningBackend } from '../../labs/backends.ts';
import type { EventStore } from '../../labs/core/index.ts';
import { httpTarget } from '../adapters/http-target.ts';
import { NoopEventStore } from '../adapters/noop-store.ts';
import { storeTarget, type BenchTarget } from '../adapters/target.ts';
import { baselineFor } from '../baselines/index.ts';
import { startFacade } from '../http/facade.ts';
import { RESULTS_SCHEMA_VERSION, type ResultsFile, type RunRecord } from '../report/results.ts';
import { captureEnvironment, type Environment } from './environment.ts';
import { searchMaxRate, type MaxRateOptions } from './max-rate.ts';
import { round } from './recorder.ts';
import { runWorkload, type Progress, type RunOutcome } from './runner.ts';
import type { Workload } from './workload.ts';

export type SessionMode = 'open' | 'closed' | 'max-rate';
export type Via = 'direct' | 'http';

export const NOOP_BACKEND: BackendDefinition = {
  name: 'noop',
  title: 'No-op (in memory, measures the harness)',
  server: 'none',
  embedded: true,
  async start() {
    return {
      description: 'in-process, in memory, no I/O',
      env: {},
      createStore: async () => new NoopEventStore(),
      stop: async () => {},
    };
  },
};

/** Whether a workload reads back what it appended (reads, subscriptions, prepared data). */
export function readsStoredEvents(workload: Workload): boolean {
  return workload.prepare !== undefined || workload.mix.readStream > 0 || workload.mix.readAll > 0 || workload.subscribers > 0;
}

/** Every backend the harness can run: the labs' registry (as it is when called) and the no-op one. */
export function benchBackends(): BackendDefinition[] {
  return [NOOP_BACKEND, ...BACKENDS];
}

export interface SessionOptions {
  backends: BackendDefinition[];
  workloads: Workload[];
  modes: SessionMode[];
  via: Via[];
  /** Run the raw-driver baselines (for backends whose server has one). */
  baseline: boolean;
  search: Omit<MaxRateOptions, 'runId' | 'onStep' | 'progress'>;
  intervalMs?: number;
  command: string[];
  settings: Record<string, unknown>;
  /** Why a server is known to be unavailable (the test run sets this), before trying to start it. */
  unavailable?: (server: string) => string | undefined;
  log?: (line: string) => void;
  /** A live display: told what starts, how it goes, and what ended. */
  progress?: {
    begin(label: string, totalSeconds: number): void;
    update(progress: Progress): void;
    end(record: RunRecord): void;
  };
}

export interface SessionResult {
  results: ResultsFile;
  /** Backends that could not start, and why. */
  unavailable: { backend: BackendDefinition; reason: string }[];
}

export async function runSession(options: SessionOptions): Promise<SessionResult> {
  const startedAt = new Date();
  const log = options.log ?? (() => {});
  const environment: Environment = await captureEnvironment(options.settings);
  const runs: RunRecord[] = [];
  const unavailable: SessionResult['unavailable'] = [];
  const sessionId = randomBytes(3).toString('hex');
  let counter = 0;

  for (const backend of options.backends) {
    const known = options.unavailable?.(backend.server);
    let running: RunningBackend | undefined;
    let reason = known;
    if (!reason) {
      try {
        running = await backend.start(log);
      } catch (error) {
        reason = error instanceof Error ? error.message : String(error);
      }
    }
    if (!running) {
      const why = reason ?? 'did not start';
      log(`SKIPPED ${backend.name}: ${why}`);
      unavailable.push({ backend, reason: why });
      for (const workload of options.workloads) {
        runs.push(skippedRecord(`${sessionId}-${counter++}`, backend.name, backend.name, 'store', 'direct', workload.name, options.modes[0] ?? 'open', `${backend.title} is not available: ${why}`));
      }
      continue;
    }
    const baseline = options.baseline ? baselineFor(backend.server) : undefined;
    const alreadyBaselined = new Set(runs.filter((r) => r.kind === 'raw').map((r) => `${r.backend}|${r.workload}|${r.mode}`));
    try {
      let version: string | null = null;
      try {
        version = (await baseline?.serverVersion?.(running.env)) ?? (await baselineFor(backend.server)?.serverVersion?.(running.env)) ?? null;
      } catch {
        version = null;
      }
      environment.backends.push({ name: backend.name, description: running.description, version });

      for (const workload of options.workloads) {
        for (const mode of options.modes) {
          for (const via of options.via) {
            const id = `${sessionId}-${counter++}`;
            // The no-op store keeps events only for workloads that read them back (noop-store.ts says why).
            const store = backend.name === 'noop' ? new NoopEventStore({ keepEvents: readsStoredEvents(workload) }) : await running.createStore();
            let facade: Awaited<ReturnType<typeof startFacade>> | undefined;
            let target: BenchTarget;
            if (via === 'http') {
              facade = await startFacade(store);
              target = httpTarget(facade.url, { backend: backend.name, unsupported: store.unsupported, maxSockets: Math.max(workload.maxInFlight, workload.concurrency) });
            } else {
              target = backend.name === 'noop' ? storeTarget(store, 'noop', 'synthetic') : storeTarget(store, backend.name, 'store', backend.name);
            }
            const record = await measure(id, target, workload, mode, via, options).finally(async () => {
              await target.close().catch(() => {});
              await facade?.close().catch(() => {});
              if (via === 'http') await closeQuietly(store);
            });
            runs.push(record);

            // The raw baseline right after, same workload and mode, when this server has one.
            const key = `${backend.server}|${workload.name}|${mode}`;
            if (baseline && via === 'direct' && !alreadyBaselined.has(key)) {
              alreadyBaselined.add(key);
              const raw = await baseline.create(running.env);
              const rawRecord = await measure(`${sessionId}-${counter++}`, raw, workload, mode, via, options).finally(() => raw.close().catch(() => {}));
              runs.push(rawRecord);
            }
          }
        }
      }
    } finally {
      await running.stop().catch((e: unknown) => log(`stopping ${backend.name} failed: ${String(e)}`));
    }
  }

  attachBaselineRatios(runs, options.backends);
  return {
    results: {
      schemaVersion: RESULTS_SCHEMA_VERSION,
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      command: options.command,
      environment,
      workloads: options.workloads,
      runs,
    },
    unavailable,
  };
}

async function closeQuietly(store: EventStore): Promise<void> {
  await store.close().catch(() => {});
}

async function measure(id: string, target: BenchTarget, workload: Workload, mode: SessionMode, via: Via, options: SessionOptions): Promise<RunRecord> {
  const base = { id, backend: target.backend, target: target.label, kind: target.kind, via, workload: workload.name, mode } as const;
  const runId = `${id}-${target.kind}`;
  options.progress?.begin(`${target.label} · ${workload.name} · ${mode}`, mode === 'max-rate' ? options.search.stepSeconds + options.search.warmupSeconds : workload.durationSeconds);
  let record: RunRecord;
  try {
    if (mode === 'max-rate') {
      const result = await searchMaxRate(target, workload, {
        ...options.search,
        runId,
        progress: options.progress?.update,
        onStep: (s) => options.log?.(`  ${target.label} ${workload.name}: ${s.rate}/s -> ${s.sustainable ? 'sustainable' : `not sustainable (${s.why})`}`),
      });
      if (result.skipped !== undefined || !result.best) {
        record = { ...base, status: 'skipped', reason: result.skipped ?? 'no step ran', notes: [] };
      } else {
        record = {
          ...base,
          ...outcomeFields(result.best),
          search: { maxP99Ms: options.search.maxP99Ms, maxBacklog: options.search.maxBacklog, steps: result.steps, maxSustainableRate: result.maxSustainableRate },
        };
        if (result.maxSustainableRate === null) record.notes.push('no rate tried was sustainable: the summary is the lowest rate tried');
      }
    } else {
      const outcome = await runWorkload(target, workload, { mode, runId, intervalMs: options.intervalMs, onProgress: options.progress?.update });
      record = outcome.status === 'skipped' ? { ...base, status: 'skipped', reason: outcome.reason, notes: [] } : { ...base, ...outcomeFields(outcome) };
    }
  } catch (error) {
    record = { ...base, status: 'failed', reason: error instanceof Error ? error.message : String(error), notes: [] };
  }
  options.progress?.end(record);
  return record;
}

function outcomeFields(outcome: RunOutcome): Pick<RunRecord, 'status' | 'summary' | 'histograms' | 'timeSeries' | 'notes'> {
  return { status: 'ok', summary: outcome.summary, histograms: outcome.histograms, timeSeries: outcome.timeSeries, notes: [...outcome.notes] };
}

function skippedRecord(id: string, backend: string, target: string, kind: RunRecord['kind'], via: Via, workload: string, mode: SessionMode, reason: string): RunRecord {
  return { id, backend, target, kind, via, workload, mode, status: 'skipped', reason, notes: [] };
}

/**
 * Store runs get their ratio to the raw baseline of the same server, workload, mode and path. The ratio
 * of throughput is meaningful in closed-loop and max-rate runs; at a fixed open-loop rate both keep up
 * and the ratio of p99 says more.
 */
export function attachBaselineRatios(runs: RunRecord[], backends: BackendDefinition[]): void {
  const serverOf = (name: string) => backends.find((b) => b.name === name)?.server ?? name;
  for (const run of runs) {
    if (run.kind !== 'store' || run.status !== 'ok' || !run.summary) continue;
    const raw = runs.find(
      (r) => r.kind === 'raw' && r.status === 'ok' && r.summary && serverOf(r.backend) === serverOf(run.backend) && r.workload === run.workload && r.mode === run.mode && r.via === run.via,
    );
    if (!raw?.summary) continue;
    run.summary.baseline = {
      label: raw.target,
      throughputRatio: round(run.summary.throughput / Math.max(raw.summary.throughput, 1e-9), 3),
      p99Ratio: round(run.summary.p99Ms / Math.max(raw.summary.p99Ms, 1e-9), 3),
    };
  }
}
