/**
 * Was the machine busy while we measured? On a shared machine other work takes the cores the backend
 * and the harness need, and a figure then says more about the neighbours than about the backend. A run is
 * flagged busy when the 1-minute load average went above the number of cores, or the hypervisor stole
 * more than STEAL_BUSY_PERCENT of the CPU time (/proc/stat), at any sample during it.
 */
import os from 'node:os';
import { readFileSync } from 'node:fs';
import type { MachineLoad } from '../results-file/schema.ts';
import { loadAverage } from './environment.ts';

export const STEAL_BUSY_PERCENT = 5;

interface CpuTimes {
  total: number;
  steal: number;
}

/** Aggregate CPU times from /proc/stat (`cpu user nice system idle iowait irq softirq steal …`), or null. */
export function parseProcStat(text: string): CpuTimes | null {
  const line = text.split('\n').find((l) => l.startsWith('cpu '));
  if (!line) return null;
  const fields = line.trim().split(/\s+/).slice(1).map(Number);
  if (fields.length < 8 || fields.some((f) => !Number.isFinite(f))) return null;
  // guest and guest_nice (fields 9, 10) are already counted in user and nice.
  const total = fields.slice(0, 8).reduce((a, b) => a + b, 0);
  return { total, steal: fields[7]! };
}

function cpuTimes(): CpuTimes | null {
  try {
    return parseProcStat(readFileSync('/proc/stat', 'utf8'));
  } catch {
    return null;
  }
}

/** The verdict, from what was sampled (pure: the tests give it numbers). */
export function judgeMachineLoad(input: { cores: number; loadBefore: number[]; loadAfter: number[]; maxLoad1: number; stealPercent: number | null }): MachineLoad {
  const reasons: string[] = [];
  if (input.maxLoad1 > input.cores) reasons.push(`load average ${input.maxLoad1} > ${input.cores} cores`);
  if (input.stealPercent !== null && input.stealPercent > STEAL_BUSY_PERCENT) reasons.push(`CPU steal ${input.stealPercent} % > ${STEAL_BUSY_PERCENT} %`);
  return { ...input, busy: reasons.length > 0, why: reasons.length ? reasons.join('; ') : null };
}

/** Samples the load average every `everyMs` until stopped; `stop()` returns the verdict. */
export function watchMachineLoad(everyMs = 2000): { stop(): MachineLoad } {
  const cores = os.cpus().length;
  const loadBefore = loadAverage();
  const cpuBefore = cpuTimes();
  let maxLoad1 = loadBefore[0] ?? 0;
  const timer = setInterval(() => (maxLoad1 = Math.max(maxLoad1, loadAverage()[0] ?? 0)), everyMs);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      const loadAfter = loadAverage();
      maxLoad1 = Math.max(maxLoad1, loadAfter[0] ?? 0);
      const cpuAfter = cpuTimes();
      const total = cpuBefore && cpuAfter ? cpuAfter.total - cpuBefore.total : 0;
      const stealPercent = cpuBefore && cpuAfter && total > 0 ? Math.round(((cpuAfter.steal - cpuBefore.steal) / total) * 1000) / 10 : null;
      return judgeMachineLoad({ cores, loadBefore, loadAfter, maxLoad1, stealPercent });
    },
  };
}
