/** What the drill's processes tell each other, and what a drill reports. */
import type { ClusterFault } from '../../labs/runtime/index.ts';

export interface WriterStart {
  writer: number;
  streams: string[];
  /** `expected`: the version this writer last saw (a lost append shows as a refusal too); `any`: none. */
  mode: 'expected' | 'any';
}

/** One event's fate as its writer saw it: [id, outcome, when (epoch ms)]. */
export type EventRecord = [string, 'acknowledged' | 'refused' | 'indeterminate', number];
/** One append attempt: [start, end (epoch ms), 1 = it succeeded]. */
export type AttemptRecord = [number, number, 0 | 1];

export interface WriterReport {
  writer: number;
  events: EventRecord[];
  attempts: AttemptRecord[];
  error?: string;
}

export interface Percentiles {
  p50: number;
  p99: number;
  max: number;
}

export interface FaultReport {
  fault: ClusterFault;
  failovers: number;
  acknowledged: number;
  lost: number;
  duplicated: number;
  phantom: number;
  unavailableMs: Percentiles;
}

export interface DrillReport {
  backend: string;
  title: string;
  durability: string;
  failovers: number;
  faults: FaultReport[];
  /** Totals over every fault. */
  acknowledged: number;
  lost: number;
  duplicated: number;
  /** Refused (or left without an answer) but stored all the same. */
  phantom: number;
  /** Appends that got no answer at the end (a retry was still failing when the writers stopped). */
  indeterminate: number;
  subscriberMissed: number;
  subscriberDuplicated: number;
  unavailableMs: Percentiles;
  /** Each failover as the failover manager timed it, and the window the writers saw. */
  timeline: { fault: ClusterFault; lagMs: number; acknowledgedDuringLag: number; detectMs: number; promoteMs: number; rebuildMs: number; unavailableMs: number; lost: number }[];
  writers: number;
  startedAt: string;
  durationMs: number;
  /** Ids of a few lost acknowledged events, to look up. */
  lostSample: string[];
  /** The machine's cores and load average (1, 5, 15 min) at the start and the end: figures are read with them. Absent in drills before it was recorded. */
  machine?: { cores: number; loadAverageStart: number[]; loadAverageEnd: number[] };
}
