/**
 * Retention: a store used as the system of record must never lose an event to a retention setting it
 * did not choose. Kafka topics inherit the broker's `log.retention.hours` (168: 7 days) unless created
 * with `retention.ms=-1`; DynamoDB tables can have TTL; PostgreSQL loses rows only when told to. The store
 * is asked what its backend is configured to do (`describeRetention`, read from the backend), and the
 * answer must be "forever".
 */
import assert from 'node:assert/strict';
import { ScenarioUnsupportedError, type Scenario } from '../scenario.ts';
import { event } from './support.ts';

export const retentionScenarios: Scenario[] = [
  {
    id: 'retention.events-kept-forever',
    title: 'Events are kept forever',
    property:
      "The backend's own retention settings, as the store reads them (a topic's retention.ms and retention.bytes, a table's TTL, partitions and schedulers), remove no event by age, size or count: nothing written to the system of record is lost to a default.",
    requires: [],
    async run(ctx) {
      if (!ctx.store.describeRetention) throw new ScenarioUnsupportedError(`the ${ctx.store.backend} store cannot say how long its backend keeps events`);
      // An event first, so the store has created whatever holds its events (a topic, a table).
      await ctx.store.appendToStream(ctx.streamId('ledger'), [event('Opened', 1)]);
      const policy = await ctx.store.describeRetention();
      const limits = [policy.maxAgeMs !== undefined ? `events older than ${Math.round(policy.maxAgeMs / 3_600_000)} h are deleted` : '', policy.maxBytes !== undefined ? `a partition keeps at most ${policy.maxBytes} bytes` : '']
        .filter(Boolean)
        .join('; ');
      assert.ok(policy.keepsEventsForever, `the backend removes events on its own${limits ? ` (${limits})` : ''}: ${policy.source}`);
      assert.ok(policy.maxAgeMs === undefined && policy.maxBytes === undefined, `a store that keeps events forever has no age or size limit: ${policy.source}`);
      ctx.narrate(`retention: kept forever (${policy.source})`);
    },
  },
];
