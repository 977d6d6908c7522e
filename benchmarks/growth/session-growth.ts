/**
 * Growth mode in a session: for a started backend, the lab's store and each raw baseline that has a
 * filler get a growth curve (./growth-run.ts), each a run record with `mode: "growth"`, its steps in
 * `growth.steps`, and as its summary the append run at the largest size.
 */
import type { BackendDefinition, RunningBackend } from '../../labs/backends.ts';
import { baselinesFor } from '../baselines/index.ts';
import type { RunRecord } from '../results-file/schema.ts';
import { watchMachineLoad } from '../session/machine-load.ts';
import type { StepOptions } from '../session/rate-step.ts';
import { storeTarget, type BenchTarget } from '../targets/target.ts';
import type { Workload } from '../workloads/workload.ts';
import { fillerFor } from './fillers.ts';
import { runGrowth, type FillProgress, type GrowthSubject } from './growth-run.ts';
import { GrowthInterruptedError } from './storage.ts';

export interface GrowthSettings {
  stored: readonly number[];
  appendWorkload: Workload;
  readWorkload: Workload;
  step: StepOptions;
  catchUpSeconds: number;
  signal: AbortSignal;
  fillProgress?: FillProgress;
}

export async function measureGrowth(nextId: () => string, backend: BackendDefinition, running: RunningBackend, settings: GrowthSettings, baseline: boolean, log: (line: string) => void): Promise<RunRecord[]> {
  const filler = fillerFor(backend.server);
  const base = { backend: backend.name, via: 'direct', workload: settings.appendWorkload.name, mode: 'growth' } as const;
  if (!filler) return [{ ...base, id: nextId(), target: backend.name, kind: 'store', status: 'skipped', reason: `no growth filler for ${backend.server} (benchmarks/growth/fillers.ts)`, notes: [] }];
  const subjects: { kind: 'store' | 'raw'; rawGuarantee?: 'none' | 'same-as-store'; subject: () => Promise<GrowthSubject> }[] = [
    {
      kind: 'store',
      subject: async () => ({
        label: backend.name,
        storage: await filler.store(running.env),
        open: async () => storeTarget(await running.createStore(), backend.name, 'store', backend.name),
        reopenAfterFill: true,
      }),
    },
  ];
  for (const b of baseline ? baselinesFor(backend.server) : []) {
    if (b.scope?.(settings.readWorkload)) continue; // appends-only baselines: a growth step reads too
    // The raw table or topic exists once its baseline connected: create it first, fill it after.
    let raw: BenchTarget | undefined;
    const open = async () => (raw ??= await b.create(running.env));
    await open();
    const storage = filler.raw(b.label, running.env);
    if (!storage) {
      await raw?.close();
      continue;
    }
    const ready = await storage;
    subjects.push({
      kind: 'raw',
      rawGuarantee: b.sameGuarantee ? 'same-as-store' : 'none',
      subject: async () => ({ label: b.label, storage: ready, open, reopenAfterFill: false }),
    });
  }
  const records: RunRecord[] = [];
  for (const entry of subjects) {
    const subject = await entry.subject();
    const record = { ...base, id: nextId(), target: subject.label, kind: entry.kind, ...(entry.rawGuarantee ? { rawGuarantee: entry.rawGuarantee } : {}) };
    const machine = watchMachineLoad();
    log(`growth: ${subject.label}, sizes ${settings.stored.map((n) => n.toLocaleString('en-US')).join(', ')}`);
    try {
      const outcome = await runGrowth(subject, { ...settings, runId: record.id, log });
      const load = machine.stop();
      const notes = [...outcome.notes, ...(outcome.last?.notes ?? [])];
      if (load.busy) notes.push(`the machine was busy during this growth run (${load.why}): its figures may say more about the other work than about the target`);
      records.push({
        ...record,
        status: 'ok',
        ...(outcome.last ? { summary: outcome.last.summary, histograms: outcome.last.histograms, timeSeries: outcome.last.timeSeries } : {}),
        growth: outcome.growth,
        machine: load,
        notes,
      });
    } catch (error) {
      machine.stop();
      // Interrupted: whatever failed (a fill batch, a connection the exit hooks closed), stop here.
      if (error instanceof GrowthInterruptedError || settings.signal.aborted) throw new GrowthInterruptedError();
      records.push({ ...record, status: 'failed', reason: error instanceof Error ? error.message : String(error), notes: [] });
    } finally {
      await subject.storage.close().catch(() => {});
    }
  }
  return records;
}
