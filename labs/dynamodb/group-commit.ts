/**
 * GROUP COMMIT of the global log: the appends of one process that arrive while a log write is in flight
 * share the next log entry, so the log costs one PutItem per group instead of one (plus a counter
 * update) per append. The idea is the one databases use for their write-ahead log.
 *
 * The log stays GAP-FREE by construction: a writer puts entry n only when it knows that n-1 exists (it
 * wrote it, or read it as the newest), under `attribute_not_exists`. Of several processes racing for n
 * one wins; the others read the newest number again and try the one after it. No number is ever
 * reserved without being written, so readers never wait for a number that may never come.
 *
 * Each member of an entry is still decided by its own conditional commit item (its stream slot): the
 * entry is written BEFORE the commit items, as the intent. Once every member knows its outcome, the
 * writer marks the entry (one UpdateItem per entry, in the background: no append waits for it). A
 * reader that meets an entry not marked yet decides it from the slots itself (see table.ts).
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { AppendContentionError } from './errors.ts';
import { EVENTS_PER_COMMIT } from './keys.ts';
import { MAX_ITEM_BYTES } from './item-size.ts';

export type MemberState = 'pending' | 'committed' | 'void';

/** What the group commit needs to know of one append. */
export interface GroupMember {
  streamId: string;
  /** Sort key of the commit item the append will put: the version of its first event. */
  slot: number;
  eventCount: number;
  /** Bytes this member adds to a log entry (see `memberSizeBytes` in the store). */
  sizeBytes: number;
}

/** Where an append landed in the log, and how it reports its outcome. */
export interface Placement {
  commit: number;
  /** Index of the member's first event among the entry's events: its positions are (commit, offset + i). */
  offset: number;
  /** The member's outcome; `unknown` when its commit put failed without an answer (readers decide). */
  report(state: 'committed' | 'void' | 'unknown'): void;
}

/** The I/O the group commit needs, done by the store (counted, errors mapped). */
export interface LogIo<Member extends GroupMember> {
  /** Number of the newest log entry, 0 when the log is empty (a consistent read). */
  newestCommit(): Promise<number>;
  /**
   * Puts the entry at `commit` under attribute_not_exists: `taken` when the number was already written,
   * `unsure` when the put was refused after the SDK retried it (an earlier attempt may have landed).
   */
  putEntry(commit: number, writer: string, members: readonly Member[], offsets: readonly number[]): Promise<'written' | 'taken' | 'unsure'>;
  /** The writer id stored at `commit`, if any (was a put refused after a retry ours after all?). */
  writerAt(commit: number): Promise<string | undefined>;
  /** Marks decided members (never `pending` ones); writers and readers decide alike. */
  mark(commit: number, states: ReadonlyMap<number, 'committed' | 'void'>): Promise<void>;
}

/** Bytes of an entry besides its members: keys, writer id, time, attribute names. */
const ENTRY_OVERHEAD_BYTES = 200;
/** Processes racing for the next number retry this often before the append gives up. */
const MAX_PUT_ATTEMPTS = 50;
/**
 * A process that lost the race for n tries n+1 at once (n exists: someone wrote it), and only after
 * this many losses in a row reads where the log ends (it has moved on by more than one step).
 * Measured with 8 writing processes (labs/dynamodb/stress): reading the newest number and the writer
 * of every lost number cost 3 round trips per loss and most of the requests of an append.
 */
const LOSSES_BEFORE_READING_NEWEST = 3;
/** After a lost race: a random wait of up to base x 2^(losses-1) ms, at most max. */
const BACKOFF_BASE_MS = 4;
const BACKOFF_MAX_MS = 64;
/** Entries whose outcomes stay known in-process after their mark (see forgetSettledBefore). */
const SETTLED_KEPT = 1024;

interface Waiting<Member> {
  member: Member;
  resolve(placement: Placement): void;
  reject(error: unknown): void;
}

export class GroupCommitLog<Member extends GroupMember> {
  /** Newest log number known to exist; undefined until read (or after an unknown outcome). */
  private newest: number | undefined;
  private queue: Waiting<Member>[] = [];
  private writing = false;
  private readonly marking = new Set<Promise<void>>();
  /**
   * Entries this log wrote whose mark has not landed yet (and the last ones marked), with the outcomes
   * their members reported so far (a member missing: its commit put is still in flight).
   */
  private readonly settling = new Map<number, Map<number, 'committed' | 'void'>>();
  /** Entries written and appends they held: their ratio is the average group size (the tests read it). */
  readonly stats = { entries: 0, members: 0, lostRaces: 0 };

  constructor(private readonly io: LogIo<Member>) {}

  /** Queues the append for the next log entry; resolves once the entry is written. */
  place(member: Member): Promise<Placement> {
    return new Promise((resolve, reject) => {
      this.queue.push({ member, resolve, reject });
      if (!this.writing) void this.drain();
    });
  }

  /**
   * For an entry this log wrote, not marked yet or marked recently: the outcomes its members reported. A reader
   * of this process needs no slot lookup for them, and a member missing is still being committed by a
   * live writer (this process), whose mark will follow. Undefined for any other entry.
   */
  settlingStates(commit: number): ReadonlyMap<number, 'committed' | 'void'> | undefined {
    return this.settling.get(commit);
  }

  /** Marks still in flight (close waits for them; tests count requests after them). */
  async idle(): Promise<void> {
    while (this.marking.size > 0) await Promise.allSettled([...this.marking]);
  }

  private async drain(): Promise<void> {
    this.writing = true;
    try {
      while (this.queue.length > 0) await this.writeGroup(this.takeGroup());
    } finally {
      this.writing = false;
    }
  }

  /**
   * As many queued appends, in arrival order, as one item holds (400 KB, 10,000 events) together with
   * the `already` taken ones.
   */
  private takeGroup(already: readonly Waiting<Member>[] = []): Waiting<Member>[] {
    let bytes = ENTRY_OVERHEAD_BYTES + already.reduce((sum, w) => sum + w.member.sizeBytes, 0);
    let events = already.reduce((sum, w) => sum + w.member.eventCount, 0);
    let count = 0;
    for (const { member } of this.queue) {
      if (count + already.length > 0 && (bytes + member.sizeBytes > MAX_ITEM_BYTES || events + member.eventCount > EVENTS_PER_COMMIT)) break;
      bytes += member.sizeBytes;
      events += member.eventCount;
      count++;
    }
    return this.queue.splice(0, count);
  }

  private async writeGroup(group: Waiting<Member>[]): Promise<void> {
    const writer = randomUUID();
    let lossesInARow = 0;
    try {
      for (let attempt = 1; attempt <= MAX_PUT_ATTEMPTS; attempt++) {
        const members = group.map((w) => w.member);
        const offsets: number[] = [];
        members.reduce((offset, m) => (offsets.push(offset), offset + m.eventCount), 0);
        this.newest ??= await this.io.newestCommit();
        const commit = this.newest + 1;
        let written: boolean;
        try {
          const outcome = await this.io.putEntry(commit, writer, members, offsets);
          written = outcome === 'written' || (outcome === 'unsure' && (await this.io.writerAt(commit)) === writer);
        } catch (error) {
          // Outcome unknown: the entry may exist. Read the newest number before writing the next one.
          this.newest = undefined;
          throw error;
        }
        if (!written) {
          // Another process wrote this number. Back off a little (random, growing), so that the
          // processes racing for the next number do not all try again at once, and take the appends
          // that arrived meanwhile into this group: under contention the groups grow instead of the
          // number of puts.
          this.stats.lostRaces++;
          this.newest = ++lossesInARow < LOSSES_BEFORE_READING_NEWEST ? commit : undefined;
          await sleep(Math.random() * Math.min(BACKOFF_BASE_MS * 2 ** (lossesInARow - 1), BACKOFF_MAX_MS));
          group.push(...this.takeGroup(group));
          continue;
        }
        this.newest = commit;
        this.stats.entries++;
        this.stats.members += group.length;
        const decided = new Map<number, 'committed' | 'void'>();
        this.settling.set(commit, decided);
        let outstanding = group.length;
        group.forEach((waiting, index) => {
          let reported = false;
          waiting.resolve({
            commit,
            offset: offsets[index]!,
            report: (state) => {
              if (reported) return;
              reported = true;
              if (state !== 'unknown') decided.set(index, state);
              if (--outstanding > 0) return;
              if (decided.size > 0) this.markInBackground(commit, decided);
              else this.forgetSettledBefore(commit);
            },
          });
        });
        return;
      }
      throw new AppendContentionError(group[0]!.member.streamId, MAX_PUT_ATTEMPTS);
    } catch (error) {
      for (const waiting of group) waiting.reject(error);
    }
  }

  /**
   * Outcomes stay known for the last SETTLED_KEPT entries after their mark: a reader whose Query saw an
   * entry just before its mark landed still needs no lookup.
   */
  private forgetSettledBefore(commit: number): void {
    for (const known of this.settling.keys()) {
      if (known > commit - SETTLED_KEPT) break; // the Map iterates in insertion order: oldest first
      this.settling.delete(known);
    }
  }

  /**
   * The append has its answer once its commit item is in; marking the entry only spares readers a
   * lookup, so nobody waits for it, and a failure is left to readers (they decide the same way).
   */
  private markInBackground(commit: number, states: ReadonlyMap<number, 'committed' | 'void'>): void {
    const marking: Promise<void> = this.io
      .mark(commit, states)
      .catch(() => {})
      .finally(() => {
        this.forgetSettledBefore(commit);
        this.marking.delete(marking);
      });
    this.marking.add(marking);
  }
}
