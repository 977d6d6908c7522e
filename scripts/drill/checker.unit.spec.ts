import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkEvents, checkSubscriber, percentiles, unavailableWindow } from './checker.ts';
import type { EventRecord } from './records.ts';

test('the checker counts lost, duplicated and phantom events', () => {
  const events: EventRecord[] = [
    ['a', 'acknowledged', 1],
    ['b', 'acknowledged', 2],
    ['c', 'refused', 3],
    ['d', 'indeterminate', 4],
    ['e', 'indeterminate', 5],
  ];
  const stored = new Map([
    ['a', 1],
    ['c', 1],
    ['d', 2],
  ]);
  const findings = checkEvents(events, stored);
  assert.deepEqual(findings.lost.map(([id]) => id), ['b']);
  assert.deepEqual(findings.duplicated, ['d']);
  assert.deepEqual(findings.phantom.map(([id]) => id), ['c', 'd']);
  assert.equal(findings.indeterminate.length, 2);
});

test('the subscriber check finds skipped and repeated deliveries', () => {
  assert.deepEqual(checkSubscriber(new Map([['a', 1], ['b', 1], ['c', 1]]), ['a', 'a', 'c', 'x']), { missed: 1, duplicated: 1 });
});

test('the unavailability window is the longest stretch without an acknowledgement, failed or hung appends alike', () => {
  const attempts: [number, number, 0 | 1][] = [
    [100, 110, 1],
    [120, 400, 0], // hung on the dead primary, then failed
    [130, 135, 0],
    [400, 900, 0],
    [905, 950, 1],
    [960, 970, 1],
  ];
  assert.equal(unavailableWindow(attempts, 115, 2_000), 950 - 110);
  // A hung append that finally succeeds counts as much as failures.
  assert.equal(unavailableWindow([[0, 10, 1], [10, 3_010, 1], [3_010, 3_020, 1]], 5, 5_000), 3_000);
  assert.equal(unavailableWindow([], 0, 100), 0);
  // No acknowledgement at all inside the window: the stretch runs to the first one after it.
  assert.equal(unavailableWindow([[0, 10, 1], [20, 5_000, 1]], 100, 1_000), 4_990);
});

test('percentiles by nearest rank', () => {
  assert.deepEqual(percentiles([3, 1, 2]), { p50: 2, p99: 3, max: 3 });
  assert.deepEqual(percentiles([]), { p50: 0, p99: 0, max: 0 });
});
