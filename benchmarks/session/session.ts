/**
 * One benchmark session: every selected backend (a labs backend definition, or the no-op one), each
 * started once, every selected workload in every selected mode, directly and/or over HTTP, each store
 * run followed at once by its raw-driver baselines (same workload, same mode) so their ratio comes from
 * one run on one machine state. The environment records the machine, the commit, the servers' settings
 * that change results, which server is an emulator, and the machine's load before, during and after.
 */
import { randomBytes } from 'node:crypto';
import { BACKENDS, type BackendDefinition, type RunningBackend } from '../../labs/backends.ts';
import { startBackend } from '../../labs/runtime/index.ts';
import type { EventStore } from '../../labs/core/index.ts';
import { baselinesFor } from '../baselines/index.ts';
import { httpTarget } from '../http/http-target.ts';
import { startFacade } from '../http/facade.ts';
import { RESULTS_SCHEMA_VERSION, type Environment, type ResultsFile, type RunRecord } from '../results-file/schema.ts';
import { NoopEventStore } from '../targets/noop-store.ts';
import { storeTarget, type BenchTarget } from '../targets/target.ts';
import { groupVariants, type Workload } from '../workloads/workload.ts';
import { childProcesses } from '../../labs/bindings/index.ts';
import { attachBaselineRatios } from './baseline-ratios.ts';
import { captureEnvironment, loadAverage } from './environment.ts';
import { watchMachineLoad } from './machine-load.ts';
import { measure, type MeasureOptions, type SessionMode, type Via } from './measure.ts';
import { NOOP_BACKEND, readsStoredEvents } from './noop-backend.ts';
import { measureGrowth, type GrowthSettings } from '../growth/session-growth.ts';

export { NOOP_BACKEND, readsStoredEvents };
export type { SessionMode, Via };

/** Every backend the benchmarks can run: the labs' list (as it is when called) and the no-op one. */
export function benchBackends(): BackendDefinition[] {
  return [NOOP_BACKEND, ...BACKENDS];
}

export interface SessionOptions extends MeasureOptions {
  backends: BackendDefinition[];
  workloads: Workload[];
  modes: SessionMode[];
  via: Via[];
  /** Run the raw-driver baselines (for backends whose server has them). */
  baseline: boolean;
  command: string[];
  settings: Record<string, unknown>;
  /** Growth mode (`modes` has 'growth'): the sizes and how each is measured. */
  growth?: GrowthSettings;
  /** Why a server is known to be unavailable, before trying to start it (beyond what labs/runtime knows). */
  unavailable?: (server: string) => string | undefined;
}

export interface SessionResult {
  results: ResultsFile;
  /** Backends that could not start, and why. */
  unavailable: { backend: BackendDefinition; reason: string }[];
}

/** Emulators the workbench embeds, named wherever their figures appear. */
export function emulatorOf(description: string): string | null {
  return /dynalite/i.test(description)
    ? 'dynalite: an in-memory emulator of the DynamoDB API (Node.js), not AWS DynamoDB; its figures say nothing about how the real service performs'
    : null;
}

export async function runSession(options: SessionOptions): Promise<SessionResult> {
  const startedAt = new Date();
  const log = options.log ?? (() => {});
  const environment: Environment = await captureEnvironment(options.settings);
  const machine = watchMachineLoad(5000);
  const runs: RunRecord[] = [];
  const unavailable: SessionResult['unavailable'] = [];
  const sessionId = randomBytes(3).toString('hex');
  let counter = 0;
  const nextId = () => `${sessionId}-${counter++}`;

  for (const backend of options.backends) {
    const { running, reason } = await start(backend, options, log);
    if (!running) {
      log(`SKIPPED ${backend.name}: ${reason}`);
      unavailable.push({ backend, reason });
      for (const workload of options.workloads) {
        const why = `${backend.title} is not available: ${reason}`;
        runs.push({ id: nextId(), backend: backend.name, target: backend.name, kind: 'store', via: 'direct', workload: workload.name, mode: options.modes[0] ?? 'open', status: 'skipped', reason: why, notes: [] });
      }
      continue;
    }
    const baselines = options.baseline ? baselinesFor(backend.server) : [];
    try {
      environment.backends.push(await describeBackend(backend, running));
      // Growth is one curve per target, not one run per workload: its workloads are in its settings.
      if (options.modes.includes('growth')) {
        if (!options.growth) throw new Error("mode 'growth' needs the session's growth settings");
        runs.push(...(await measureGrowth(nextId, backend, running, options.growth, options.baseline, log)));
      }
      for (const workload of options.workloads.flatMap(groupVariants)) {
        for (const mode of options.modes.filter((m) => m !== 'growth')) {
          for (const via of options.via) {
            runs.push(await measureStore(nextId(), backend, running, workload, mode, via, options));
            // The raw baselines right after, same workload and mode, once per server.
            if (via !== 'direct') continue;
            for (const baseline of baselines) {
              const done = runs.some((r) => r.kind === 'raw' && r.target === baseline.label && r.workload === workload.name && r.mode === mode);
              // A raw driver has no consumer groups: the group workloads have no baseline.
              const outOfScope = baseline.scope?.(workload) ?? (workload.groupMembers ? 'consumer groups' : undefined);
              if (done || outOfScope) continue;
              const raw = await baseline.create(running.env);
              const rawGuarantee = baseline.sameGuarantee ? 'same-as-store' : 'none';
              runs.push(await measure(nextId(), raw, workload, mode, via, options, { rawGuarantee }).finally(() => raw.close().catch(() => {})));
            }
          }
        }
      }
    } finally {
      await running.stop().catch((e: unknown) => log(`stopping ${backend.name} failed: ${String(e)}`));
    }
  }

  const servers = new Map(options.backends.map((b) => [b.name, b.server]));
  attachBaselineRatios(runs, (name) => servers.get(name) ?? name);
  environment.machine = machine.stop();
  environment.loadAverageAfter = loadAverage();
  if (environment.machine.busy) environment.notes.push(`The machine was busy during this session (${environment.machine.why}).`);
  return {
    results: { schemaVersion: RESULTS_SCHEMA_VERSION, startedAt: startedAt.toISOString(), finishedAt: new Date().toISOString(), command: options.command, environment, workloads: options.workloads, runs },
    unavailable,
  };
}

/**
 * Availability and the CI=true policy are labs/runtime's (startBackend): an unavailable server is
 * skipped with the reason, except one the workbench embeds under CI=true, which throws.
 */
async function start(backend: BackendDefinition, options: SessionOptions, log: (line: string) => void): Promise<{ running: RunningBackend; reason?: undefined } | { running?: undefined; reason: string }> {
  const known = options.unavailable?.(backend.server);
  if (known) return { reason: known };
  const outcome = await startBackend(backend, { log });
  return outcome.status === 'ran' ? { running: outcome.running } : { reason: outcome.reason };
}

async function describeBackend(backend: BackendDefinition, running: RunningBackend): Promise<Environment['backends'][number]> {
  const first = baselinesFor(backend.server)[0];
  const quietly = async <T>(get: (() => Promise<T>) | undefined): Promise<T | null> => {
    try {
      return get ? await get() : null;
    } catch {
      return null;
    }
  };
  const version = await quietly(first?.serverVersion ? () => first.serverVersion!(running.env) : undefined);
  const settings = await quietly(first?.serverSettings ? () => first.serverSettings!(running.env) : undefined);
  return { name: backend.name, description: running.description, version, ...(settings ? { settings } : {}), emulator: emulatorOf(running.description) };
}

async function measureStore(id: string, backend: BackendDefinition, running: RunningBackend, workload: Workload, mode: SessionMode, via: Via, options: SessionOptions): Promise<RunRecord> {
  // The no-op store keeps events only for workloads that read them back (noop-store.ts says why).
  const store = backend.name === 'noop' ? new NoopEventStore({ keepEvents: readsStoredEvents(workload) }) : await running.createStore();
  let facade: Awaited<ReturnType<typeof startFacade>> | undefined;
  let target: BenchTarget;
  if (via === 'http') {
    facade = await startFacade(store);
    target = httpTarget(facade.url, { backend: backend.name, unsupported: store.unsupported, maxSockets: Math.max(workload.maxInFlight, workload.concurrency) });
  } else {
    target = backend.name === 'noop' ? storeTarget(store, 'noop', 'synthetic') : { ...storeTarget(store, backend.name, 'store', backend.name), processes: childProcesses(backend, running) };
  }
  return measure(id, target, workload, mode, via, options).finally(async () => {
    await target.close().catch(() => {});
    await facade?.close().catch(() => {});
    if (via === 'http') await closeQuietly(store);
  });
}

async function closeQuietly(store: EventStore): Promise<void> {
  await store.close().catch(() => {});
}
