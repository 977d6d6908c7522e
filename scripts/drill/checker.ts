/**
 * The checker: what the writers were told, against what the store holds after the failovers and what
 * the subscriber saw. Pure functions of the records, so the counting itself can be unit-tested.
 */
import type { EventRecord, AttemptRecord, Percentiles } from './records.ts';

export interface Findings {
  acknowledged: EventRecord[];
  lost: EventRecord[];
  /** Ids stored more than once. */
  duplicated: string[];
  phantom: EventRecord[];
  indeterminate: EventRecord[];
}

/** `stored`: how many times each id is readable after the drill. */
export function checkEvents(events: readonly EventRecord[], stored: ReadonlyMap<string, number>): Findings {
  const acknowledged = events.filter((e) => e[1] === 'acknowledged');
  return {
    acknowledged,
    lost: acknowledged.filter(([id]) => !stored.has(id)),
    duplicated: [...stored].filter(([, n]) => n > 1).map(([id]) => id),
    phantom: events.filter(([id, outcome]) => outcome !== 'acknowledged' && stored.has(id)),
    indeterminate: events.filter((e) => e[1] === 'indeterminate'),
  };
}

/** Stored ids the subscriber never delivered, and ids it delivered more than once. */
export function checkSubscriber(stored: ReadonlyMap<string, number>, delivered: readonly string[]): { missed: number; duplicated: number } {
  const seen = new Map<string, number>();
  for (const id of delivered) seen.set(id, (seen.get(id) ?? 0) + 1);
  return {
    missed: [...stored.keys()].filter((id) => !seen.has(id)).length,
    duplicated: [...seen.values()].filter((n) => n > 1).length,
  };
}

/**
 * The writers' unavailability around one fault: the longest stretch without any acknowledged append
 * (on any writer) between `from` and `until`, counted from the last acknowledgement before it. It takes
 * in appends that failed and appends that hung (a client that retries inside the driver, as kafkajs
 * does, never fails: it waits). 0 when no attempt at all was made in the window.
 */
export function unavailableWindow(attempts: readonly AttemptRecord[], from: number, until: number): number {
  const successes = attempts.filter(([, , ok]) => ok === 1).map(([, end]) => end).sort((a, b) => a - b);
  const before = successes.filter((end) => end < from).at(-1);
  const inWindow = successes.filter((end) => end >= from && end <= until);
  // The stretch that is still open at `until` ends at the first acknowledgement after it.
  const after = successes.find((end) => end > until) ?? inWindow.at(-1) ?? until;
  const points = [...(before === undefined ? [] : [before]), ...inWindow, after];
  if (before === undefined && inWindow.length === 0) return 0;
  let longest = 0;
  for (let i = 1; i < points.length; i++) longest = Math.max(longest, points[i]! - points[i - 1]!);
  return longest;
}

export function percentiles(values: readonly number[]): Percentiles {
  if (values.length === 0) return { p50: 0, p99: 0, max: 0 };
  const sorted = [...values].sort((a, b) => a - b);
  // Nearest rank: with few failovers p99 is the max, which is what a reader should see.
  const rank = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
  return { p50: rank(0.5), p99: rank(0.99), max: sorted[sorted.length - 1]! };
}
