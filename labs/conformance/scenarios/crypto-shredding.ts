/**
 * Erasure by crypto-shredding: the log keeps every event, and after `forget` no read path returns the
 * person's data. The fields marked personal are encrypted per subject with a key from the backend's key
 * store (labs/core/crypto-shredding.ts); the aggregate's snapshot keeps the encrypted fields (a snapshot of
 * revealed state is the leak this checks for); a projection rebuilt from the log after `forget` reveals as
 * it goes and must end without personal data and without an exception.
 */
import assert from 'node:assert/strict';
import {
  CryptoShredder,
  isErased,
  runProjection,
  type CheckpointStore,
  type JsonObject,
  type JsonValue,
  type RecordedEvent,
} from '../../core/index.ts';
import type { Scenario } from '../scenario.ts';
import { event, fromPrefix, take } from './support.ts';

/** What a forgetting reader must never see again: the scenario's plaintext personal values. */
const leaksOf = (values: readonly string[], seen: unknown): string[] => values.filter((v) => JSON.stringify(seen).includes(v));

/** Checkpoints of one rebuild, in memory, starting just before the scenario's first event. */
function rebuildCheckpoints(start: bigint): CheckpointStore {
  let position: bigint | undefined = start;
  return { load: async () => position, store: async (_, p) => void (position = p) };
}

export const cryptoShreddingScenarios: Scenario[] = [
  {
    id: 'erasure.crypto-shredding',
    title: 'Erasure by crypto-shredding',
    property:
      "Personal fields encrypted per subject with a key from the backend's key store: after forget(subject), readStream, readAll, a subscription, the snapshot and a projection rebuilt from the log return none of that person's data (the fields read as the erased marker, no exception), the rest of each event and another subject's data stay readable, and the log keeps every event, version and position; forgetting again, or an unknown subject, is a no-op that says so.",
    requires: ['subject-keys', 'snapshots', 'subscriptions', 'global-order'],
    async run(ctx) {
      const shredder = new CryptoShredder(ctx.store.subjectKeys!);
      const ada = ctx.streamId('subject-ada');
      const bob = ctx.streamId('subject-bob');
      const personal = [`Ada Lovelace ${ctx.prefix}`, `ada-${ctx.prefix}@example.org`, `12 St James's Square ${ctx.prefix}`];
      const stream = ctx.streamId('customer-ada');
      const other = ctx.streamId('customer-bob');
      const registered = await shredder.protect(ada, { name: personal[0]!, email: personal[1]!, plan: 'gold' }, ['name', 'email']);
      const first = await ctx.store.appendToStream(stream, [event('CustomerRegistered', registered)], { expectedVersion: 'no_stream' });
      await ctx.store.appendToStream(other, [event('CustomerRegistered', await shredder.protect(bob, { name: 'Bob', plan: 'basic' }, ['name']))]);
      await ctx.store.appendToStream(stream, [event('CustomerMoved', await shredder.protect(ada, { address: personal[2]!, city: 'London' }, ['address']))]);
      const before = await ctx.store.readStream(stream);
      assert.deepEqual(leaksOf(personal, before.map((e) => [e.data, e.metadata])), [], 'the personal fields are ciphertext at rest, before any forget');
      const revealedBefore = (await shredder.reveal(before.map((e) => e.data))) as JsonObject[];
      assert.equal(revealedBefore[0]!.name, personal[0], 'before forget, the data is readable through the shredder');

      // The aggregate's snapshot keeps the fields as stored (encrypted): folding revealed data into it
      // would put plaintext where forget cannot reach.
      const state = before.reduce<JsonObject>((s, e) => ({ ...s, ...(e.data as JsonObject) }), {});
      await ctx.store.snapshots.save(stream, { streamVersion: 1, schemaVersion: 1, state });

      const result = await shredder.forget(ada);
      assert.equal(result.forgotten, true, result.message);
      const again = await shredder.forget(ada);
      assert.equal(again.forgotten, false, 'forgetting twice is a no-op');
      assert.match(again.message, /nothing was forgotten/, 'and says so');
      const unknown = await shredder.forget(ctx.streamId('never-seen'));
      assert.equal(unknown.forgotten, false, 'forgetting an unknown subject is a no-op');

      // The log is untouched: every event, version and position.
      const after = await ctx.store.readStream(stream);
      assert.deepEqual(after.map((e) => [e.id, e.streamVersion, e.globalPosition]), before.map((e) => [e.id, e.streamVersion, e.globalPosition]), 'the log keeps every event, version and position');
      const readPaths: [string, JsonValue][] = [['readStream', after.map((e) => e.data)]];
      const all = (await ctx.store.readAll({ fromPosition: first.globalPosition, maxCount: 500 })).filter(fromPrefix(ctx));
      readPaths.push(['readAll', all.map((e) => e.data)]);
      const subscription = ctx.store.subscribeToAll({ afterPosition: first.globalPosition - 1n });
      const delivered = await take(subscription, 3, fromPrefix(ctx), 15_000);
      await subscription.close();
      readPaths.push(['a subscription to $all', delivered.map((e) => e.data)]);
      const snapshot = await ctx.store.snapshots.load(stream);
      assert.ok(snapshot, 'the snapshot is still there');
      readPaths.push(['the snapshot', snapshot.state]);
      for (const [path, data] of readPaths) {
        const revealed = await shredder.reveal(data);
        assert.deepEqual(leaksOf(personal, revealed), [], `${path}: no personal data after forget`);
      }
      const [registeredAfter, movedAfter] = (await shredder.reveal(after.map((e) => e.data))) as JsonObject[];
      assert.ok(isErased(registeredAfter!.name) && isErased(registeredAfter!.email) && isErased(movedAfter!.address), 'the personal fields read as the erased marker');
      assert.equal(registeredAfter!.plan, 'gold', 'the rest of the event stays readable');
      assert.equal(movedAfter!.city, 'London', 'the rest of the event stays readable');

      // A projection rebuilt from the log, revealing as it goes: it runs to the end, with no personal data.
      const readModel = new Map<string, JsonObject>();
      const [last] = await ctx.store.readStream(stream, { fromVersion: 1 });
      await runProjection(
        ctx.store,
        {
          name: ctx.streamId('customers'),
          handle: async (e: RecordedEvent) => {
            if (!fromPrefix(ctx)(e)) return;
            readModel.set(e.streamId, { ...readModel.get(e.streamId), ...((await shredder.reveal(e.data)) as JsonObject) });
          },
        },
        { checkpoints: rebuildCheckpoints(first.globalPosition - 1n), untilPosition: last!.globalPosition },
      );
      assert.equal(readModel.size, 2, 'the rebuilt projection saw both customers');
      assert.deepEqual(leaksOf(personal, [...readModel.values()]), [], 'the rebuilt projection holds no personal data');
      assert.equal(readModel.get(other)?.name, 'Bob', 'another subject is untouched');
      ctx.narrate(`forgot subject ${ada}: ${result.message}; readStream, readAll, a subscription, the snapshot and a rebuilt projection show ${JSON.stringify(registeredAfter!.name)} where the name was, plan and city still readable, ${after.length} events at the same versions and positions; forgetting again: "${again.message}"`);
    },
  },
];
