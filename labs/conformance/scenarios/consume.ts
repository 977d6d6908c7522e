/**
 * Consumer groups: several workers share one subscription (labs/core/consumer-group.ts).
 *
 * What a team running a projection on more than one instance must be able to rely on: every event is
 * handled, one member at a time, in each stream's order where the backend claims it; a member that dies
 * hands its work to the others within a bound, with at most a few redeliveries; a poison event is parked,
 * not retried forever; adding members splits the work and a leaving member hands its share back.
 */
import assert from 'node:assert/strict';
import {
  ConsumerGroupClosedError,
  InvalidConsumerGroupOptionsError,
  UnknownDeliveryError,
  sleep,
  type ConsumerGroupMember,
  type Delivery,
} from '../../core/index.ts';
import type { Scenario } from '../scenario.ts';
import {
  PARTITIONS,
  checkHandlings,
  keepsStreamOrder,
  MemberProcesses,
  partitioned,
  runMember,
  waitFor,
  writeStreams,
  type Handling,
} from './consume-support.ts';
import { crashWithoutPartitions, scaleOutWithoutPartitions } from './consume-without-partitions.ts';
import { event, expectError } from './support.ts';

export const consumeScenarios: Scenario[] = [
  {
    id: 'consume.group-shares-the-work',
    title: 'A consumer group shares the work between processes',
    property:
      'Three members in other OS processes split the partitions between them; every event is handled, each member handles some, no event is handled by two members at once, and each stream is handled in version order where the store claims it.',
    requires: ['consumer-groups'],
    needs: ['child-processes'],
    timeoutMs: 120_000,
    async run(ctx) {
      const members = ['m1', 'm2', 'm3'];
      // From the start of the log (a new group's default): the members read everything, keep their streams.
      const group = new MemberProcesses(ctx, { group: `${ctx.prefix}g`, streamPrefix: ctx.prefix, partitions: PARTITIONS, leaseMs: 3_000, handlerMs: 2, startAt: 'start' });
      try {
        members.forEach((m) => group.start(m));
        await waitFor(() => group.joined.size === members.length, 60_000, () => `${group.joined.size} of 3 member processes joined`, ctx.signal);
        if (partitioned(ctx.store)) {
          // Give the members time to settle their shares before the events arrive (a group that never
          // splits is caught below, by what each member handled).
          const splitMs = await waitFor(() => group.split(members), 15_000, () => '', ctx.signal).catch(() => undefined);
          ctx.narrate(`3 member processes joined; ${splitMs === undefined ? 'partitions not split' : `split in ${splitMs} ms`}: ${group.describe()}`);
        } else {
          ctx.narrate('3 member processes joined; the server assigns the streams (no partitions to show)');
        }
        const ids = await writeStreams(ctx.store, ctx, 'work', 24, 10);
        const expected = new Set(ids);
        let notDrained: unknown;
        // Stop waiting early when the members plainly copy each other's work (half the events handled twice):
        // a lease lost under load redelivers a few events, never that many.
        const copying = () => group.handlings.length - group.distinctHandled(expected) >= ids.length / 2;
        const drainMs = await waitFor(() => group.distinctHandled(expected) === ids.length || copying(), 60_000, () => `${group.distinctHandled(expected)} of ${ids.length} events handled`, ctx.signal).catch((error: unknown) => {
          notDrained = error;
          return -1;
        });
        await sleep(300); // a second handling of the last events, if any, is reported too
        const { revoked } = await group.stopAll();
        const streamOrder = ctx.store.unsupported['consumer-groups-stream-order'] === undefined;
        // No member failed or lost a lease: at-least-once has no reason to deliver anything twice.
        // (Checked first: a group that copies the work fails for that, whatever else went wrong.)
        const repeats = group.handlings.length - new Set(group.handlings.map((h) => h.eventId)).size;
        assert.ok(repeats === 0 || revoked > 0, `${repeats} handlings of ${ids.length} events were repeats although no member lost a partition: the group does not share the work, it copies it`);
        if (notDrained) throw notDrained;
        assert.equal(group.distinctHandled(expected), ids.length, 'every event was handled');
        const { duplicates } = checkHandlings(group.handlings, ids, streamOrder);
        const perMember = members.map((m) => group.handlings.filter((h) => h.member === m).length);
        perMember.forEach((n, i) => assert.ok(n > 0, `member ${members[i]} handled no event: the work was not shared (handled per member: ${perMember.join(', ')})`));
        ctx.narrate(`${ids.length} events over 24 streams handled in ${drainMs} ms, per member ${perMember.join(' / ')}, ${duplicates} redelivered${streamOrder ? ', each stream in version order' : ''}`);
      } finally {
        group.killAll();
      }
    },
  },
  {
    id: 'consume.member-crash-rebalances',
    title: 'A member killed mid-batch hands its work to the others',
    property:
      'SIGKILL one of three member processes while it handles events: its partitions reach the other members once its leases expire (within twice the lease time plus 3 s), every event is handled, and only events of its partitions are redelivered, at most one per partition.',
    requires: ['consumer-groups'],
    needs: ['child-processes'],
    timeoutMs: 120_000,
    async run(ctx) {
      if (!partitioned(ctx.store)) return crashWithoutPartitions(ctx);
      const leaseMs = 1_500;
      const members = ['m1', 'm2', 'victim'];
      const group = new MemberProcesses(ctx, { group: `${ctx.prefix}g`, streamPrefix: ctx.prefix, partitions: PARTITIONS, leaseMs, handlerMs: 15, startAt: 'end' });
      try {
        members.forEach((m) => group.start(m));
        await waitFor(() => group.joined.size === members.length, 60_000, () => `${group.joined.size} of 3 member processes joined`, ctx.signal);
        await waitFor(() => group.split(members), 20_000, () => `the members did not split the partitions: ${group.describe()}`, ctx.signal);
        const ids = await writeStreams(ctx.store, ctx, 'work', 24, 20);
        const expected = new Set(ids);
        await waitFor(() => group.handlings.filter((h) => h.member === 'victim').length >= 10, 30_000, () => 'the victim handled fewer than 10 events', ctx.signal);
        const victimPartitions = group.partitions.get('victim') ?? [];
        const killedAt = performance.timeOrigin + performance.now();
        group.children.get('victim')!.kill();
        await group.children.get('victim')!.exited;
        const victimHandled = group.handlings.filter((h) => h.member === 'victim').length;
        await waitFor(() => group.distinctHandled(expected) === ids.length, 60_000, () => `${group.distinctHandled(expected)} of ${ids.length} events handled after the kill; ${group.describe()}`, ctx.signal);
        await group.stopAll();
        const { duplicates } = checkHandlings(group.handlings, ids, ctx.store.unsupported['consumer-groups-stream-order'] === undefined);
        // The pause: from the kill to the first event of one of its partitions handled by a survivor.
        const takenOver = group.handlings
          .filter((h) => h.member !== 'victim' && victimPartitions.includes(h.partition) && h.start >= killedAt)
          .sort((a, b) => a.start - b.start)[0];
        assert.ok(takenOver, `no survivor handled an event of the victim's partitions [${victimPartitions.join(',')}] after the kill`);
        const pauseMs = Math.round(takenOver.start - killedAt);
        const bound = 2 * leaseMs + 3_000;
        assert.ok(pauseMs <= bound, `the victim's partitions waited ${pauseMs} ms for a new owner (bound ${bound} ms)`);
        const redelivered = new Set(group.handlings.filter((h, i, all) => all.findIndex((o) => o.eventId === h.eventId) !== i).map((h) => h.eventId));
        const outside = group.handlings.filter((h) => redelivered.has(h.eventId) && !victimPartitions.includes(h.partition));
        assert.equal(outside.length, 0, `events outside the victim's partitions were redelivered (${outside[0]?.eventId})`);
        assert.ok(redelivered.size <= victimPartitions.length, `${redelivered.size} events redelivered after the crash, more than one per partition the victim held (${victimPartitions.length})`);
        ctx.narrate(`victim killed after ${victimHandled} events holding partitions [${victimPartitions.join(',')}]; a survivor took over after ${pauseMs} ms (lease ${leaseMs} ms); ${ids.length} events handled, ${duplicates} redelivered`);
      } finally {
        group.killAll();
      }
    },
  },
  {
    id: 'consume.poison-event-parked',
    title: 'A poison event is parked and the group moves on',
    property:
      'An event whose handler always throws is delivered maxDeliveries times with backoff, then parked with its error; the rest of its stream and the other streams are handled; the parked event can be read and replayed; ack/nack of what the member does not hold, and calls after leaving, are typed errors.',
    requires: ['consumer-groups'],
    async run(ctx) {
      const store = ctx.store;
      const join = store.joinConsumerGroup!.bind(store);
      await expectError(async () => join({ group: '' }), InvalidConsumerGroupOptionsError, 'an empty group name');
      await expectError(async () => join({ group: `${ctx.prefix}bad`, partitions: 0 }), InvalidConsumerGroupOptionsError, 'zero partitions');
      await expectError(async () => join({ group: `${ctx.prefix}bad`, maxDeliveries: -1 }), InvalidConsumerGroupOptionsError, 'negative maxDeliveries');
      const member = join({ group: `${ctx.prefix}g`, streamPrefix: ctx.prefix, partitions: 4, maxDeliveries: 3, retryBackoffMs: 20, leaseMs: 3_000, startAt: 'end' });
      await member.joined;
      const poison = event('Poison', { reason: 'the handler cannot read it' });
      const a = ctx.streamId('a');
      const b = ctx.streamId('b');
      await store.appendToStream(a, [event('Work', 0), event('Work', 1), poison, event('Work', 3), event('Work', 4)]);
      await store.appendToStream(b, [0, 1, 2, 3, 4].map((n) => event('Work', n)));
      const handlings: Handling[] = [];
      const poisonAttempts: number[] = [];
      let settled: Delivery | undefined;
      const running = runMember(member, handlings, async (d) => {
        if (d.event.type === 'Poison') {
          poisonAttempts.push(d.attempt);
          throw new Error('cannot handle Poison');
        }
        settled ??= d;
      });
      await waitFor(() => handlings.length >= 9, 30_000, () => `${handlings.length} of 9 good events handled (poison delivered ${poisonAttempts.length} times)`, ctx.signal);
      assert.deepEqual(poisonAttempts, [1, 2, 3], 'the poison event is delivered exactly maxDeliveries (3) times');
      const after = handlings.filter((h) => h.streamId === a && h.version > 2).map((h) => h.version);
      // In handling order where the store claims stream order; otherwise both handled, in any order.
      if (!keepsStreamOrder(store)) after.sort((x, y) => x - y);
      assert.deepEqual(after, [3, 4], `stream a goes on after the parked event`);
      const parked = await member.parked();
      assert.equal(parked.length, 1, 'one event is parked');
      assert.equal(parked[0]!.event.id, poison.id, 'the parked event is the poison event');
      assert.match(parked[0]!.error, /cannot handle Poison/, 'the parked event keeps its error');
      assert.equal(parked[0]!.attempts, 3);
      assert.equal(member.stats.parked, 1, 'stats count the parked event');
      assert.equal(member.stats.retried, 2, 'stats count two retries');
      await expectError(() => member.ack(settled!), UnknownDeliveryError, 'acking a delivery twice');
      await expectError(() => member.ack({ ...settled!, deliveryId: 'never-delivered' }), UnknownDeliveryError, 'acking a delivery that never happened');
      const replay = await member.replayParked(async (e) => assert.equal(e.id, poison.id));
      assert.deepEqual(replay, { replayed: 1, failed: 0 }, 'the parked event is replayed');
      assert.equal((await member.parked()).length, 0, 'a replayed event leaves the parked list');
      await member.leave();
      await running;
      await expectError(() => member.nack(settled!, new Error('late')), ConsumerGroupClosedError, 'a nack after leaving');
      ctx.narrate(`poison delivered ${poisonAttempts.length} times, parked with "${parked[0]!.error}"; ${handlings.length} other events handled; replayed 1 from the parked list`);
    },
  },
  {
    id: 'consume.scale-out',
    title: 'Adding members splits the work; a leaving member hands its share back',
    property:
      'One member holds every partition; two more join and take their share before new events arrive, which all three then handle; one leaves and its partitions pass to the other two within the lease time, which handle everything after.',
    requires: ['consumer-groups'],
    timeoutMs: 120_000,
    async run(ctx) {
      if (!partitioned(ctx.store)) return scaleOutWithoutPartitions(ctx);
      const leaseMs = 1_500;
      // The first member starts at the end of the log (the suite shares its database with earlier runs).
      const options = { group: `${ctx.prefix}g`, streamPrefix: ctx.prefix, partitions: PARTITIONS, leaseMs, startAt: 'end' as const };
      const handlings: Handling[] = [];
      const stores = [ctx.store, await ctx.openStore(), await ctx.openStore()];
      const join = (i: number) => stores[i]!.joinConsumerGroup!({ ...options, memberId: `member-${'abc'[i]}` });
      const a = join(0);
      let b: ConsumerGroupMember | undefined;
      let c: ConsumerGroupMember | undefined;
      const runs: Promise<void>[] = [runMember(a, handlings)];
      const held = (...members: ConsumerGroupMember[]) => members.map((m) => `${m.memberId} [${m.stats.partitions.join(',')}]`).join('; ');
      const covers = (...members: ConsumerGroupMember[]) => {
        const all = members.flatMap((m) => m.stats.partitions);
        return members.every((m) => m.stats.partitions.length > 0) && all.length === PARTITIONS && new Set(all).size === PARTITIONS;
      };
      try {
        await waitFor(() => covers(a), 15_000, () => held(a), ctx.signal);
        const first = new Set(await writeStreams(ctx.store, ctx, 'one', 8, 10));
        await waitFor(() => handlings.filter((h) => first.has(h.eventId)).length >= first.size, 30_000, () => 'the lone member did not handle the first batch', ctx.signal);
        const bm = (b = join(1));
        const cm = (c = join(2));
        runs.push(runMember(bm, handlings), runMember(cm, handlings));
        const joinMs = await waitFor(() => covers(a, bm, cm), 20_000, () => `three members did not split the partitions: ${held(a, bm, cm)}`, ctx.signal);
        const split = held(a, bm, cm);
        const second = new Set(await writeStreams(ctx.store, ctx, 'three', 24, 10));
        await waitFor(() => new Set(handlings.filter((h) => second.has(h.eventId)).map((h) => h.eventId)).size === second.size, 30_000, () => 'three members did not handle the second batch', ctx.signal);
        const share = (m: ConsumerGroupMember, ids: Set<string>) => handlings.filter((h) => h.member === m.memberId && ids.has(h.eventId)).length;
        for (const m of [a, bm, cm] as const) assert.ok(share(m, second) > 0, `${m.memberId} handled none of the events written after it joined (${held(a, bm, cm)})`);
        const shares = [a, bm, cm].map((m) => share(m, second));
        const partitionsOfB = [...bm.stats.partitions];
        await bm.leave();
        const handBackMs = await waitFor(() => covers(a, cm), leaseMs + 3_000, () => `the leaving member's partitions [${partitionsOfB.join(',')}] were not taken: ${held(a, cm)}`, ctx.signal);
        const third = new Set(await writeStreams(ctx.store, ctx, 'two', 8, 10));
        await waitFor(() => new Set(handlings.filter((h) => third.has(h.eventId)).map((h) => h.eventId)).size === third.size, 30_000, () => 'the two remaining members did not handle the third batch', ctx.signal);
        assert.equal(share(bm, third), 0, 'the member that left handled nothing after leaving');
        checkHandlings(handlings, [...first, ...second, ...third], ctx.store.unsupported['consumer-groups-stream-order'] === undefined);
        ctx.narrate(`1 member: all ${PARTITIONS} partitions; +2 members split them in ${joinMs} ms (${split}), second batch per member ${shares.join(' / ')}; ${bm.memberId} left, its partitions were taken in ${handBackMs} ms (${held(a, cm)})`);
      } finally {
        await Promise.allSettled([a, b, c].map((m) => m?.leave()));
        await Promise.allSettled(runs);
      }
    },
  },
];

