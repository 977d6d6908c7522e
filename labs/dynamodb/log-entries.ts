/**
 * How a reader of the global log treats each entry, as pure decisions (the store does the I/O).
 *
 * Entries are written gap-free (group-commit.ts), so the only thing a reader can meet that is not
 * final yet is a PENDING member: its writer put the entry and has not (yet) put its commit item. The
 * reader cannot tell a slow writer from a dead one: it stops at the first entry with a pending member
 * and, once that entry has stayed unresolved for `abandonAfterMs` of the reader's own clock, finishes
 * the member from the entry (or voids it, if another append took its slot). Writers cope with that
 * (see table.ts), so the timeout trades latency against wasted work, never correctness.
 */

export type LogEntryState = 'committed' | 'void' | 'pending';

export type LogStep =
  /** Committed: deliver its events and go on. */
  | 'deliver'
  /** Void (its slot went to another append): nothing to deliver, go on. */
  | 'pass'
  /** Unresolved and not old enough to give up on: stop here, read again later. */
  | 'wait'
  /** Pending for longer than the timeout: complete it from the entry, or void it if its slot was taken. */
  | 'resolve';

export function decideLogStep(state: LogEntryState, unresolvedForMs: number, abandonAfterMs: number): LogStep {
  switch (state) {
    case 'committed':
      return 'deliver';
    case 'void':
      return 'pass';
    case 'pending':
      return unresolvedForMs >= abandonAfterMs ? 'resolve' : 'wait';
  }
}

/** Remembers since when this reader has seen each entry unresolved (its own monotonic clock). */
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
