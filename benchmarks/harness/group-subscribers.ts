/**
 * The live subscribers of a consumer-group workload: N members of ONE group, each an OS process of its
 * own with a store of its own (as the instances of a service are), running the suite's `group-member`
 * task (labs/conformance/child-tasks.ts). They report what they handled, in batches; this side records
 * each event's lag (its append's start -> the moment this process hears it was handled, so the report's
 * IPC is included: a few ms), the backlog, events per member per second, and — when the workload kills
 * a member — the takeover pause: from the SIGKILL to the first event of one of its partitions handled by
 * another member (its leases must expire first: `groupLeaseMs`).
 *
 * Same surface as SubscriberGroup (subscribers.ts), so the run, the recorder and the report are shared.
 */
import type { JsonValue } from '../../labs/core/index.ts';
import type { ChildProcess, ChildProcesses, GroupMemberArgs, HandledRecord } from '../../labs/conformance/index.ts';
import type { ConsumerGroupStats } from '../results-file/schema.ts';
import type { Workload } from '../workloads/workload.ts';
import type { LiveSubscribers } from './subscribers.ts';

export interface GroupSubscribersOptions {
  processes: ChildProcesses;
  workload: Workload;
  runId: string;
  /** The harness clock (the domain of the events' `sentAt`). */
  now: () => number;
  onLag: (sentMs: number, deliveredMs: number) => void;
  log?: (line: string) => void;
}

interface Member {
  id: string;
  child: ChildProcess;
  partitions: number[];
  handled: number;
  joined: boolean;
  killed: boolean;
}

const wallClock = () => performance.timeOrigin + performance.now();

export class GroupSubscribers implements LiveSubscribers {
  private readonly members: Member[] = [];
  private readonly handledIds = new Set<string>();
  private handlings = 0;
  private acknowledged = 0;
  private firstAppendAt: number | undefined;
  private lastHandledAt: number | undefined;
  private killTimer: NodeJS.Timeout | undefined;
  private kill: { member: Member; atWall: number; partitions: number[] } | undefined;
  private takeoverAt: number | undefined;
  private readonly series = new Map<number, Record<string, number>>();
  private closed = false;

  constructor(private readonly options: GroupSubscribersOptions) {}

  get count(): number {
    return this.members.length;
  }

  get acknowledgedEvents(): number {
    return this.acknowledged;
  }

  acknowledge(events: number): void {
    if (this.firstAppendAt === undefined) {
      this.firstAppendAt = wallClock();
      this.scheduleKill();
    }
    this.acknowledged += events;
  }

  backlog(): number {
    return Math.max(0, this.acknowledged - this.handledIds.size);
  }

  bufferStats(): { maxBuffered: number; bufferSize: number } {
    // Each member reads ahead at most its partitions' buffers; that memory is in the member processes.
    return { maxBuffered: 0, bufferSize: this.options.workload.subscriberBufferSize };
  }

  /** Members start from the group's checkpoints (a new group: the start), and keep only this run's streams. */
  async markStart(): Promise<void> {}

  start(): void {
    const { workload, runId, processes } = this.options;
    const members = workload.groupMembers?.[0] ?? 1;
    for (let i = 0; i < members; i++) {
      const id = `member-${i + 1}`;
      const args: GroupMemberArgs = {
        group: `bench-${runId}`,
        memberId: id,
        streamPrefix: `bench-${runId}-`,
        partitions: workload.groupPartitions,
        leaseMs: workload.groupLeaseMs,
        handlerMs: workload.handlerCostMs,
        handlerKind: workload.handlerKind,
      };
      const child = processes.start('group-member', args as unknown as JsonValue);
      const member: Member = { id, child, partitions: [], handled: 0, joined: false, killed: false };
      child.onProgress((raw) => this.onReport(member, raw));
      this.members.push(member);
    }
  }

  private onReport(member: Member, raw: JsonValue): void {
    const message = raw as { joined?: string; partitions?: number[]; handled?: HandledRecord; handledBatch?: HandledRecord[] };
    if (message.joined) member.joined = true;
    if (message.partitions) member.partitions = message.partitions;
    const records = message.handledBatch ?? (message.handled ? [message.handled] : []);
    const heardAt = this.options.now();
    for (const [eventId, , , start, end, , partition, sentAt] of records) {
      this.handlings++;
      member.handled++;
      if (!this.handledIds.has(eventId)) {
        this.handledIds.add(eventId);
        if (sentAt >= 0) this.options.onLag(sentAt, heardAt);
      }
      this.lastHandledAt = Math.max(this.lastHandledAt ?? 0, end);
      if (this.firstAppendAt !== undefined) {
        const second = Math.floor((end - this.firstAppendAt) / 1000);
        const bucket = this.series.get(second) ?? {};
        bucket[member.id] = (bucket[member.id] ?? 0) + 1;
        this.series.set(second, bucket);
      }
      if (this.kill && member !== this.kill.member && this.takeoverAt === undefined && start >= this.kill.atWall && this.kill.partitions.includes(partition)) {
        this.takeoverAt = start;
      }
    }
  }

  private scheduleKill(): void {
    const at = this.options.workload.killMemberAtSeconds;
    if (at === undefined || this.members.length < 2) return;
    this.killTimer = setTimeout(() => {
      const victim = this.members.at(-1)!;
      if (this.closed) return;
      this.kill = { member: victim, atWall: wallClock(), partitions: [...victim.partitions] };
      victim.killed = true;
      victim.child.kill();
      this.options.log?.(`killed ${victim.id} (SIGKILL) holding partitions [${victim.partitions.join(',')}]`);
    }, at * 1000);
    this.killTimer.unref();
  }

  /**
   * Every member joined, then (up to 15 s) the partitions split between them: each holds one, none held
   * twice. A group that never splits (the pitfall twin's copies) is run as it is: its results show it.
   */
  async caughtUp(): Promise<void> {
    const partitions = this.options.workload.groupPartitions;
    await this.until(() => this.members.every((m) => m.joined), 60_000, () => `${this.members.filter((m) => m.joined).length} of ${this.members.length} members joined within 60 s`);
    const split = () => {
      const held = this.members.flatMap((m) => m.partitions);
      const each = this.members.every((m) => m.partitions.length > 0 || this.members.length > partitions);
      return each && held.length === partitions && new Set(held).size === partitions;
    };
    await this.until(split, 15_000, () => '').catch(() => {
      this.notSplit = this.members.map((m) => `${m.id} [${m.partitions.join(',')}]`).join('; ');
    });
  }

  /** Set when the members never split the partitions (each holds what another holds too). */
  notSplit: string | undefined;

  private async until(condition: () => boolean, ms: number, what: () => string): Promise<void> {
    const deadline = Date.now() + ms;
    while (!condition()) {
      if (Date.now() > deadline) throw new Error(what());
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** What the members did; call after the tail was delivered. */
  result(): ConsumerGroupStats {
    const { workload } = this.options;
    const span = this.firstAppendAt !== undefined && this.lastHandledAt !== undefined ? (this.lastHandledAt - this.firstAppendAt) / 1000 : 0;
    const seconds = [...this.series.keys()].sort((a, b) => a - b);
    return {
      members: this.members.length,
      partitions: workload.groupPartitions,
      handlerCostMs: workload.handlerCostMs,
      handlerKind: workload.handlerKind,
      leaseMs: workload.groupLeaseMs,
      handled: this.handledIds.size,
      handledPerSecond: span > 0 ? Math.round((this.handledIds.size / span) * 10) / 10 : 0,
      redelivered: this.handlings - this.handledIds.size,
      perMember: this.members.map((m) => ({ member: m.id, handled: m.handled, killed: m.killed, partitions: m.killed ? (this.kill?.partitions ?? []) : m.partitions })),
      killedAtSeconds: this.kill && this.firstAppendAt !== undefined ? Math.round((this.kill.atWall - this.firstAppendAt) / 100) / 10 : null,
      takeoverMs: this.kill && this.takeoverAt !== undefined ? Math.round(this.takeoverAt - this.kill.atWall) : null,
      memberSeries: seconds.map((t) => ({ t, handled: this.series.get(t)! })),
    };
  }

  /** Asks every member to leave, and waits for the processes (killing those that hang). */
  async close(): Promise<string[]> {
    if (this.closed) return [];
    this.closed = true;
    clearTimeout(this.killTimer);
    const live = this.members.filter((m) => !m.killed);
    for (const m of live) m.child.stop();
    const failures: string[] = [];
    await Promise.all(
      live.map(async (m) => {
        const outcome = await Promise.race([m.child.result.then(() => 'ok' as const, (e: unknown) => String(e)), new Promise<'hung'>((r) => setTimeout(() => r('hung'), 15_000))]);
        if (outcome === 'hung') m.child.kill();
        else if (outcome !== 'ok') failures.push(`member ${m.id} failed: ${outcome}`);
        await m.child.exited;
      }),
    );
    return failures;
  }
}
