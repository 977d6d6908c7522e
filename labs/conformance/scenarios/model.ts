import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import {
  createUpcaster,
  headPosition,
  loadAggregate,
  runProjection,
  type AggregateDefinition,
  type JsonValue,
  type RecordedEvent,
} from '../../core/index.ts';
import type { Scenario } from '../scenario.ts';
import { event } from './support.ts';

export const modelScenarios: Scenario[] = [
  {
    id: 'metadata.correlation-causation',
    title: 'Metadata: correlation and causation ids',
    property: 'Correlation id, causation id and free metadata fields are stored and read back unchanged, by stream and by $all.',
    requires: [],
    async run(ctx) {
      const streamId = ctx.streamId('shipment');
      const correlationId = randomUUID();
      const cause = event('OrderPlaced', { order: 7 }, { metadata: { correlationId, tenant: 'acme', trace: { hops: [1, 2] } } });
      await ctx.store.appendToStream(streamId, [cause]);
      const effect = event('ShipmentRequested', { order: 7 }, { metadata: { correlationId, causationId: cause.id, tenant: 'acme' } });
      await ctx.store.appendToStream(streamId, [effect]);
      const stored = await ctx.store.readStream(streamId);
      assert.deepEqual(stored[0]!.metadata, cause.metadata, 'metadata of the cause');
      assert.deepEqual(stored[1]!.metadata, effect.metadata, 'metadata of the effect');
      assert.equal(stored[1]!.metadata.causationId, stored[0]!.id, 'causation id points at the cause');
      if (ctx.store.unsupported['global-order'] === undefined) {
        const fromAll = await ctx.store.readAll({ fromPosition: stored[0]!.globalPosition, maxCount: 1 });
        assert.deepEqual(fromAll[0]?.metadata, cause.metadata, 'metadata by $all');
      }
      ctx.narrate(`correlation ${correlationId.slice(0, 8)}…: ${stored[0]!.type} caused ${stored[1]!.type} (causationId = the cause's event id); free fields kept`);
    },
  },
  {
    id: 'schema.upcasting',
    title: 'Event versioning by upcasting',
    property: 'Old event shapes are converted on read by upcasters; the stored events are never rewritten.',
    requires: [],
    async run(ctx) {
      const streamId = ctx.streamId('customer');
      // Version 1 stored the name as one string; version 2 splits it.
      await ctx.store.appendToStream(streamId, [event('CustomerRegistered', { name: 'Ada Lovelace' })]);
      await ctx.store.appendToStream(streamId, [
        event('CustomerRegistered', { name: { first: 'Grace', last: 'Hopper' } }, { metadata: { schemaVersion: 2 } }),
      ]);
      const upcast = createUpcaster([
        {
          type: 'CustomerRegistered',
          fromSchemaVersion: 1,
          upcast: (data) => {
            const [first = '', ...rest] = String((data as { name: string }).name).split(' ');
            return { data: { name: { first, last: rest.join(' ') } } };
          },
        },
      ]);
      type Names = { [key: string]: JsonValue; names: string[] };
      const definition: AggregateDefinition<Names> = {
        initialState: () => ({ names: [] }),
        evolve: (state, e) => {
          const name = (e.data as { name: { first: string; last: string } }).name;
          return { names: [...state.names, `${name.last}, ${name.first}`] };
        },
        upcast,
      };
      const loaded = await loadAggregate(ctx.store, streamId, definition);
      assert.deepEqual(loaded.state.names, ['Lovelace, Ada', 'Hopper, Grace'], 'both versions folded in the new shape');
      const raw = await ctx.store.readStream(streamId);
      assert.deepEqual(raw[0]!.data, { name: 'Ada Lovelace' }, 'the stored v1 event is unchanged');
      assert.equal(raw[0]!.metadata.schemaVersion, undefined, 'the stored v1 event has no schemaVersion');
      ctx.narrate(`a v1 event {name: 'Ada Lovelace'} was read as v2 {first, last}; the stored event is still v1`);
    },
  },
  {
    id: 'snapshot.load-from-snapshot',
    title: 'Load an aggregate from a snapshot',
    property: 'With a snapshot, loading reads only the events after it and yields the same state as a full replay.',
    requires: ['snapshots'],
    async run(ctx) {
      const streamId = ctx.streamId('wallet');
      await ctx.store.appendToStream(streamId, Array.from({ length: 10 }, (_, i) => event('Deposited', { amount: i + 1 })));
      type Balance = { [key: string]: JsonValue; balance: number; deposits: number };
      const wallet: AggregateDefinition<Balance> = {
        initialState: () => ({ balance: 0, deposits: 0 }),
        evolve: (s, e) => ({ balance: s.balance + (e.data as { amount: number }).amount, deposits: s.deposits + 1 }),
      };
      const first = await loadAggregate(ctx.store, streamId, wallet, { useSnapshots: true, snapshotEvery: 5 });
      assert.equal(first.snapshotVersion, undefined, 'no snapshot existed yet');
      assert.equal(first.eventsRead, 10);
      const saved = await ctx.store.snapshots.load(streamId);
      assert.equal(saved?.streamVersion, 9, 'a snapshot was saved at version 9');
      await ctx.store.appendToStream(streamId, [event('Deposited', { amount: 100 }), event('Deposited', { amount: 200 })]);
      const fromSnapshot = await loadAggregate(ctx.store, streamId, wallet, { useSnapshots: true });
      const full = await loadAggregate(ctx.store, streamId, wallet);
      assert.equal(fromSnapshot.snapshotVersion, 9, 'loaded from the snapshot');
      assert.equal(fromSnapshot.eventsRead, 2, 'only the events after the snapshot were read');
      assert.deepEqual(fromSnapshot.state, full.state, 'same state as a full replay');
      assert.equal(fromSnapshot.streamVersion, 11);
      ctx.narrate(`snapshot at version 9 (balance ${(saved?.state as Balance).balance}); loading after 2 more events read 2 events instead of 12, balance ${fromSnapshot.state.balance} as with a full replay`);
    },
  },
  {
    id: 'projection.read-model',
    title: 'A projection builds a read model with checkpoints',
    property: 'A projection handles every event once across restarts, resuming from its checkpoint, and its read model equals a full fold.',
    requires: ['subscriptions', 'checkpoints', 'global-order'],
    async run(ctx) {
      const name = ctx.streamId('orders-per-customer');
      await ctx.store.checkpoints.store(name, await headPosition(ctx.store));
      const customers = ['ann', 'bob', 'cy'];
      let lastPosition = 0n;
      const place = async (customer: string, n: number) => {
        for (let i = 0; i < n; i++) {
          const result = await ctx.store.appendToStream(ctx.streamId(`order-${customer}-${i}-${randomUUID().slice(0, 4)}`), [event('OrderPlaced', { customer })]);
          lastPosition = result.globalPosition;
        }
      };
      await place('ann', 3);
      await place('bob', 1);
      const readModel = new Map<string, number>();
      const handledIds = new Set<string>();
      const projection = {
        name,
        handle(e: RecordedEvent) {
          if (!e.streamId.startsWith(ctx.prefix)) return;
          assert.ok(!handledIds.has(e.id), `event ${e.id} handled twice`);
          handledIds.add(e.id);
          const customer = (e.data as { customer: string }).customer;
          readModel.set(customer, (readModel.get(customer) ?? 0) + 1);
        },
      };
      // Run until our last event is handled (other clients may be writing to the same log).
      await runProjection(ctx.store, projection, { untilPosition: lastPosition });
      assert.deepEqual(Object.fromEntries(readModel), { ann: 3, bob: 1 }, 'read model after the first run');
      await place('cy', 2);
      await place('bob', 1);
      const restarted = await ctx.openStore();
      await runProjection(restarted, projection, { untilPosition: lastPosition });
      assert.deepEqual(Object.fromEntries(readModel), { ann: 3, bob: 2, cy: 2 }, 'read model after the restart');
      assert.equal(handledIds.size, 7, 'every event handled once');
      ctx.narrate(`projection ran, stopped, and resumed from its checkpoint on a new connection: orders per customer ${customers.map((c) => `${c}=${readModel.get(c)}`).join(', ')}, each event handled once`);
    },
  },
];
