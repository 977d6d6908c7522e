import type { Criterion, CriterionId } from './types.ts';

export const CRITERIA: readonly Criterion[] = [
  { id: 'optimistic-concurrency', name: 'Optimistic concurrency per stream', description: 'The store itself rejects an append when the stream moved on since it was read (expected version).' },
  { id: 'stream-reads', name: 'Reading one stream', description: 'Loading one aggregate is a cheap, indexed read of just its events, forwards or backwards, from a version.' },
  { id: 'global-replay', name: 'Ordered replay of all events', description: 'A total order across streams that a reader can checkpoint and resume without skipping events committed out of order.' },
  { id: 'ad-hoc-queries', name: 'Ad-hoc queries over events', description: 'Ask new questions of the events (filter, join, aggregate) without writing a projection first.' },
  { id: 'subscriptions', name: 'Catch-up and live subscriptions', description: 'A consumer catches up from a checkpoint and then receives new events as they are written.' },
  { id: 'competing-consumers', name: 'Competing consumers', description: 'Several workers share one subscription, with acknowledgement, retry and parking of poison messages.' },
  { id: 'write-throughput', name: 'Write throughput headroom', description: 'Sustained appends per second before the store itself becomes the bottleneck.' },
  { id: 'retention-policies', name: 'Retention policies', description: 'Events can expire or be truncated by age or count without custom jobs.' },
  { id: 'long-term-storage', name: 'Durable system of record', description: 'Keeping every event forever, cheaply and queryable, is the normal way of using it.' },
  { id: 'erasure', name: 'Erasing personal data', description: 'A data subject\'s events can be deleted or redacted to satisfy an erasure request (GDPR art. 17).' },
  { id: 'low-ops', name: 'Low operational burden', description: 'A managed offering or a setup a small team already knows how to run, back up and upgrade.' },
  { id: 'cost', name: 'Cost at modest scale', description: 'What a small production deployment costs in money and infrastructure.' },
  { id: 'multi-region', name: 'Multi-region deployment', description: 'Replication across regions for disaster recovery or local reads, supported by the product.' },
  { id: 'low-latency', name: 'Low, predictable latency', description: 'Append and read latency stays in single-digit milliseconds at the 99th percentile.' },
  { id: 'learning-curve', name: 'Gentle for newcomers to event sourcing', description: 'The product guides a team to correct event-sourcing patterns instead of leaving the hard parts to them.' },
  { id: 'streaming-integration', name: 'Streaming and analytics integration', description: 'Feeding data platforms, stream processors and other teams is native or one connector away.' },
  { id: 'postgres-reuse', name: 'Reuses PostgreSQL skills', description: 'The team\'s existing PostgreSQL knowledge, tooling and operations carry over.' },
  { id: 'dotnet-fit', name: '.NET integration', description: 'First-class .NET library: aggregates, projections and the store in one idiomatic API.' },
  { id: 'serverless-fit', name: 'Serverless fit', description: 'Works with scale-to-zero functions: no connection pools to exhaust, pay per request, event triggers.' },
  { id: 'portability', name: 'Portability across clouds and on-premises', description: 'Runs the same on any cloud or on your own hardware, with no single-vendor lock-in.' },
  { id: 'server-side-projections', name: 'Projections run by the store', description: 'The store itself runs projections (derived streams, partitioned state) on the server: no projection process to host.' },
  { id: 'transactional-read-models', name: 'Read models in the same transaction', description: 'A read model can be updated in the same ACID transaction as the append, so a query never sees state older than the last command.' },
  { id: 'durability-at-failover', name: 'No acknowledged write lost at failover', description: 'An append the store acknowledged is still there after the node that took it dies, with the setting that makes it so named and checked by a failover drill.' },
];

const byId = new Map(CRITERIA.map((c) => [c.id, c]));

export function criterionName(id: CriterionId): string {
  return byId.get(id)?.name ?? id;
}
