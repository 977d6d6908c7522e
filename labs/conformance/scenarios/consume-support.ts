/**
 * What the consume.* scenarios share: the record of one handling, waiting with a bound, writing a batch of
 * streams, the properties every group keeps (checkHandlings), member processes and in-process members.
 */
import assert from 'node:assert/strict';
import { consume, sleep, type ConsumerGroupMember, type Delivery, type EventStore } from '../../core/index.ts';
import type { GroupMemberArgs, HandledRecord } from '../child-tasks.ts';
import type { ChildProcess, ScenarioContext } from '../scenario.ts';
import { event } from './support.ts';
export const PARTITIONS = 8;

/**
 * A group whose members own partitions they report (`consumer-groups-partitions`: the lease-based
 * members, Kafka's). Without it (EventStoreDB's persistent subscriptions: the server assigns streams to
 * connections and says nothing) the scenarios check what still holds — every event handled, each member
 * handling some, no event handled twice at once, a dead member's unfinished deliveries reaching the others
 * within a bound — instead of who holds which partition.
 */
export const partitioned = (store: EventStore) => store.unsupported['consumer-groups-partitions'] === undefined;
export const keepsStreamOrder = (store: EventStore) => store.unsupported['consumer-groups-stream-order'] === undefined;

/** One handling of one event by one member. */
export interface Handling {
  member: string;
  eventId: string;
  streamId: string;
  version: number;
  start: number;
  end: number;
  attempt: number;
  partition: number;
}

export async function waitFor(condition: () => boolean, timeoutMs: number, what: () => string, signal: AbortSignal): Promise<number> {
  const started = Date.now();
  while (!condition()) {
    if (signal.aborted) assert.fail(`gave up waiting: ${what()}`);
    if (Date.now() - started > timeoutMs) assert.fail(`not within ${timeoutMs} ms: ${what()}`);
    await sleep(25);
  }
  return Date.now() - started;
}

/** Appends `perStream` events to each of `streams` new streams; returns the event ids. */
export async function writeStreams(store: EventStore, ctx: ScenarioContext, name: string, streams: number, perStream: number): Promise<string[]> {
  const ids: string[] = [];
  await Promise.all(
    Array.from({ length: streams }, async (_, s) => {
      const events = Array.from({ length: perStream }, (_, n) => event('Work', { stream: s, n }));
      ids.push(...events.map((e) => e.id!));
      await store.appendToStream(ctx.streamId(`${name}-${s}`), events, { expectedVersion: 'no_stream' });
    }),
  );
  return ids;
}

/**
 * The properties every group keeps: every event handled; never two handlings of one event at once; and,
 * where the store claims stream order, one stream's events handled one at a time in version order
 * (a redelivery repeats an earlier version, it never jumps ahead).
 */
export function checkHandlings(handlings: Handling[], expected: string[], streamOrder: boolean): { duplicates: number } {
  const byEvent = new Map<string, Handling[]>();
  for (const h of handlings) byEvent.set(h.eventId, [...(byEvent.get(h.eventId) ?? []), h]);
  const missing = expected.filter((id) => !byEvent.has(id));
  assert.equal(missing.length, 0, `${missing.length} of ${expected.length} events were never handled (first: ${missing[0]})`);
  for (const [id, all] of byEvent) {
    const sorted = [...all].sort((a, b) => a.start - b.start);
    for (let i = 1; i < sorted.length; i++) {
      assert.ok(
        sorted[i]!.start >= sorted[i - 1]!.end,
        `event ${id} was handled by ${sorted[i - 1]!.member} and ${sorted[i]!.member} at the same time`,
      );
    }
  }
  if (streamOrder) {
    const byStream = new Map<string, Handling[]>();
    for (const h of handlings) byStream.set(h.streamId, [...(byStream.get(h.streamId) ?? []), h]);
    for (const [streamId, all] of byStream) {
      const sorted = [...all].sort((a, b) => a.start - b.start);
      let highest = -1;
      for (let i = 0; i < sorted.length; i++) {
        const h = sorted[i]!;
        if (i > 0) {
          const previous = sorted[i - 1]!;
          assert.ok(h.start >= previous.end, `stream ${streamId}: versions ${previous.version} and ${h.version} were handled at the same time (by ${previous.member} and ${h.member})`);
        }
        assert.ok(h.version <= highest + 1, `stream ${streamId}: version ${h.version} was handled before version ${highest + 1}`);
        highest = Math.max(highest, h.version);
      }
    }
  }
  return { duplicates: handlings.length - byEvent.size };
}

/** Member processes of one group, with what each reported. */
export class MemberProcesses {
  readonly handlings: Handling[] = [];
  readonly partitions = new Map<string, number[]>();
  readonly joined = new Set<string>();
  /** Events each member started handling (reported only when the members are asked to: `reportStarts`). */
  readonly started = new Map<string, Set<string>>();
  readonly children = new Map<string, ChildProcess>();

  constructor(private readonly ctx: ScenarioContext, private readonly args: Omit<GroupMemberArgs, 'memberId'>) {}

  start(memberId: string): void {
    const child = this.ctx.processes!.start('group-member', { ...this.args, memberId });
    child.onProgress((raw) => {
      const message = raw as { joined?: string; partitions?: number[]; handled?: HandledRecord; started?: string };
      if (message.joined) this.joined.add(message.joined);
      if (message.started) this.started.set(memberId, (this.started.get(memberId) ?? new Set()).add(message.started));
      if (message.partitions) this.partitions.set(memberId, message.partitions);
      if (message.handled) {
        const [eventId, streamId, version, start, end, attempt, partition] = message.handled;
        this.handlings.push({ member: memberId, eventId, streamId, version, start, end, attempt, partition });
      }
    });
    this.children.set(memberId, child);
  }

  distinctHandled(ids: Set<string>): number {
    return new Set(this.handlings.filter((h) => ids.has(h.eventId)).map((h) => h.eventId)).size;
  }

  /** Every partition held by exactly one of `members`, each holding at least one. */
  split(members: string[]): boolean {
    const held = members.map((m) => this.partitions.get(m) ?? []);
    const all = held.flat();
    return held.every((p) => p.length > 0) && all.length === PARTITIONS && new Set(all).size === PARTITIONS;
  }

  describe(): string {
    return [...this.children.keys()].map((m) => `${m}: partitions [${(this.partitions.get(m) ?? []).join(',')}]`).join('; ');
  }

  /** Asks every live member to leave; sums what they report about lost partitions (`revoked`). */
  async stopAll(): Promise<{ revoked: number }> {
    for (const child of this.children.values()) child.stop();
    await Promise.all([...this.children.values()].map((c) => Promise.race([c.exited, sleep(10_000).then(() => c.kill())])));
    const results = await Promise.allSettled([...this.children.values()].map((c) => c.result));
    const revoked = results.reduce((sum, r) => sum + (r.status === 'fulfilled' ? Number((r.value as { revoked?: number }).revoked ?? 0) : 0), 0);
    return { revoked };
  }

  killAll(): void {
    for (const child of this.children.values()) child.kill();
  }
}

/** In-process members (the scale-out and poison scenarios), each on a store of its own. */
export function runMember(member: ConsumerGroupMember, handlings: Handling[], handle?: (d: Delivery) => Promise<void>): Promise<void> {
  return consume(member, async (delivery) => {
    const start = Date.now();
    await handle?.(delivery);
    const e = delivery.event;
    handlings.push({ member: member.memberId, eventId: e.id, streamId: e.streamId, version: e.streamVersion, start, end: Date.now(), attempt: delivery.attempt, partition: delivery.partition });
  });
}
