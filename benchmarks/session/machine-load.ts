/**
 * Was the machine busy with OTHER work while we measured? On a shared machine other work takes the cores
 * the backend and the harness need, and a figure then says more about the neighbours than about the
 * backend.
 *
 * The load average cannot tell: it counts this benchmark too. A max-rate step keeps the harness and the
 * server under test busy on both cores of a 2-core machine, so the load average nears or passes the core
 * count on a machine that runs nothing else (seen: 2.5-3.0 in max-rate searches that ran alone), and a
 * rule "load above the cores" says nothing about other work. So on Linux the verdict comes from CPU
 * accounting (/proc/<pid>/stat, sampled every few seconds): the CPU time of user-space processes that are
 * not this process or its descendants (the servers it started), as a share of the machine's (/proc/stat).
 * A run is busy when other processes used more than OTHER_CPU_BUSY_PERCENT of the machine over the run, or more than
 * OTHER_CPU_BURST_PERCENT in any window of BURST_WINDOW_MS, or the hypervisor stole more than
 * STEAL_BUSY_PERCENT. Where /proc is missing (macOS), only the load average before the run is judged, and
 * the verdict says which method it used.
 */
import os from 'node:os';
import { readFileSync, readdirSync } from 'node:fs';
import type { MachineLoad } from '../results-file/schema.ts';
import { loadAverage } from './environment.ts';

export const STEAL_BUSY_PERCENT = 5;
/** Other processes' share of the machine's CPU time over the run (100 % = every core). */
export const OTHER_CPU_BUSY_PERCENT = 10;
/** … and in the worst window: a burst long enough to spoil a step. */
export const OTHER_CPU_BURST_PERCENT = 25;
export const BURST_WINDOW_MS = 10_000;

/** Machine-wide CPU times, in clock ticks, from /proc/stat's `cpu` line. */
export interface CpuTimes {
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

/**
 * One process from /proc/<pid>/stat: its parent and its CPU ticks, its own (utime + stime) plus those of
 * the children it has reaped (cutime + cstime): when a child exits, its time moves into its parent's.
 * The command name (field 2) may hold spaces and parentheses, so fields are counted after the last ')'.
 */
export function parseProcessStat(text: string): { ppid: number; ticks: number } | null {
  const close = text.lastIndexOf(')');
  if (close < 0) return null;
  const fields = text.slice(close + 2).trim().split(/\s+/);
  // After the name: state(3) ppid(4) … utime(14) stime(15) cutime(16) cstime(17).
  const ppid = Number(fields[1]);
  const ticks = [11, 12, 13, 14].map((i) => Number(fields[i]));
  if (!Number.isInteger(ppid) || ticks.some((t) => !Number.isFinite(t))) return null;
  return { ppid, ticks: ticks.reduce((a, b) => a + b, 0) };
}

export interface ProcReader {
  stat(): string | null;
  pids(): number[];
  processStat(pid: number): string | null;
}

const linuxProc: ProcReader = {
  stat: () => readOrNull('/proc/stat'),
  pids: () => {
    try {
      return readdirSync('/proc').filter((name) => /^\d+$/.test(name)).map(Number);
    } catch {
      return [];
    }
  },
  processStat: (pid) => readOrNull(`/proc/${pid}/stat`),
};

function readOrNull(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

export type Group = 'own' | 'other';

const KTHREADD = 2;

/**
 * Every user-space process alive now, by pid: its ticks and whether it is ours (`root` or a descendant:
 * the harness and the servers it started) or other work. Kernel threads (kthreadd, pid 2, and its
 * children) belong to neither: their time, like interrupt time, is mostly the kernel serving someone's
 * I/O — the fsyncs of the PostgreSQL under test among them (seen: 16-20 % of the machine in 10-second
 * windows of a PostgreSQL max-rate search that ran alone) — not another program competing for cores.
 */
export function processTicks(root: number, proc: ProcReader): Map<number, { ticks: number; group: Group }> {
  const byParent = new Map<number, number[]>();
  const all = new Map<number, { ppid: number; ticks: number }>();
  for (const pid of proc.pids()) {
    const text = proc.processStat(pid);
    const parsed = text === null ? null : parseProcessStat(text);
    if (!parsed) continue; // exited while we looked
    all.set(pid, parsed);
    byParent.set(parsed.ppid, [...(byParent.get(parsed.ppid) ?? []), pid]);
  }
  const ours = new Set<number>();
  const queue = [root];
  while (queue.length) {
    const pid = queue.shift()!;
    if (!all.has(pid) || ours.has(pid)) continue;
    ours.add(pid);
    queue.push(...(byParent.get(pid) ?? []));
  }
  const result = new Map<number, { ticks: number; group: Group }>();
  for (const [pid, p] of all) {
    if (pid === KTHREADD || p.ppid === KTHREADD) continue;
    result.set(pid, { ticks: p.ticks, group: ours.has(pid) ? 'own' : 'other' });
  }
  return result;
}

/**
 * The CPU time our process tree and other processes used since the meter was made, sample by sample. A
 * process that appears counts from zero; one that disappears has its last-seen total subtracted, because
 * its parent's cutime now holds it (counted in the parent's next difference).
 */
export class ProcessCpuMeter {
  private last: Map<number, { ticks: number; group: Group }>;
  private readonly used = { own: 0, other: 0 };

  constructor(
    private readonly root: number,
    private readonly proc: ProcReader,
  ) {
    this.last = processTicks(root, proc);
  }

  /** Ticks used since the meter was made, ours and others'. */
  sample(): { own: number; other: number } {
    const now = processTicks(this.root, this.proc);
    for (const [pid, p] of now) this.used[p.group] += p.ticks - (this.last.get(pid)?.ticks ?? 0);
    for (const [pid, p] of this.last) if (!now.has(pid)) this.used[p.group] -= p.ticks;
    this.last = now;
    return { ...this.used };
  }
}

/** One sample: machine-wide times, and what our tree and other processes had used by then, all cumulative. */
export interface CpuSample {
  atMs: number;
  machine: CpuTimes;
  ownTicks: number;
  otherTicks: number;
}

/** Shares of the machine between two samples, percent of every core's time (null: no time passed). */
export function otherCpuPercent(from: CpuSample, to: CpuSample): { other: number; own: number; steal: number } | null {
  const total = to.machine.total - from.machine.total;
  if (total <= 0) return null;
  const pct = (x: number) => Math.round((Math.max(0, x) / total) * 1000) / 10;
  return { other: pct(to.otherTicks - from.otherTicks), own: pct(to.ownTicks - from.ownTicks), steal: pct(to.machine.steal - from.machine.steal) };
}

/** The worst window of at least `windowMs` (consecutive samples merged until they span it). */
export function worstWindow(samples: readonly CpuSample[], windowMs: number): number | null {
  let worst: number | null = null;
  for (let i = 0; i < samples.length; i++) {
    const j = samples.findIndex((s, k) => k > i && s.atMs - samples[i]!.atMs >= windowMs);
    if (j < 0) break;
    const share = otherCpuPercent(samples[i]!, samples[j]!);
    if (share && (worst === null || share.other > worst)) worst = share.other;
  }
  return worst;
}

export interface MachineLoadInput {
  cores: number;
  loadBefore: number[];
  loadAfter: number[];
  maxLoad1: number;
  stealPercent: number | null;
  /** Other processes' share of the machine over the run, percent (null: no /proc to account with). */
  otherCpuPercent: number | null;
  /** … in the worst BURST_WINDOW_MS window (null when the run was shorter). */
  maxOtherCpuPercent: number | null;
  /** This benchmark's own share (harness and the servers it started), percent. */
  ownCpuPercent: number | null;
}

/** The verdict, from what was sampled (pure: the tests give it numbers). */
export function judgeMachineLoad(input: MachineLoadInput): MachineLoad {
  const reasons: string[] = [];
  const cores = (pct: number) => `${Math.round((pct / 100) * input.cores * 100) / 100} of ${input.cores} cores`;
  const accounted = input.otherCpuPercent !== null;
  if (accounted) {
    if (input.otherCpuPercent! > OTHER_CPU_BUSY_PERCENT) {
      reasons.push(`other processes used ${input.otherCpuPercent} % of the CPU (${cores(input.otherCpuPercent!)}) > ${OTHER_CPU_BUSY_PERCENT} %`);
    } else if (input.maxOtherCpuPercent !== null && input.maxOtherCpuPercent > OTHER_CPU_BURST_PERCENT) {
      reasons.push(`other processes used ${input.maxOtherCpuPercent} % of the CPU for ${BURST_WINDOW_MS / 1000} s (${cores(input.maxOtherCpuPercent)}) > ${OTHER_CPU_BURST_PERCENT} %`);
    }
  } else if ((input.loadBefore[0] ?? 0) > input.cores) {
    // Without per-process accounting the load during the run would count this benchmark: judge the load before it.
    reasons.push(`load average ${input.loadBefore[0]} > ${input.cores} cores before the run`);
  }
  if (input.stealPercent !== null && input.stealPercent > STEAL_BUSY_PERCENT) reasons.push(`CPU steal ${input.stealPercent} % > ${STEAL_BUSY_PERCENT} %`);
  return {
    ...input,
    method: accounted ? 'cpu-accounting' : 'load-average-before',
    busy: reasons.length > 0,
    why: reasons.length ? reasons.join('; ') : null,
  };
}

/** Samples the machine every `everyMs` until stopped; `stop()` returns the verdict. */
export function watchMachineLoad(everyMs = 2000, proc: ProcReader = linuxProc, root = process.pid): { stop(): MachineLoad } {
  const cores = os.cpus().length;
  const loadBefore = loadAverage();
  let maxLoad1 = loadBefore[0] ?? 0;
  const machineNow = () => {
    const text = proc.stat();
    return text === null ? null : parseProcStat(text);
  };
  const first = machineNow();
  const meter = first ? new ProcessCpuMeter(root, proc) : null;
  const samples: CpuSample[] = first ? [{ atMs: Date.now(), machine: first, ownTicks: 0, otherTicks: 0 }] : [];
  const sample = () => {
    maxLoad1 = Math.max(maxLoad1, loadAverage()[0] ?? 0);
    const machine = machineNow();
    if (!machine || !meter) return;
    const used = meter.sample();
    samples.push({ atMs: Date.now(), machine, ownTicks: used.own, otherTicks: used.other });
  };
  const timer = setInterval(sample, everyMs);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      sample();
      const whole = samples.length >= 2 ? otherCpuPercent(samples[0]!, samples.at(-1)!) : null;
      return judgeMachineLoad({
        cores,
        loadBefore,
        loadAfter: loadAverage(),
        maxLoad1,
        stealPercent: whole?.steal ?? null,
        otherCpuPercent: whole?.other ?? null,
        maxOtherCpuPercent: worstWindow(samples, BURST_WINDOW_MS),
        ownCpuPercent: whole?.own ?? null,
      });
    },
  };
}
