import assert from 'node:assert/strict';
import { test } from 'node:test';
import { partitionOf, validateConsumerGroupOptions, CONSUMER_GROUP_DEFAULTS } from './consumer-group.ts';
import { InvalidConsumerGroupOptionsError } from './errors.ts';

const id = () => 'member-generated';

test('consumer group options: defaults, and a generated member id', () => {
  const o = validateConsumerGroupOptions({ group: 'billing' }, id);
  assert.equal(o.memberId, 'member-generated');
  assert.equal(o.partitions, CONSUMER_GROUP_DEFAULTS.partitions);
  assert.equal(o.maxDeliveries, CONSUMER_GROUP_DEFAULTS.maxDeliveries);
  assert.equal(o.streamPrefix, '');
});

test('consumer group options: bad input is a typed error naming the field', () => {
  const bad: [unknown, string][] = [
    [undefined, 'options'],
    [{ group: '' }, 'group'],
    [{ group: ' padded' }, 'group'],
    [{ group: 'x'.repeat(101) }, 'group'],
    [{ group: 'g\u0000' }, 'group'],
    [{ group: 'g', memberId: '' }, 'memberId'],
    [{ group: 'g', partitions: 0 }, 'partitions'],
    [{ group: 'g', partitions: 1.5 }, 'partitions'],
    [{ group: 'g', maxDeliveries: -1 }, 'maxDeliveries'],
    [{ group: 'g', leaseMs: 10 }, 'leaseMs'],
    [{ group: 'g', streamPrefix: 7 }, 'streamPrefix'],
    [{ group: 'g', startAt: 'now' }, 'startAt'],
  ];
  for (const [options, field] of bad) {
    assert.throws(() => validateConsumerGroupOptions(options, id), (e: unknown) => e instanceof InvalidConsumerGroupOptionsError && e.field === field, `${JSON.stringify(options)} -> ${field}`);
  }
});

test('partitionOf: stable, in range, and spreads streams over the partitions', () => {
  assert.equal(partitionOf('order-1', 8), partitionOf('order-1', 8));
  const counts = new Array(8).fill(0);
  for (let i = 0; i < 8_000; i++) counts[partitionOf(`order-${i}`, 8)]++;
  for (const n of counts) assert.ok(n > 800 && n < 1_200, `partition sizes ${counts.join(',')}`);
});
