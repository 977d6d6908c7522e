import type { KnockOut, Question } from './types.ts';

// Every question may also be answered "don't know" (DONT_KNOW): it then adds no weight and knocks
// nothing out, and the result lists it as neutral. Weights are 0..5 per criterion per answer.
//
// The rule every option follows: an answer adds weight only to a need it says the team HAS. An answer
// that says a need is absent ("single writer", "order within a partition", "no personal data", "a
// platform team runs clusters") adds nothing: it must not count against the technology built for teams
// without that need (issue 13, defect 1: a streaming team got DynamoDB because "single writer" still
// weighted optimistic concurrency). knowledge.unit.spec.ts lists the absent-need options and checks it.

const MARTEN_NEEDS_DOTNET: KnockOut = {
  technology: 'marten',
  reason: 'Marten is a .NET library: the application that appends and projects events must run on .NET.',
  source: { kind: 'docs', title: 'Marten documentation — introduction', url: 'https://martendb.io/' },
};

const DYNAMODB_IS_AWS_ONLY: KnockOut = {
  technology: 'dynamodb',
  reason: 'DynamoDB is an AWS managed service; "DynamoDB local" is for development only, so it cannot run on your own hardware in production.',
  source: { kind: 'docs', title: 'AWS — DynamoDB local (not for production)', url: 'https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/DynamoDBLocal.html' },
};

export const QUESTIONS: readonly Question[] = [
  {
    id: 'platform',
    section: 'Team',
    text: 'Which platform and language will the services that write events use?',
    why: 'Client libraries differ by ecosystem; Marten is a .NET library and only works from .NET, where it is the most complete option.',
    options: [
      { id: 'dotnet', label: '.NET (C#, F#)', weights: { 'dotnet-fit': 4 } },
      { id: 'jvm', label: 'JVM (Java, Kotlin, Scala)', weights: {}, knockOuts: [MARTEN_NEEDS_DOTNET] },
      { id: 'node', label: 'Node.js / TypeScript', weights: {}, knockOuts: [MARTEN_NEEDS_DOTNET] },
      { id: 'go', label: 'Go', weights: {}, knockOuts: [MARTEN_NEEDS_DOTNET] },
      { id: 'python', label: 'Python', weights: {}, knockOuts: [MARTEN_NEEDS_DOTNET] },
      { id: 'polyglot', label: 'Several (polyglot services)', weights: {}, knockOuts: [MARTEN_NEEDS_DOTNET] },
    ],
  },
  {
    id: 'postgres-skills',
    section: 'Team',
    text: 'How much PostgreSQL does the team already run?',
    why: 'A store you already operate, monitor and back up is cheaper and safer than a new one; PostgreSQL and Marten reuse that skill.',
    options: [
      { id: 'production', label: 'We run PostgreSQL in production today', weights: { 'postgres-reuse': 4 } },
      { id: 'some', label: 'Some experience, not in production', weights: { 'postgres-reuse': 2 } },
      { id: 'none', label: 'None', weights: {} },
    ],
  },
  {
    id: 'cloud',
    section: 'Platform',
    text: 'Where will it run?',
    why: 'DynamoDB only exists on AWS and shines with serverless functions; on-premises rules it out; other clouds favour portable stores.',
    options: [
      { id: 'aws-serverless', label: 'AWS, serverless first (Lambda)', weights: { 'serverless-fit': 4, 'low-ops': 1 } },
      { id: 'aws', label: 'AWS, containers or VMs', weights: {} },
      { id: 'other-cloud', label: 'Azure, Google Cloud or another cloud', weights: { portability: 3 } },
      { id: 'on-premises', label: 'Our own hardware (on-premises)', weights: { portability: 4 }, knockOuts: [DYNAMODB_IS_AWS_ONLY] },
      { id: 'any', label: 'Any: we want to stay portable', weights: { portability: 2 } },
    ],
  },
  {
    id: 'write-throughput',
    section: 'Workload',
    text: 'What sustained write rate do you expect at peak (events per second)?',
    why: 'Below a few thousand events per second every option copes; above that, partitioned logs and managed key-value stores pull ahead, and above 100,000 per second a single database primary is no longer an option.',
    options: [
      { id: 'low', label: 'Under 100 per second', weights: {} },
      { id: 'medium', label: '100 to 2,000 per second', weights: { 'write-throughput': 1 } },
      { id: 'high', label: '2,000 to 20,000 per second', weights: { 'write-throughput': 3 } },
      { id: 'very-high', label: '20,000 to 100,000 per second', weights: { 'write-throughput': 5 } },
      {
        id: 'extreme',
        label: 'More than 100,000 per second',
        // The weight is the same as for 20,000–100,000; what changes is that a store whose writes all go
        // through one primary or leader is out unless the team shards it by hand: knock-outs, with reasons.
        weights: { 'write-throughput': 5 },
        knockOuts: [
          {
            technology: 'postgres',
            reason: 'One PostgreSQL primary takes every write: a sustained 100,000+ events per second means sharding the event store across databases by hand.',
            source: { kind: 'docs', title: 'PostgreSQL — high availability, load balancing and replication (one writable primary)', url: 'https://www.postgresql.org/docs/current/different-replication-solutions.html' },
          },
          {
            technology: 'marten',
            reason: 'Marten writes to one PostgreSQL primary: a sustained 100,000+ events per second means sharding across databases by hand.',
            source: { kind: 'docs', title: 'PostgreSQL — high availability, load balancing and replication (one writable primary)', url: 'https://www.postgresql.org/docs/current/different-replication-solutions.html' },
          },
          {
            technology: 'eventstoredb',
            reason: 'Every write goes through the cluster leader: one cluster does not scale writes out to a sustained 100,000+ events per second.',
            source: { kind: 'docs', title: 'KurrentDB docs — clustering (one leader takes the writes)', url: 'https://docs.kurrent.io/' },
          },
        ],
      },
    ],
  },
  {
    id: 'read-patterns',
    section: 'Access',
    text: 'How will events mostly be read?',
    why: 'Loading one aggregate, replaying everything in order and asking ad-hoc questions need different storage layouts; no store is best at all three.',
    options: [
      { id: 'per-stream', label: 'Per stream: load one aggregate to handle a command', weights: { 'stream-reads': 4 } },
      { id: 'global-replay', label: 'Global replay: rebuild projections from all events in order', weights: { 'global-replay': 4 } },
      { id: 'ad-hoc', label: 'Ad-hoc queries over the events', weights: { 'ad-hoc-queries': 4 } },
      { id: 'mixed', label: 'A mix of all three', weights: { 'stream-reads': 2, 'global-replay': 2, 'ad-hoc-queries': 2 } },
      // Telemetry, clickstreams, integration feeds: nobody rebuilds one entity's state from its events.
      { id: 'log-only', label: 'We never load one entity’s stream: consumers process the log', weights: { subscriptions: 2 } },
    ],
  },
  {
    id: 'read-throughput',
    section: 'Workload',
    text: 'How read-heavy is the system?',
    why: 'Many consumers re-reading the log multiply load; per-stream reads at high rates favour stores with cheap keyed reads.',
    options: [
      { id: 'light', label: 'Light: a few projections and command handlers', weights: {} },
      { id: 'moderate', label: 'Moderate: tens of consumers', weights: { subscriptions: 1 } },
      // Consumers and aggregate loads are different needs: one answer must not weight both.
      { id: 'heavy', label: 'Heavy: hundreds of consumers reading the log', weights: { subscriptions: 3, 'write-throughput': 1 } },
      { id: 'heavy-loads', label: 'Heavy: very frequent aggregate loads', weights: { 'stream-reads': 3, 'low-latency': 1 } },
    ],
  },
  {
    id: 'subscriptions',
    section: 'Access',
    text: 'How will other parts of the system consume events?',
    why: 'Catch-up subscriptions feed projections; competing consumers share work between instances with acknowledgements and retries. Stores differ greatly here.',
    options: [
      { id: 'none', label: 'Not needed: we read on demand', weights: {} },
      { id: 'catch-up', label: 'Catch-up subscriptions for projections', weights: { subscriptions: 4 } },
      { id: 'competing', label: 'Competing consumers sharing the work', weights: { 'competing-consumers': 4 } },
      { id: 'both', label: 'Both', weights: { subscriptions: 3, 'competing-consumers': 3 } },
    ],
  },
  {
    id: 'concurrency',
    section: 'Consistency',
    text: 'Must the store itself reject conflicting writes to the same aggregate (optimistic concurrency)?',
    why: 'Without an expected-version check two command handlers can both append on stale state; a log without it needs a single writer per key.',
    options: [
      {
        id: 'required',
        label: 'Yes, required: several instances may handle the same aggregate',
        weights: { 'optimistic-concurrency': 5 },
        knockOuts: [
          {
            technology: 'kafka',
            reason: 'Kafka has no expected-version check per key: two producers can both append to an aggregate on stale state.',
            source: { kind: 'lab', backend: 'kafka', scenarios: ['append.expected-version', 'append.concurrent-writers'] },
          },
        ],
      },
      { id: 'single-writer', label: 'No: each aggregate or key has a single writer', weights: {} },
    ],
  },
  {
    id: 'ordering',
    section: 'Consistency',
    text: 'What ordering do consumers need?',
    why: 'Per-stream order is easy everywhere; a gap-free total order across streams is hard on counter-based stores (out-of-order commits).',
    options: [
      // Every option keeps per-stream and per-partition order: saying so adds no need.
      { id: 'per-stream', label: 'Order within each stream is enough', weights: {} },
      { id: 'per-partition', label: 'Order within a partition or category', weights: {} },
      { id: 'global', label: 'One total order across all streams', weights: { 'global-replay': 4 } },
    ],
  },
  {
    id: 'retention',
    section: 'Data',
    text: 'How long must events be kept?',
    why: 'An event store used as system of record keeps everything forever; event streams used for integration usually expire.',
    options: [
      { id: 'forever', label: 'Forever: the events are the system of record', weights: { 'long-term-storage': 4 } },
      { id: 'years', label: 'Years, then archive', weights: { 'long-term-storage': 2, 'retention-policies': 1 } },
      { id: 'limited', label: 'Days to months, then expire', weights: { 'retention-policies': 4 } },
    ],
  },
  {
    id: 'compliance',
    section: 'Data',
    text: 'Must you erase personal data on request (GDPR and similar)?',
    why: 'Immutable logs make erasure hard; stores that can delete or rewrite events, or crypto-shredding, are needed.',
    options: [
      { id: 'erasure-required', label: 'Yes, personal data in events must be erasable', weights: { erasure: 4 } },
      { id: 'outside-events', label: 'Personal data is kept outside the events', weights: {} },
      { id: 'no-personal-data', label: 'No personal data', weights: {} },
    ],
  },
  {
    id: 'operations',
    section: 'Operations',
    text: 'What operations capacity does the team have?',
    why: 'A self-hosted cluster needs upgrades, backups, monitoring and on-call; managed services trade money and lock-in for that effort.',
    options: [
      { id: 'managed-only', label: 'Managed services only: nobody runs databases', weights: { 'low-ops': 5 } },
      { id: 'small', label: 'A small team that can run one familiar database', weights: { 'low-ops': 3 } },
      { id: 'platform-team', label: 'A platform team that runs clusters', weights: {} },
      { id: 'must-self-host', label: 'We must self-host everything', weights: { portability: 3 }, knockOuts: [DYNAMODB_IS_AWS_ONLY] },
    ],
  },
  {
    id: 'budget',
    section: 'Operations',
    text: 'What is the budget for the store?',
    why: 'Clusters, managed tiers and per-request pricing have very different cost curves at small scale.',
    options: [
      { id: 'tight', label: 'Tight: as little as possible', weights: { cost: 4 } },
      { id: 'moderate', label: 'Moderate', weights: { cost: 2 } },
      { id: 'generous', label: 'Generous: cost is secondary', weights: {} },
    ],
  },
  {
    id: 'multi-region',
    section: 'Operations',
    text: 'Do you need more than one region?',
    why: 'Cross-region replication is built into some managed offerings and hard to add later to others.',
    options: [
      { id: 'single', label: 'One region is enough', weights: {} },
      { id: 'dr', label: 'A standby region for disaster recovery', weights: { 'multi-region': 2 } },
      { id: 'active-active', label: 'Active in several regions', weights: { 'multi-region': 5 } },
    ],
  },
  {
    id: 'failover',
    section: 'Platform',
    text: 'When the node that took a write dies, may the last acknowledged events be lost?',
    why: 'Every store here can run replicated, but only some settings keep what was acknowledged: an asynchronous standby, or Kafka with min.insync.replicas=1 and unclean leader election, loses the writes its followers had not received. The lab kills nodes under writes to show which settings hold.',
    options: [
      { id: 'no-loss', label: 'No: an acknowledged event must survive a node failure', weights: { 'durability-at-failover': 4 } },
      // A team that restores from backups accepts losing the last minutes: that adds no need.
      { id: 'restore-ok', label: 'Yes: restoring from a backup, losing the last minutes, is acceptable', weights: {} },
    ],
  },
  {
    id: 'latency',
    section: 'Workload',
    text: 'What p99 latency must appends and aggregate loads meet?',
    why: 'Tight latency targets rule out designs with extra hops, batching or polling.',
    options: [
      { id: 'relaxed', label: 'Relaxed: 100 ms or more is fine', weights: {} },
      { id: 'interactive', label: 'Interactive: under 50 ms', weights: { 'low-latency': 2 } },
      { id: 'strict', label: 'Strict: under 10 ms', weights: { 'low-latency': 5 } },
    ],
  },
  {
    id: 'experience',
    section: 'Team',
    text: 'How experienced is the team with event sourcing?',
    why: 'Newcomers benefit from a store that makes the right thing the default (streams, expected versions, subscriptions).',
    options: [
      { id: 'new', label: 'New to it', weights: { 'learning-curve': 4 } },
      { id: 'some', label: 'Some projects behind us', weights: { 'learning-curve': 2 } },
      { id: 'expert', label: 'Experienced', weights: {} },
    ],
  },
  {
    id: 'integration',
    section: 'Platform',
    text: 'Must the events feed streaming or analytics platforms?',
    why: 'If other teams and data platforms consume the events, a log with a connector ecosystem saves building bridges.',
    options: [
      { id: 'none', label: 'No', weights: {} },
      { id: 'some', label: 'Some downstream consumers', weights: { 'streaming-integration': 2 } },
      { id: 'central', label: 'Yes, central to the architecture', weights: { 'streaming-integration': 5 } },
    ],
  },
  {
    id: 'projections',
    section: 'Access',
    text: 'Who should run the projections that build read models?',
    why: 'Some stores run projections on the server (no process to host); libraries run them inside your application; otherwise you write and host the workers.',
    options: [
      { id: 'in-store', label: 'The store itself, server-side', weights: { 'server-side-projections': 4 } },
      { id: 'library', label: 'A library inside our application', weights: {} },
      { id: 'our-code', label: 'Our own code or a stream processor', weights: {} },
    ],
  },
  {
    id: 'read-model-consistency',
    section: 'Consistency',
    text: 'Must read models be updated in the same transaction as the events?',
    why: 'When a query must reflect a command the moment it succeeds, the read model has to commit with the events, in one database; otherwise read models catch up a little later.',
    options: [
      { id: 'same-transaction', label: 'Yes: the same database transaction', weights: { 'transactional-read-models': 5 } },
      { id: 'eventual', label: 'No: read models may lag a little', weights: {} },
    ],
  },
];

/**
 * Options that say a need is ABSENT. They must add no weight (the rule at the top of this file);
 * the knowledge spec checks each of them, so a future edit cannot quietly bring defect 1 back.
 */
export const ABSENT_NEED_OPTIONS: readonly { questionId: string; optionId: string }[] = [
  { questionId: 'platform', optionId: 'polyglot' },
  { questionId: 'postgres-skills', optionId: 'none' },
  { questionId: 'cloud', optionId: 'aws' },
  { questionId: 'write-throughput', optionId: 'low' },
  { questionId: 'read-throughput', optionId: 'light' },
  { questionId: 'subscriptions', optionId: 'none' },
  { questionId: 'concurrency', optionId: 'single-writer' },
  { questionId: 'ordering', optionId: 'per-stream' },
  { questionId: 'ordering', optionId: 'per-partition' },
  { questionId: 'compliance', optionId: 'outside-events' },
  { questionId: 'compliance', optionId: 'no-personal-data' },
  { questionId: 'operations', optionId: 'platform-team' },
  { questionId: 'failover', optionId: 'restore-ok' },
  { questionId: 'budget', optionId: 'generous' },
  { questionId: 'multi-region', optionId: 'single' },
  { questionId: 'latency', optionId: 'relaxed' },
  { questionId: 'experience', optionId: 'expert' },
  { questionId: 'integration', optionId: 'none' },
  { questionId: 'projections', optionId: 'library' },
  { questionId: 'projections', optionId: 'our-code' },
  { questionId: 'read-model-consistency', optionId: 'eventual' },
];
