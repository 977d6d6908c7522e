/**
 * consume.member-crash-rebalances and consume.scale-out for a consumer group whose members own no
 * partitions they can report (`consumer-groups-partitions` unsupported: EventStoreDB's persistent
 * subscriptions, where the server assigns streams to connections and tells no one). The properties are
 * those of consume.ts judged by the work done instead of by who holds which partition; the partitioned
 * backends never run these.
 */
import assert from 'node:assert/strict';
import type { ConsumerGroupMember } from '../../core/index.ts';
import type { ScenarioContext } from '../scenario.ts';
import { checkHandlings, keepsStreamOrder, MemberProcesses, PARTITIONS, runMember, waitFor, writeStreams, type Handling } from './consume-support.ts';

/**
 * consume.member-crash-rebalances for a group without visible partitions: what the victim had in hand is
 * what it started and did not report handled. Each of those reaches a survivor within the same bound as a
 * partition's takeover; every event handled twice was one the victim started (a survivor's own work is
 * never repeated), and there are at most as many as one member may have unsettled (its bufferSize).
 */
export async function crashWithoutPartitions(ctx: ScenarioContext): Promise<void> {
  const leaseMs = 1_500;
  const bufferSize = 4;
  const members = ['m1', 'm2', 'victim'];
  const group = new MemberProcesses(ctx, { group: `${ctx.prefix}g`, streamPrefix: ctx.prefix, partitions: PARTITIONS, leaseMs, handlerMs: 15, startAt: 'end', bufferSize, reportStarts: true });
  try {
    members.forEach((m) => group.start(m));
    await waitFor(() => group.joined.size === members.length, 60_000, () => `${group.joined.size} of 3 member processes joined`, ctx.signal);
    const ids = await writeStreams(ctx.store, ctx, 'work', 24, 20);
    const expected = new Set(ids);
    await waitFor(() => group.handlings.filter((h) => h.member === 'victim').length >= 10, 30_000, () => 'the victim handled fewer than 10 events', ctx.signal);
    const killedAt = performance.timeOrigin + performance.now();
    group.children.get('victim')!.kill();
    await group.children.get('victim')!.exited;
    const victimHandled = new Set(group.handlings.filter((h) => h.member === 'victim').map((h) => h.eventId));
    const victimStarted = new Set(group.started.get('victim') ?? []);
    await waitFor(() => group.distinctHandled(expected) === ids.length, 60_000, () => `${group.distinctHandled(expected)} of ${ids.length} events handled after the kill`, ctx.signal);
    await group.stopAll();
    const { duplicates } = checkHandlings(group.handlings, ids, keepsStreamOrder(ctx.store));
    const survivors = group.handlings.filter((h) => h.member !== 'victim');
    // What the victim had in hand when it died: started, never reported handled.
    const unfinished = [...victimStarted].filter((id) => !victimHandled.has(id));
    const bound = 2 * leaseMs + 3_000;
    let pauseMs = 0;
    for (const id of unfinished) {
      const redelivery = survivors.filter((h) => h.eventId === id).sort((a, b) => a.start - b.start)[0];
      assert.ok(redelivery, `event ${id}, in the victim's hands when it was killed, was never handled by a survivor`);
      pauseMs = Math.max(pauseMs, Math.round(redelivery.start - killedAt));
    }
    assert.ok(pauseMs <= bound, `an event the victim had in hand waited ${pauseMs} ms for a survivor (bound ${bound} ms)`);
    // Delivered twice: handled twice, or started by the victim and handled by a survivor.
    const byEvent = new Map<string, number>();
    for (const h of group.handlings) byEvent.set(h.eventId, (byEvent.get(h.eventId) ?? 0) + 1);
    const twice = new Set([...byEvent].filter(([, n]) => n > 1).map(([id]) => id));
    for (const h of survivors) if (victimStarted.has(h.eventId)) twice.add(h.eventId);
    const outside = [...twice].filter((id) => !victimStarted.has(id));
    assert.equal(outside.length, 0, `events the victim never started were delivered twice (${outside[0]})`);
    assert.ok(twice.size <= bufferSize, `${twice.size} events delivered again after the crash, more than one member may have unsettled (bufferSize ${bufferSize})`);
    ctx.narrate(`victim killed after ${victimHandled.size} events with ${unfinished.length} in hand; each reached a survivor within ${pauseMs} ms (message timeout ${leaseMs} ms); ${ids.length} events handled, ${duplicates} redelivered, ${twice.size} delivered again in all`);
  } finally {
    group.killAll();
  }
}

/**
 * consume.scale-out for a group without visible partitions: the members cannot say what they hold, so the
 * split is judged by the work. A lone member handles the first batch; with two more joined, each of the
 * three handles some of the second; after one leaves, the other two handle all of the third, the leaver none.
 */
export async function scaleOutWithoutPartitions(ctx: ScenarioContext): Promise<void> {
  const options = { group: `${ctx.prefix}g`, streamPrefix: ctx.prefix, partitions: PARTITIONS, leaseMs: 1_500, startAt: 'end' as const };
  const handlings: Handling[] = [];
  const stores = [ctx.store, await ctx.openStore(), await ctx.openStore()];
  const join = (i: number) => stores[i]!.joinConsumerGroup!({ ...options, memberId: `member-${'abc'[i]}` });
  const members: ConsumerGroupMember[] = [];
  const runs: Promise<void>[] = [];
  const start = (i: number) => {
    const member = join(i);
    members.push(member);
    runs.push(runMember(member, handlings));
    return member;
  };
  const handledAll = (ids: Set<string>) => new Set(handlings.filter((h) => ids.has(h.eventId)).map((h) => h.eventId)).size === ids.size;
  const share = (m: ConsumerGroupMember, ids: Set<string>) => handlings.filter((h) => h.member === m.memberId && ids.has(h.eventId)).length;
  try {
    const a = start(0);
    await a.joined;
    const first = new Set(await writeStreams(ctx.store, ctx, 'one', 8, 10));
    await waitFor(() => handledAll(first), 30_000, () => 'the lone member did not handle the first batch', ctx.signal);
    const bm = start(1);
    const cm = start(2);
    await Promise.all([bm.joined, cm.joined]);
    const second = new Set(await writeStreams(ctx.store, ctx, 'three', 24, 10));
    await waitFor(() => handledAll(second), 30_000, () => 'three members did not handle the second batch', ctx.signal);
    const shares = [a, bm, cm].map((m) => share(m, second));
    for (const m of [a, bm, cm]) assert.ok(share(m, second) > 0, `${m.memberId} handled none of the events written after it joined (second batch per member: ${shares.join(' / ')})`);
    await bm.leave();
    const third = new Set(await writeStreams(ctx.store, ctx, 'two', 8, 10));
    const handBackMs = await waitFor(() => handledAll(third), 30_000, () => 'the two remaining members did not handle the third batch', ctx.signal);
    assert.equal(share(bm, third), 0, 'the member that left handled nothing after leaving');
    checkHandlings(handlings, [...first, ...second, ...third], keepsStreamOrder(ctx.store));
    ctx.narrate(`1 member handled the first batch; +2 members: second batch per member ${shares.join(' / ')}; ${bm.memberId} left, the other two handled the third batch in ${handBackMs} ms (${[a, cm].map((m) => share(m, third)).join(' / ')})`);
  } finally {
    await Promise.allSettled(members.map((m) => m.leave()));
    await Promise.allSettled(runs);
  }
}
