/**
 * The workshop's own scenario for step 03: the learner's cart aggregate (work/cart.ts) on the learner's
 * store. It runs their `handle` for a few commands, reads the stream back and folds it with their
 * `evolve`, and checks the state, the refusals of their `decide` and that a refused command appends
 * nothing. Written like a conformance scenario (same context, same runner), but not part of the suite:
 * the suite specifies stores, this checks a learner's domain code.
 */
import assert from 'node:assert/strict';
import { loadAggregate, type AppendResult, type EventStore, type JsonValue, type NewEvent, type RecordedEvent } from '../../labs/core/index.ts';
import type { WorkshopScenario } from './scenario.ts';

/** What the checker needs from work/cart.ts. */
export interface CartModule {
  initialState(): unknown;
  evolve(state: unknown, event: RecordedEvent): unknown;
  decide(state: unknown, command: unknown): NewEvent[];
  handle(store: EventStore, cartId: string, command: unknown): Promise<AppendResult>;
}

const CART_EXPORTS = ['initialState', 'evolve', 'decide', 'handle'] as const;

const refusedByRule = (error: unknown) => error instanceof Error && error.name === 'CartRuleError';

export const aggregateScenario: WorkshopScenario<CartModule> = {
  id: 'workshop.aggregate',
  title: 'Rebuild the cart and decide on it',
  property:
    'handle() reads the stream, folds it with evolve, decides and appends with the version read; the state rebuilt from the events read back is the cart the commands made; a refused command appends nothing.',
  requires: [],
  file: 'cart.ts',
  exports: CART_EXPORTS,
  async run(ctx, cart) {
    const cartId = ctx.streamId('cart');
    const state = async () => (await ctx.store.readStream(cartId)).reduce((s, e) => cart.evolve(s, e), cart.initialState());

    const opened = await cart.handle(ctx.store, cartId, { type: 'OpenCart', customer: 'ann' });
    ctx.narrate(`handle(OpenCart) on a new cart -> nextExpectedVersion ${opened.nextExpectedVersion}`);
    assert.equal(opened.nextExpectedVersion, 0, 'OpenCart on a new cart appends one event, version 0');
    assert.deepEqual(await state(), { status: 'open', items: {} }, 'the state after CartOpened');

    await cart.handle(ctx.store, cartId, { type: 'AddItem', sku: 'A-1', qty: 2 });
    await cart.handle(ctx.store, cartId, { type: 'AddItem', sku: 'B-7', qty: 1 });
    await cart.handle(ctx.store, cartId, { type: 'AddItem', sku: 'A-1', qty: 1 });
    ctx.narrate('handle(AddItem A-1 x2), handle(AddItem B-7 x1), handle(AddItem A-1 x1)');
    assert.deepEqual(await state(), { status: 'open', items: { 'A-1': 3, 'B-7': 1 } }, 'the state rebuilt after three ItemAdded');

    const removed = await cart.handle(ctx.store, cartId, { type: 'RemoveItem', sku: 'A-1' });
    ctx.narrate(`handle(RemoveItem A-1) -> nextExpectedVersion ${removed.nextExpectedVersion}`);
    assert.equal(removed.nextExpectedVersion, 4, 'five events: versions 0..4');
    assert.deepEqual(await state(), { status: 'open', items: { 'B-7': 1 } }, 'the state rebuilt after ItemRemoved');

    const types = (await ctx.store.readStream(cartId)).map((e) => e.type);
    assert.deepEqual(types, ['CartOpened', 'ItemAdded', 'ItemAdded', 'ItemAdded', 'ItemRemoved'], 'the events handle() appended');

    await assert.rejects(cart.handle(ctx.store, cartId, { type: 'OpenCart', customer: 'bob' }), refusedByRule, 'OpenCart on an open cart is refused with a CartRuleError');
    await assert.rejects(cart.handle(ctx.store, cartId, { type: 'AddItem', sku: 'C-3', qty: 0 }), refusedByRule, 'AddItem with qty 0 is refused with a CartRuleError');
    assert.equal((await ctx.store.readStream(cartId)).length, 5, 'a refused command appended nothing');

    await cart.handle(ctx.store, cartId, { type: 'CheckOut' });
    assert.deepEqual(await state(), { status: 'checked-out', items: { 'B-7': 1 } }, 'the state after CartCheckedOut');
    await assert.rejects(cart.handle(ctx.store, cartId, { type: 'AddItem', sku: 'D-4', qty: 1 }), refusedByRule, 'AddItem on a checked-out cart is refused');

    const empty = ctx.streamId('empty');
    await cart.handle(ctx.store, empty, { type: 'OpenCart', customer: 'cy' });
    await assert.rejects(cart.handle(ctx.store, empty, { type: 'CheckOut' }), refusedByRule, 'an empty cart cannot be checked out');
    ctx.narrate('refusals: OpenCart twice, qty 0, AddItem after CheckOut, CheckOut of an empty cart');

    // The version read is the expected version: another writer appends right after handle() read the
    // stream, so its decision was taken on a stale state and must be refused, not written.
    const raced = ctx.streamId('raced');
    await cart.handle(ctx.store, raced, { type: 'OpenCart', customer: 'dee' });
    const racing = storeWithWriterAfterRead(ctx.store, raced);
    await assert.rejects(
      cart.handle(racing, raced, { type: 'AddItem', sku: 'E-5', qty: 1 }),
      (error: unknown) => error instanceof Error && error.name === 'WrongExpectedVersionError',
      'a decision on a state another writer changed after the read is refused (append with the version read as expectedVersion)',
    );
    assert.deepEqual((await ctx.store.readStream(raced)).map((e) => e.type), ['CartOpened', 'ItemAdded'], 'only the other writer\'s event was written');
    ctx.narrate('a writer appended between handle()\'s read and its append: refused with WrongExpectedVersionError');
  },
};

/**
 * Step 09 builds on the cart: the same `evolve`, loaded through snapshots (labs/core's `loadAggregate`
 * on the learner's snapshot store). The state must not depend on whether a snapshot was used.
 */
export const aggregateFromSnapshotScenario: WorkshopScenario<CartModule> = {
  id: 'workshop.aggregate-from-snapshot',
  title: 'Load the cart from a snapshot',
  property: 'The cart loaded from a snapshot plus the events after it equals the cart folded from its whole stream.',
  requires: ['snapshots'],
  file: 'cart.ts',
  exports: CART_EXPORTS,
  async run(ctx, cart) {
    const cartId = ctx.streamId('cart');
    const definition = { initialState: () => cart.initialState() as JsonValue, evolve: (s: JsonValue, e: RecordedEvent) => cart.evolve(s, e) as JsonValue };
    await cart.handle(ctx.store, cartId, { type: 'OpenCart', customer: 'eve' });
    for (const sku of ['A-1', 'B-2', 'C-3']) await cart.handle(ctx.store, cartId, { type: 'AddItem', sku, qty: 1 });
    const first = await loadAggregate(ctx.store, cartId, definition, { useSnapshots: true, snapshotEvery: 2 });
    assert.equal(first.streamVersion, 3, 'four events: versions 0..3');
    await cart.handle(ctx.store, cartId, { type: 'RemoveItem', sku: 'B-2' });
    const second = await loadAggregate(ctx.store, cartId, definition, { useSnapshots: true, snapshotEvery: 2 });
    ctx.narrate(`loaded from the snapshot at version ${second.snapshotVersion}, then ${second.eventsRead} event(s)`);
    assert.equal(second.snapshotVersion, 3, 'the second load starts from the snapshot the first load saved');
    assert.equal(second.eventsRead, 1, 'and reads only the event after it');
    const folded = (await ctx.store.readStream(cartId)).reduce((s, e) => cart.evolve(s, e), cart.initialState());
    assert.deepEqual(second.state, folded, 'the state from the snapshot equals the state folded from the whole stream');
  },
};

/** The store, except that the first readStream of `streamId` is followed by another writer's append. */
function storeWithWriterAfterRead(store: EventStore, streamId: string): EventStore {
  let interfered = false;
  return new Proxy(store, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property);
      if (property === 'readStream') {
        return async (...args: Parameters<EventStore['readStream']>) => {
          const events = await target.readStream(...args);
          if (!interfered && args[0] === streamId) {
            interfered = true;
            await target.appendToStream(streamId, [{ type: 'ItemAdded', data: { sku: 'Z-9', qty: 1 } }]);
          }
          return events;
        };
      }
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}
