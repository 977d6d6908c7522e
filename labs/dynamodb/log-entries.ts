/**
 * How a reader of the global log treats each commit number, as pure decisions (the store does the I/O).
 *
 * Commit numbers come from an atomic counter, so a number can be drawn and not (yet) written: the
 * reader cannot tell a slow writer from a dead one. It stops at the first unresolved number and, once
 * that number has stayed unresolved for `abandonAfterMs` of the reader's own clock, closes it (missing)
 * or finishes it from the writer's intent (pending). Writers cope with both (see table.ts), so the
 * timeout trades latency against wasted work, never correctness.
 */

export type LogEntryState = 'committed' | 'void' | 'pending' | 'missing';

export type LogStep =
  /** Committed: deliver its events and go on. */
  | 'deliver'
  /** Closed (void): nothing to deliver, go on. */
  | 'pass'
  /** Unresolved and not old enough to give up on: stop here, read again later. */
  | 'wait'
  /** Nothing written at this number for too long: put a void entry (if nothing appears meanwhile). */
  | 'close'
  /** An intent older than the timeout: complete it from the intent, or void it if its slot was taken. */
  | 'resolve';

export function decideLogStep(state: LogEntryState, unresolvedForMs: number, abandonAfterMs: number): LogStep {
  switch (state) {
    case 'committed':
      return 'deliver';
    case 'void':
      return 'pass';
    case 'missing':
      return unresolvedForMs >= abandonAfterMs ? 'close' : 'wait';
    case 'pending':
      return unresolvedForMs >= abandonAfterMs ? 'resolve' : 'wait';
  }
}

/**
 * The numbers a page of the log leaves out: every number from `from` up to (not including) the first
 * entry, and between consecutive entries. Numbers after the last entry are not gaps yet: nothing
 * above them exists, so a reader stopping there skips nothing.
 */
export function withGaps<Entry extends { commit: number }>(
  entries: readonly Entry[],
  from: number,
): ({ kind: 'entry'; entry: Entry } | { kind: 'gap'; commit: number })[] {
  const walk: ({ kind: 'entry'; entry: Entry } | { kind: 'gap'; commit: number })[] = [];
  let next = from;
  for (const entry of entries) {
    if (entry.commit < next) throw new RangeError(`log entries out of order: ${entry.commit} after ${next - 1}`);
    for (; next < entry.commit; next++) walk.push({ kind: 'gap', commit: next });
    walk.push({ kind: 'entry', entry });
    next = entry.commit + 1;
  }
  return walk;
}

/** Remembers since when this reader has seen each number unresolved (its own monotonic clock). */
export class UnresolvedTracker {
  private readonly firstSeen = new Map<number, number>();

  constructor(private readonly now: () => number = () => performance.now()) {}

  /** How long `commit` has been seen unresolved; the first call starts the clock at 0. */
  unresolvedFor(commit: number): number {
    const now = this.now();
    const seen = this.firstSeen.get(commit);
    if (seen === undefined) {
      this.firstSeen.set(commit, now);
      return 0;
    }
    return now - seen;
  }

  forget(commit: number): void {
    this.firstSeen.delete(commit);
  }

  get size(): number {
    return this.firstSeen.size;
  }
}
