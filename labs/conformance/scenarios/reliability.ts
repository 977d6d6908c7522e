/**
 * Drills with real processes and a real server: writers in other OS processes racing on one stream, a
 * writer killed with SIGKILL in the middle of a batch, the server restarted under a live subscriber.
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { BackendUnavailableError, headPosition, type RecordedEvent } from '../../core/index.ts';
import type { Scenario } from '../scenario.ts';
import { event, fromPrefix, take, versionsOf } from './support.ts';

const PROCESSES = 4;
const ATTEMPTS = 60;
const BATCH = 50;
const CRASHES = 3;

/** Retries an append through a server's restart: the store reconnects, the call is the same. */
async function appendThroughOutage(call: () => Promise<unknown>, withinMs: number): Promise<void> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    try {
      await call();
      return;
    } catch (error) {
      if (!(error instanceof BackendUnavailableError) || Date.now() > deadline) throw error;
      await sleep(200);
    }
  }
}

export const reliabilityScenarios: Scenario[] = [
  {
    id: 'append.concurrent-writers-across-processes',
    title: 'Writers in separate processes race on one stream',
    property: `${PROCESSES} OS processes, each with its own store, append to one stream with exact expected versions; every version is taken exactly once (no duplicates, no gaps), every acknowledged event is stored at the version the store answered, and every loser gets WrongExpectedVersionError.`,
    requires: ['optimistic-concurrency'],
    needs: ['child-processes'],
    timeoutMs: 180_000,
    async run(ctx) {
      const streamId = ctx.streamId('contended');
      const children = Array.from({ length: PROCESSES }, (_, writer) =>
        ctx.processes!.start('race-appends', { streamId, attempts: ATTEMPTS, writer }),
      );
      const outcomes = (await Promise.all(children.map((c) => c.result))) as {
        won: number;
        refused: number;
        wins: { id: string; answered: number }[];
        otherErrors: string[];
      }[];
      const others = outcomes.flatMap((o) => o.otherErrors);
      assert.deepEqual(others.slice(0, 3), [], `every losing writer got WrongExpectedVersionError (${others.length} other errors)`);
      const won = outcomes.reduce((sum, o) => sum + o.won, 0);
      const events = await ctx.store.readStream(streamId);
      assert.deepEqual(versionsOf(events), events.map((_, i) => i), 'versions are 0..n-1: no duplicates, no gaps');
      assert.equal(events.length, won, 'exactly the winning appends are stored');
      const storedAt = new Map(events.map((e) => [e.id, e.streamVersion]));
      const wins = outcomes.flatMap((o) => o.wins);
      const lost = wins.filter((w) => !storedAt.has(w.id)).map((w) => w.id);
      assert.deepEqual(lost.slice(0, 3), [], `every acknowledged append is in the stream (${lost.length} missing)`);
      // The lost update a gap-free stream can hide: acknowledged as version v, stored at another.
      const moved = wins.filter((w) => storedAt.get(w.id) !== w.answered);
      assert.equal(
        moved.length,
        0,
        `${moved.length} of ${wins.length} acknowledged appends are stored at another version than the store answered (e.g. answered ${moved[0]?.answered}, stored at ${moved[0] ? storedAt.get(moved[0].id) : ''}): their writers decided on a state that was not the stream's`,
      );
      ctx.narrate(
        `${PROCESSES} processes x ${ATTEMPTS} attempts: ${won} won, ${outcomes.reduce((s, o) => s + o.refused, 0)} refused with WrongExpectedVersionError; versions 0..${events.length - 1}, no duplicates, no gaps`,
      );
    },
  },
  {
    id: 'append.crash-mid-batch',
    title: 'A writer killed in the middle of a batch',
    property: `A writer process killed with SIGKILL while appending batches of ${BATCH} leaves every batch all-or-nothing; a reader of $all from the start reaches the end; the next append with the right expected version succeeds.`,
    requires: ['global-order'],
    needs: ['child-processes'],
    timeoutMs: 240_000,
    async run(ctx) {
      const summaries: string[] = [];
      for (let crash = 0; crash < CRASHES; crash++) {
        const streamPrefix = ctx.streamId(`crash${crash}-`);
        const child = ctx.processes!.start('append-batches', { streamPrefix, batchSize: BATCH, batches: 1_000 });
        const killAt = 2 + crash * 3; // a different batch each time, after the store has warmed up
        let inFlight = -1;
        await new Promise<void>((resolve, reject) => {
          child.onProgress((message) => {
            const sending = (message as { sending: number }).sending;
            inFlight = sending;
            if (sending === killAt) setTimeout(() => { child.kill(); resolve(); }, crash * 7);
          });
          child.result.then(() => reject(new Error('the writer finished before it was killed')), () => resolve());
        });
        await child.exited;
        const counts: number[] = [];
        for (let n = 0; n <= inFlight + 1; n++) counts.push((await ctx.store.readStream(`${streamPrefix}${n}`)).length);
        const partial = counts.map((c, n) => ({ n, c })).filter(({ c }) => c !== 0 && c !== BATCH);
        assert.deepEqual(partial, [], `crash ${crash + 1}: every batch is all-or-nothing (batch n -> events stored)`);
        // The next append to the interrupted stream, with the version it really has, succeeds.
        const interrupted = `${streamPrefix}${inFlight}`;
        const stored = counts[inFlight] ?? 0;
        await ctx.store.appendToStream(interrupted, [event('AfterCrash', crash)], { expectedVersion: stored === 0 ? 'no_stream' : stored - 1 });
        summaries.push(`killed during batch ${inFlight}: ${stored === BATCH ? 'it committed whole' : 'nothing of it was stored'}`);
      }
      // A reader from the start reaches the end and sees each of our events once, in order.
      const ours: RecordedEvent[] = [];
      const head = await headPosition(ctx.store);
      let from = 0n;
      for (;;) {
        const page = await ctx.store.readAll({ fromPosition: from, maxCount: 1_000 });
        if (page.length === 0) break;
        ours.push(...page.filter(fromPrefix(ctx)));
        from = page.at(-1)!.globalPosition + 1n;
        if (page.at(-1)!.globalPosition >= head) break;
      }
      const ids = new Set(ours.map((e) => e.id));
      assert.equal(ids.size, ours.length, 'no event appears twice in $all');
      const perStream = new Map<string, number>();
      for (const e of ours) perStream.set(e.streamId, (perStream.get(e.streamId) ?? 0) + 1);
      for (const [streamId, count] of perStream) {
        assert.equal(count, (await ctx.store.readStream(streamId)).length, `$all holds every event of ${streamId}`);
      }
      ctx.narrate(`${CRASHES} writers killed with SIGKILL mid-batch: ${summaries.join('; ')}; $all read from the start to the end (${ours.length} of our events, none twice)`);
    },
  },
  {
    id: 'subscribe.survives-server-restart',
    title: 'A live subscription survives a server restart',
    property:
      'When the server restarts under a live $all subscriber, the subscription rides it out (retrying a read that fails, counting the outage in its stats), resumes after the last event it delivered (nothing lost, nothing twice), and goes on.',
    requires: ['subscriptions', 'global-order'],
    needs: ['server-restart'],
    timeoutMs: 180_000,
    async run(ctx) {
      const before = await headPosition(ctx.store);
      const streamId = ctx.streamId('through-restart');
      const subscription = ctx.store.subscribeToAll({ afterPosition: before, pollIntervalMs: 100, retryUnavailableForMs: 60_000 });
      try {
        await ctx.store.appendToStream(streamId, [1, 2, 3, 4, 5].map((n) => event('Before', n)));
        const first = await take(subscription, 5, fromPrefix(ctx), 20_000);
        await ctx.restartServer!({ downMs: 1_500 });
        await appendThroughOutage(() => ctx.store.appendToStream(streamId, [6, 7, 8, 9, 10].map((n) => event('After', n))), 30_000);
        const second = await take(subscription, 5, fromPrefix(ctx), 60_000);
        const all = [...first, ...second];
        assert.deepEqual(all.map((e) => e.data), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 'every event once, in order, across the restart');
        assert.equal(new Set(all.map((e) => e.id)).size, 10, 'no event delivered twice');
        // Whether a read of the subscription failed depends on the store: PostgreSQL's reads go to the
        // server and fail while it is down (an outage, counted); Kafka's are served by an in-process view
        // of the log that reconnects by itself, so the subscription may see no failure at all. A counted
        // outage must say what it was.
        if (subscription.stats.outages > 0) assert.ok(subscription.stats.lastOutageError, 'a counted outage carries its error');
        ctx.narrate(
          subscription.stats.outages > 0
            ? `server restarted under a live subscriber: ${subscription.stats.outages} outage(s) ridden out, ${subscription.stats.outageMs} ms waited ("${subscription.stats.lastOutageError?.slice(0, 80)}"); 10 of 10 events delivered once, in order`
            : 'server restarted under a live subscriber: no read of the subscription failed (the store kept serving it); 10 of 10 events delivered once, in order',
        );
      } finally {
        await subscription.close();
      }
    },
  },
];
