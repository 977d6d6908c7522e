// The crypto of crypto-shredding, without a server: a key store in a Map (the backends' key stores run
// in the conformance scenario erasure.crypto-shredding, against real servers).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CryptoShredder, TamperedCiphertextError, generateSubjectKey, isEnvelope, isErased, type KeyStore, type SubjectKey } from './crypto-shredding.ts';
import type { JsonObject } from './types.ts';

function mapKeyStore(): KeyStore {
  const keys = new Map<string, SubjectKey>();
  return {
    keyFor: async (s) => keys.get(s) ?? (keys.set(s, generateSubjectKey()), keys.get(s)!),
    find: async (s, id) => (keys.get(s)?.keyId === id ? keys.get(s)!.key : undefined),
    destroy: async (s) => (keys.delete(s) ? 1 : 0),
  };
}

test('protected fields are ciphertext at rest and come back as written; the others are untouched', async () => {
  const shredder = new CryptoShredder(mapKeyStore());
  const data = { name: 'Ada Lovelace', address: { city: 'London', zip: 'W1' }, plan: 'gold' };
  const stored = await shredder.protect('ada', data, ['name', 'address']);
  assert.ok(isEnvelope(stored.name) && isEnvelope(stored.address), 'the personal fields are envelopes');
  assert.equal(stored.plan, 'gold');
  assert.ok(!JSON.stringify(stored).includes('Lovelace') && !JSON.stringify(stored).includes('London'), 'no plaintext at rest');
  assert.deepEqual(await shredder.reveal(stored), data);
});

test('after forget the fields read as the erased marker, never an exception; forgetting again says so', async () => {
  const shredder = new CryptoShredder(mapKeyStore());
  const stored = await shredder.protect('ada', { name: 'Ada', plan: 'gold' }, ['name']);
  const other = await shredder.protect('bob', { name: 'Bob' }, ['name']);
  const result = await shredder.forget('ada');
  assert.equal(result.forgotten, true);
  const revealed = (await shredder.reveal([stored, other])) as JsonObject[];
  assert.ok(isErased(revealed[0]!.name), 'the forgotten subject reads as erased');
  assert.equal(revealed[0]!.plan, 'gold', 'the rest of the event stays readable');
  assert.equal(revealed[1]!.name, 'Bob', 'another subject is untouched');
  const again = await shredder.forget('ada');
  assert.equal(again.forgotten, false);
  assert.match(again.message, /no key: nothing was forgotten/);
  // New data for the subject gets a new key; the old envelopes stay unreadable.
  const fresh = await shredder.protect('ada', { name: 'Ada again' }, ['name']);
  assert.equal(((await shredder.reveal(fresh)) as JsonObject).name, 'Ada again');
  assert.ok(isErased(((await shredder.reveal(stored)) as JsonObject).name));
});

test('a changed ciphertext is TamperedCiphertextError, not an erasure', async () => {
  const shredder = new CryptoShredder(mapKeyStore());
  const stored = await shredder.protect('ada', { name: 'Ada' }, ['name']);
  const envelope = structuredClone(stored.name) as unknown as { $erasable: { data: string } };
  const bytes = Buffer.from(envelope.$erasable.data, 'base64');
  bytes[0] = bytes[0]! ^ 1;
  envelope.$erasable.data = bytes.toString('base64');
  await assert.rejects(shredder.reveal({ name: envelope as never }), TamperedCiphertextError);
});
