/**
 * Step 3 of the writer (group-commit-writer.ts): deciding each append of a group, in queue order, against
 * the log as it will be once the members accepted before it are written. Pure over what it reads, so the
 * ordering rule is testable without a broker. The rules themselves (expected version, exact retry) are the
 * workbench's one copy in labs/core/expected-version.ts.
 */
import {
  DuplicateEventIdError,
  WrongExpectedVersionError,
  assertExpectedVersion,
  judgeEarlierAppend,
  type AppendResult,
  type ExpectedVersion,
  type ValidatedEvent,
} from '../core/index.ts';
import { positionOfOffset } from './records.ts';

/** An event the checks found stored in the log, or accepted earlier in the same group. */
export interface KnownEvent {
  id: string;
  streamId: string;
  streamVersion: number;
  /** Undefined for an event accepted earlier in the group: its position is known once the group commits. */
  globalPosition: bigint | undefined;
}

/** What the checks read: the view's index, or the index plus the members accepted earlier in a group. */
export interface AppendCheckSource {
  streamVersion(streamId: string): number | undefined;
  eventById(id: string): KnownEvent | undefined;
}

export type AppendCheck =
  /** Write the batch; the stream is at `current` before it (undefined: no stream). */
  | { kind: 'write'; current: number | undefined }
  /** An exact retry of an earlier append with these ids: nothing is written; `last` is its last event. */
  | { kind: 'retry'; last: KnownEvent };

/** The idempotency check by event ids, then the expected version. Throws DuplicateEventIdError or WrongExpectedVersionError. */
export function checkAppend(source: AppendCheckSource, streamId: string, events: readonly ValidatedEvent[], expected: ExpectedVersion): AppendCheck {
  const earlier = judgeEarlierAppend(
    streamId,
    events.map((e) => e.id),
    events.map((e) => source.eventById(e.id)),
  );
  if (earlier) return { kind: 'retry', last: earlier };
  const current = source.streamVersion(streamId);
  assertExpectedVersion(streamId, expected, current);
  return { kind: 'write', current };
}

/**
 * The log as it will be once the members accepted so far in this group are written: the view's index
 * plus their stream versions and event ids. Checking member n against it is checking it against the log
 * as if members 1..n-1 had been appended one by one before it (the ordering rule).
 */
class GroupOverlay implements AppendCheckSource {
  private readonly versions = new Map<string, number>();
  private readonly ids = new Map<string, KnownEvent>();

  constructor(private readonly log: AppendCheckSource) {}

  streamVersion(streamId: string): number | undefined {
    return this.versions.has(streamId) ? this.versions.get(streamId) : this.log.streamVersion(streamId);
  }

  eventById(id: string): KnownEvent | undefined {
    return this.log.eventById(id) ?? this.ids.get(id);
  }

  /** Whether the check of this append reads anything an earlier member of the group added. */
  readsGroup(streamId: string, events: readonly ValidatedEvent[]): boolean {
    return this.versions.has(streamId) || events.some((e) => this.ids.has(e.id));
  }

  accept(streamId: string, events: readonly ValidatedEvent[], current: number | undefined): void {
    const first = (current ?? -1) + 1;
    events.forEach((event, i) => this.ids.set(event.id, { id: event.id, streamId, streamVersion: first + i, globalPosition: undefined }));
    this.versions.set(streamId, first + events.length - 1);
  }
}

/** An append waiting in a writer's queue, with the promise its caller holds. */
export interface QueuedAppend {
  streamId: string;
  events: readonly ValidatedEvent[];
  expected: ExpectedVersion;
  /** Bytes the append adds to a produce request. */
  bytes: number;
  resolve(result: AppendResult): void;
  reject(error: unknown): void;
}

type Verdict =
  | { kind: 'write'; current: number | undefined }
  | { kind: 'retry'; last: KnownEvent }
  | { kind: 'refused'; error: WrongExpectedVersionError | DuplicateEventIdError };

export interface PlannedAppend {
  append: QueuedAppend;
  verdict: Verdict;
  /** The verdict rests on an earlier member of the group: it only holds if that member is written. */
  readsGroup: boolean;
}

export type PlannedWrite = PlannedAppend & { verdict: { kind: 'write'; current: number | undefined } };

export const isWrite = (planned: PlannedAppend): planned is PlannedWrite => planned.verdict.kind === 'write';

/** Step 3 for a group: every member in queue order, each against the log plus the members accepted before it. */
export function planGroup(log: AppendCheckSource, group: readonly QueuedAppend[]): PlannedAppend[] {
  const overlay = new GroupOverlay(log);
  return group.map((append) => {
    const readsGroup = overlay.readsGroup(append.streamId, append.events);
    try {
      const check = checkAppend(overlay, append.streamId, append.events, append.expected);
      if (check.kind === 'write') overlay.accept(append.streamId, append.events, check.current);
      return { append, verdict: check, readsGroup };
    } catch (error) {
      if (error instanceof WrongExpectedVersionError || error instanceof DuplicateEventIdError) return { append, verdict: { kind: 'refused', error }, readsGroup };
      throw error;
    }
  });
}

/** The group committed (or wrote nothing): each member gets its result, its exact retry answer, or its refusal. */
export function settle(plan: readonly PlannedAppend[], offsets: ReadonlyMap<string, bigint>): void {
  const positionOf = (event: KnownEvent): bigint | undefined => {
    if (event.globalPosition !== undefined) return event.globalPosition;
    const offset = offsets.get(event.id);
    return offset === undefined ? undefined : positionOfOffset(offset);
  };
  for (const { append, verdict } of plan) {
    if (verdict.kind === 'refused') {
      append.reject(verdict.error);
      continue;
    }
    const last: KnownEvent =
      verdict.kind === 'retry'
        ? verdict.last
        : { id: append.events.at(-1)!.id, streamId: append.streamId, streamVersion: (verdict.current ?? -1) + append.events.length, globalPosition: undefined };
    const globalPosition = positionOf(last);
    if (globalPosition === undefined) append.reject(new Error(`The position of event ${last.id} is unknown after the commit`)); // cannot happen: kept honest
    else append.resolve({ nextExpectedVersion: last.streamVersion, globalPosition });
  }
}

/**
 * The transaction's outcome is unknown (an error that is neither fencing nor a busy coordinator): the
 * written members get the error (a retry with the same event ids is answered correctly either way), and
 * so does every member whose verdict rested on them. The others' verdicts rest on the log alone: they hold.
 */
export function settleUnknown(plan: readonly PlannedAppend[], error: unknown): void {
  for (const planned of plan) {
    if (planned.verdict.kind === 'write' || planned.readsGroup) planned.append.reject(error);
  }
  settle(
    plan.filter((p) => p.verdict.kind !== 'write' && !p.readsGroup),
    new Map(),
  );
}
