// A compile-time contract test: every adapter in the registry must be assignable to EventStore, and the
// conformance scenario ids must be exactly the ones the conventions name. `npm test` type-checks this
// file first, so a drifting adapter fails the build before any test runs.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { EventStore } from './event-store.ts';
import { CAPABILITIES } from './capabilities.ts';
import { SCENARIO_IDS } from '../conformance/scenario.ts';
import { scenarios } from '../conformance/scenarios.ts';
import type { PostgresEventStore } from '../postgres/postgres-store.ts';
import type { NaivePostgresEventStore } from '../postgres/naive/naive-store.ts';

type Implements<T extends EventStore> = T;
export type Adapters = [Implements<PostgresEventStore>, Implements<NaivePostgresEventStore>];

test('the suite has one scenario per stable id, in the documented order', () => {
  assert.deepEqual(scenarios.map((s) => s.id), [...SCENARIO_IDS]);
  assert.equal(new Set(SCENARIO_IDS).size, 19);
});

test('scenarios only require declared capabilities and state their property', () => {
  for (const s of scenarios) {
    for (const c of s.requires) assert.ok((CAPABILITIES as readonly string[]).includes(c), `${s.id} requires unknown ${c}`);
    assert.ok(s.property.length > 30, `${s.id} states its property`);
  }
});
