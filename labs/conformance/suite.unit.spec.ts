// The suite's shape: one scenario per stable id (the ids results, docs and the capability matrix use), in
// the documented order, each requiring only declared capabilities and stating its property. Adapters need
// no compile-time contract test here: each extends EventStoreBase, which implements EventStore.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CAPABILITIES } from '../core/index.ts';
import { SCENARIO_IDS, scenarios } from './index.ts';

test('the suite has one scenario per stable id, in the documented order', () => {
  assert.deepEqual(scenarios.map((s) => s.id), [...SCENARIO_IDS]);
  assert.equal(new Set(SCENARIO_IDS).size, SCENARIO_IDS.length, 'ids are unique');
});

test('scenarios only require declared capabilities and state their property', () => {
  for (const s of scenarios) {
    for (const c of s.requires) assert.ok((CAPABILITIES as readonly string[]).includes(c), `${s.id} requires unknown ${c}`);
    assert.ok(s.property.length > 30, `${s.id} states its property`);
  }
});
