/**
 * The workshop's scenario for step 11: forgetting a customer by crypto-shredding, with the learner's
 * work/customer.ts on the learner's store. It registers a customer, changes their email, loads them
 * (the learner's loadCustomer saves a snapshot), forgets them, and then looks for the person's data
 * everywhere it was copied: the events and the snapshot taken BEFORE forget. The classic mistake —
 * encrypting the events but snapshotting the decrypted state — passes every read of the log and leaks
 * through the snapshot: plaintext no key protects, so destroying the key does not reach it.
 *
 * The key store is given by the checker, in memory (one per check): the lesson here is where personal
 * data goes in the learner's code. The labs keep the keys in the backend (a table, an item, a compacted
 * topic: labs/<tech>/subject-keys.ts) and the suite's `erasure.crypto-shredding` checks those.
 */
import assert from 'node:assert/strict';
import {
  CryptoShredder,
  generateSubjectKey,
  isErased,
  type AppendResult,
  type EventStore,
  type ForgetResult,
  type JsonValue,
  type KeyStore,
  type SubjectKey,
} from '../../labs/core/index.ts';
import type { WorkshopScenario } from './scenario.ts';

/** What the checker needs from work/customer.ts. */
export interface CustomerModule {
  registerCustomer(store: EventStore, shredder: CryptoShredder, customerId: string, profile: { name: string; email: string; plan: string }): Promise<AppendResult>;
  changeEmail(store: EventStore, shredder: CryptoShredder, customerId: string, email: string): Promise<AppendResult>;
  loadCustomer(store: EventStore, shredder: CryptoShredder, customerId: string): Promise<{ state: { name?: JsonValue; email?: JsonValue; plan?: string }; streamVersion: number | undefined }>;
  forgetCustomer(shredder: CryptoShredder, customerId: string): Promise<ForgetResult>;
}

/** One key per subject, in memory: destroy() deletes it, and nothing keeps a copy. */
class InMemoryKeyStore implements KeyStore {
  private readonly keys = new Map<string, SubjectKey>();
  async keyFor(subjectId: string): Promise<SubjectKey> {
    let key = this.keys.get(subjectId);
    if (!key) this.keys.set(subjectId, (key = generateSubjectKey()));
    return key;
  }
  async find(subjectId: string, keyId: string): Promise<Buffer | undefined> {
    const key = this.keys.get(subjectId);
    return key?.keyId === keyId ? key.key : undefined;
  }
  async destroy(subjectId: string): Promise<number> {
    return this.keys.delete(subjectId) ? 1 : 0;
  }
}

/** The scenario's plaintext personal values found in `seen` (as JSON text). */
const leaksOf = (values: readonly string[], seen: unknown): string[] => values.filter((v) => JSON.stringify(seen).includes(v));

export const forgetCustomerScenario: WorkshopScenario<CustomerModule> = {
  id: 'workshop.forget-customer',
  title: 'Forget a customer (crypto-shredding)',
  property:
    "registerCustomer and changeEmail store the name and email encrypted for the customer; loadCustomer returns them readable and saves a snapshot; after forgetCustomer (the customer's key destroyed) no copy returns them — not the events, not the snapshot taken before forget, not loadCustomer — while the plan, every event and its version stay.",
  requires: ['snapshots'],
  file: 'customer.ts',
  exports: ['initialState', 'evolve', 'registerCustomer', 'changeEmail', 'loadCustomer', 'forgetCustomer'],
  async run(ctx, customer) {
    const shredder = new CryptoShredder(new InMemoryKeyStore());
    const id = ctx.streamId('customer-ada');
    const [name, email, newEmail] = [`Ada Lovelace ${ctx.prefix}`, `ada-${ctx.prefix}@example.org`, `countess-${ctx.prefix}@example.org`];
    const personal = [name, email, newEmail];

    await customer.registerCustomer(ctx.store, shredder, id, { name, email, plan: 'gold' });
    await customer.changeEmail(ctx.store, shredder, id, newEmail);
    const events = await ctx.store.readStream(id);
    ctx.narrate(`registerCustomer + changeEmail -> ${events.map((e) => e.type).join(', ')}`);
    assert.equal(events.length, 2, 'registerCustomer and changeEmail append one event each');
    assert.deepEqual(leaksOf(personal, events.map((e) => e.data)), [], 'the events hold the name and email encrypted (shredder.protect), never in clear');

    const loaded = await customer.loadCustomer(ctx.store, shredder, id);
    ctx.narrate(`loadCustomer -> ${JSON.stringify(loaded.state)}`);
    assert.deepEqual([loaded.state.name, loaded.state.email, loaded.state.plan], [name, newEmail, 'gold'], 'loadCustomer returns the name, the new email and the plan readable');
    assert.equal(loaded.streamVersion, 1, 'loadCustomer folded both events');
    const taken = await ctx.store.snapshots.load(id);
    assert.ok(taken, 'loadCustomer saved a snapshot of the customer');

    const forgotten = await customer.forgetCustomer(shredder, id);
    ctx.narrate(`forgetCustomer -> ${forgotten.message}`);
    assert.equal(forgotten.forgotten, true, `forgetCustomer destroys the customer's key: ${forgotten.message}`);
    const again = await customer.forgetCustomer(shredder, id);
    assert.equal(again.forgotten, false, 'forgetting again is a no-op that says so');

    const after = await ctx.store.readStream(id);
    assert.deepEqual(after.map((e) => [e.id, e.streamVersion]), events.map((e) => [e.id, e.streamVersion]), 'the log keeps every event and version');
    assert.deepEqual(leaksOf(personal, await shredder.reveal(after.map((e) => e.data))), [], 'the events, revealed after forget: no name or email');

    // The snapshot taken before forget: a copy of the state. If it was saved revealed, it is plaintext
    // that no key protects, and forget did not reach it.
    const snapshot = await ctx.store.snapshots.load(id);
    const inSnapshot = leaksOf(personal, await shredder.reveal(snapshot?.state ?? null));
    ctx.narrate(`the snapshot taken before forget, after forget: ${JSON.stringify(snapshot?.state)}`);
    assert.deepEqual(inSnapshot, [], 'the snapshot taken before forget still holds the personal data in clear: save the state as stored (the envelopes), reveal only what you return');

    const reloaded = await customer.loadCustomer(ctx.store, shredder, id);
    ctx.narrate(`loadCustomer after forget -> ${JSON.stringify(reloaded.state)}`);
    assert.deepEqual(leaksOf(personal, reloaded.state), [], 'loadCustomer after forget: no name or email');
    assert.ok(isErased(reloaded.state.name) && isErased(reloaded.state.email), 'the name and email read as the erased marker ({ $erased: … }), without an exception');
    assert.equal(reloaded.state.plan, 'gold', 'the rest of the customer stays readable');
  },
};
