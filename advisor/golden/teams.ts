// Golden teams: teams described in plain words, the answers they would give, and what an expert would
// pick for them, with the reason and, where one exists, a public source (a published case study or the
// technology's own guidance on when to use it). golden.unit.spec.ts runs them in `npm test`.
//
// If a change to the knowledge moves one of these, the change deserves a conversation, not a new
// expected value. A boundary team sits between two technologies: either may win, the other must be next.
import type { TechnologyId } from '../knowledge/types.ts';
import type { Answers } from '../scoring/score.ts';

export interface GoldenSource {
  title: string;
  url: string;
}

export type GoldenExpectation =
  | {
      decision: 'clear';
      /** The pick; for a boundary team, either of two. */
      pick: TechnologyId | readonly [TechnologyId, TechnologyId];
      /** The lead (points) the pick must have over the runner-up. */
      minMargin: number;
      /** Technologies allowed in second place. */
      runnerUp: readonly TechnologyId[];
    }
  | { decision: 'tie'; tied: readonly TechnologyId[] }
  | { decision: 'insufficient-answers'; mustAsk: readonly string[] };

export interface GoldenTeam {
  id: string;
  /** The team as it would describe itself. */
  team: string;
  /** Why an expert picks what `expect` says. */
  rationale: string;
  sources: readonly GoldenSource[];
  answers: Answers;
  expect: GoldenExpectation;
}

const AWS_ES_PATTERN: GoldenSource = { title: 'AWS Prescriptive Guidance — cloud design patterns: event sourcing', url: 'https://docs.aws.amazon.com/prescriptive-guidance/latest/cloud-design-patterns/event-sourcing.html' };
const KAFKA_USES: GoldenSource = { title: 'Apache Kafka documentation — use cases (activity tracking, metrics, log aggregation, stream processing)', url: 'https://kafka.apache.org/documentation/#uses' };
const THE_LOG: GoldenSource = { title: 'Jay Kreps (LinkedIn Engineering), "The Log: what every software engineer should know about real-time data\'s unifying abstraction"', url: 'https://engineering.linkedin.com/distributed-systems/log-what-every-software-engineer-should-know-about-real-time-datas-unifying' };
const KURRENT: GoldenSource = { title: 'KurrentDB documentation — streams, $all, subscriptions and projections', url: 'https://docs.kurrent.io/' };
const MARTEN_PROJECTIONS: GoldenSource = { title: 'Marten documentation — projections (inline projections commit with the events)', url: 'https://martendb.io/events/projections/' };
const MARTEN_INTRO: GoldenSource = { title: 'Marten documentation — .NET transactional document DB and event store on PostgreSQL', url: 'https://martendb.io/' };
const EMMETT_PROJECTIONS: GoldenSource = { title: 'Emmett documentation — projections (inline: same transaction, strong consistency)', url: 'https://event-driven-io.github.io/emmett/api-reference/projections.html' };
const MESSAGE_DB: GoldenSource = { title: 'Message DB — a microservice-native event store and message store for PostgreSQL', url: 'https://github.com/message-db/message-db' };
const DDB_GLOBAL_TABLES: GoldenSource = { title: 'Amazon DynamoDB developer guide — global tables (multi-Region replication)', url: 'https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/GlobalTables.html' };
const DDB_LAMBDA: GoldenSource = { title: 'Amazon DynamoDB developer guide — DynamoDB Streams and AWS Lambda triggers', url: 'https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Streams.Lambda.html' };

export const GOLDEN_TEAMS: readonly GoldenTeam[] = [
  {
    id: 'esdb-on-premises-replay',
    team: 'A JVM team in a bank, on its own hardware, with a platform team. Several services rebuild projections from one ordered history of everything; consumers share work; nobody has run an event store before.',
    rationale: 'On-premises rules out DynamoDB, JVM rules out Marten, conflicting writers need expected versions (Kafka out). A gap-free global order, catch-up and competing subscriptions and a gentle path for newcomers are what EventStoreDB is built for; PostgreSQL can do it with the xid8 pattern and more work.',
    sources: [KURRENT],
    answers: { platform: 'jvm', cloud: 'on-premises', 'postgres-skills': 'none', 'read-patterns': 'global-replay', ordering: 'global', subscriptions: 'both', concurrency: 'required', operations: 'platform-team', experience: 'new', retention: 'forever' },
    expect: { decision: 'clear', pick: 'eventstoredb', minMargin: 10, runnerUp: ['postgres'] },
  },
  {
    id: 'esdb-server-side-projections',
    team: 'A Node.js team on Azure that wants the store itself to run projections (by category, partitioned state), with persistent subscriptions for workers and a global order.',
    rationale: 'Server-side projections and persistent (competing) subscriptions are EventStoreDB features; every other option needs projection workers the team writes and hosts.',
    sources: [KURRENT],
    answers: { platform: 'node', cloud: 'other-cloud', 'postgres-skills': 'none', projections: 'in-store', subscriptions: 'both', concurrency: 'required', ordering: 'global', 'read-patterns': 'per-stream', operations: 'platform-team', budget: 'generous' },
    expect: { decision: 'clear', pick: 'eventstoredb', minMargin: 10, runnerUp: ['postgres', 'dynamodb'] },
  },
  {
    id: 'postgres-node-gdpr',
    team: 'A Node.js team on Google Cloud that already runs PostgreSQL; a small budget, low volume, analysts who ask ad-hoc questions of the events, and personal data that must be erasable.',
    rationale: 'SQL over jsonb answers ad-hoc questions, deleting or redacting rows satisfies erasure, and the team already operates PostgreSQL; nothing asks for more than one database can give.',
    sources: [MESSAGE_DB, EMMETT_PROJECTIONS],
    answers: { platform: 'node', 'postgres-skills': 'production', 'read-patterns': 'ad-hoc', budget: 'tight', operations: 'small', 'write-throughput': 'low', compliance: 'erasure-required', cloud: 'other-cloud' },
    expect: { decision: 'clear', pick: 'postgres', minMargin: 20, runnerUp: ['eventstoredb', 'dynamodb'] },
  },
  {
    id: 'postgres-python-same-transaction',
    team: 'A Python team with PostgreSQL in production whose screens must show the result of a command at once: read models are written in the same transaction as the events.',
    rationale: 'Only a store that shares a database transaction with the read model gives read-your-writes without waiting; with PostgreSQL the events table and the read-model tables commit together.',
    sources: [EMMETT_PROJECTIONS, MESSAGE_DB],
    answers: { platform: 'python', 'postgres-skills': 'production', 'read-model-consistency': 'same-transaction', concurrency: 'required', operations: 'small', budget: 'tight', 'write-throughput': 'medium', 'read-patterns': 'per-stream' },
    expect: { decision: 'clear', pick: 'postgres', minMargin: 10, runnerUp: ['dynamodb', 'eventstoredb'] },
  },
  {
    id: 'kafka-streaming-analytics',
    team: 'The streaming team of issue 13: 100k events/s at peak, hundreds of independent consumers, a single writer per partition, per-partition order, events central to the analytics platform; no per-entity reads or version checks.',
    rationale: 'Partitioned throughput, consumer groups and the connector ecosystem are Kafka\'s strengths; the needs Kafka lacks (expected versions, per-stream reads) are absent here and must not count against it.',
    sources: [KAFKA_USES, THE_LOG],
    answers: { 'write-throughput': 'very-high', 'read-throughput': 'heavy', concurrency: 'single-writer', integration: 'central' },
    expect: { decision: 'clear', pick: 'kafka', minMargin: 10, runnerUp: ['dynamodb', 'eventstoredb'] },
  },
  {
    id: 'kafka-telemetry',
    team: 'An IoT platform on the JVM ingesting more than 100,000 readings per second; nobody loads one device\'s history, consumers process the log in parallel, data expires after weeks and feeds the data platform.',
    rationale: 'Above 100,000 events/s a single primary or cluster leader is out; retention by time, consumer groups and Connect make Kafka the usual backbone for telemetry.',
    sources: [KAFKA_USES, THE_LOG],
    answers: { platform: 'jvm', 'write-throughput': 'extreme', 'read-patterns': 'log-only', concurrency: 'single-writer', ordering: 'per-partition', retention: 'limited', integration: 'central', subscriptions: 'competing', operations: 'platform-team' },
    expect: { decision: 'clear', pick: 'kafka', minMargin: 10, runnerUp: ['dynamodb'] },
  },
  {
    id: 'dynamodb-serverless',
    team: 'A Node.js team on AWS Lambda with nobody to run databases: aggregates loaded per command, conflicting writes must be refused, strict latency, thousands of events per second.',
    rationale: 'A conditional write per (stream, version) gives optimistic concurrency, a Query loads a stream, and pay-per-request with no connection pool suits Lambda — the AWS event-sourcing pattern.',
    sources: [AWS_ES_PATTERN, DDB_LAMBDA],
    answers: { platform: 'node', cloud: 'aws-serverless', operations: 'managed-only', 'read-patterns': 'per-stream', concurrency: 'required', 'write-throughput': 'high', latency: 'strict', 'postgres-skills': 'none', ordering: 'per-stream' },
    expect: { decision: 'clear', pick: 'dynamodb', minMargin: 10, runnerUp: ['postgres', 'eventstoredb'] },
  },
  {
    id: 'dynamodb-multi-region',
    team: 'A Go team on AWS serving customers on three continents from active regions, managed services only, interactive latency and per-aggregate reads.',
    rationale: 'Global tables replicate across regions without running anything; the caveat (conditional writes are checked in the writing region only) is listed as a risk.',
    sources: [DDB_GLOBAL_TABLES, AWS_ES_PATTERN],
    answers: { platform: 'go', cloud: 'aws', 'multi-region': 'active-active', operations: 'managed-only', concurrency: 'required', 'read-patterns': 'per-stream', latency: 'interactive', 'write-throughput': 'high' },
    expect: { decision: 'clear', pick: 'dynamodb', minMargin: 5, runnerUp: ['postgres'] },
  },
  {
    id: 'marten-dotnet-newcomers',
    team: 'A .NET team that runs PostgreSQL in production, new to event sourcing, wanting aggregates, projections and subscriptions without running a new database.',
    rationale: 'Marten turns the PostgreSQL they run into an event store with aggregates, projections and the async daemon, in idiomatic .NET.',
    sources: [MARTEN_INTRO, MARTEN_PROJECTIONS],
    answers: { platform: 'dotnet', 'postgres-skills': 'production', cloud: 'any', 'read-patterns': 'mixed', subscriptions: 'catch-up', concurrency: 'required', experience: 'new', operations: 'small', budget: 'moderate' },
    expect: { decision: 'clear', pick: 'marten', minMargin: 10, runnerUp: ['postgres', 'eventstoredb'] },
  },
  {
    id: 'marten-inline-projections',
    team: 'A .NET team on Azure on a tight budget whose read models must commit with the events (inline projections), with some event-sourcing experience.',
    rationale: 'Marten\'s inline projections update documents in the same transaction as the append; a hand-rolled PostgreSQL store can too, but Marten gives it ready-made in .NET.',
    sources: [MARTEN_PROJECTIONS, { title: 'Cratis — Marten vs Chronicle ("events and documents in one database and one transaction")', url: 'https://www.cratis.io/compare/marten-vs-chronicle.md' }],
    answers: { platform: 'dotnet', 'read-model-consistency': 'same-transaction', concurrency: 'required', 'postgres-skills': 'some', cloud: 'other-cloud', 'read-patterns': 'per-stream', experience: 'some', budget: 'tight' },
    expect: { decision: 'clear', pick: 'marten', minMargin: 5, runnerUp: ['postgres'] },
  },
  {
    id: 'boundary-postgres-eventstoredb',
    team: 'A Go team on another cloud that runs PostgreSQL, needs one global order for replays and catch-up subscriptions, refuses conflicting writes, has a small operations team.',
    rationale: 'On the boundary: EventStoreDB is built for global replay and subscriptions, PostgreSQL is the database they already run (with the xid8 pattern for a gap-free order). An expert could defend either; both must be the top two.',
    sources: [KURRENT, MESSAGE_DB],
    answers: { platform: 'go', cloud: 'other-cloud', concurrency: 'required', 'read-patterns': 'global-replay', ordering: 'global', subscriptions: 'catch-up', 'postgres-skills': 'production', operations: 'small' },
    expect: { decision: 'clear', pick: ['postgres', 'eventstoredb'], minMargin: 0, runnerUp: ['postgres', 'eventstoredb'] },
  },
  {
    id: 'boundary-dynamodb-postgres',
    team: 'A Node.js team moving to AWS Lambda that already runs PostgreSQL on RDS, managed services only, per-aggregate reads with version checks.',
    rationale: 'On the boundary: DynamoDB fits Lambda without connection pools, PostgreSQL is what they know and RDS runs it for them. Either is a defensible pick; the other must come second.',
    sources: [AWS_ES_PATTERN, DDB_LAMBDA],
    answers: { platform: 'node', cloud: 'aws-serverless', operations: 'managed-only', 'read-patterns': 'per-stream', concurrency: 'required', 'postgres-skills': 'production', budget: 'moderate' },
    expect: { decision: 'clear', pick: ['postgres', 'dynamodb'], minMargin: 0, runnerUp: ['postgres', 'dynamodb'] },
  },
  {
    id: 'boundary-kafka-eventstoredb',
    team: 'A JVM team with a platform team: a single writer per key, high volume, catch-up and competing consumers, one global order, some downstream streaming consumers.',
    rationale: 'On the boundary: the global order and subscriptions favour EventStoreDB, the volume and the streaming consumers favour Kafka (single writer, so no version check is needed).',
    sources: [KURRENT, KAFKA_USES],
    answers: { platform: 'jvm', 'write-throughput': 'high', concurrency: 'single-writer', subscriptions: 'both', ordering: 'global', integration: 'some', operations: 'platform-team' },
    expect: { decision: 'clear', pick: ['eventstoredb', 'kafka'], minMargin: 0, runnerUp: ['eventstoredb', 'kafka'] },
  },
  {
    id: 'tie-postgres-marten',
    team: 'A team that runs PostgreSQL, on a tight budget with a small operations team and ad-hoc queries, that did not say which platform it writes in.',
    rationale: 'PostgreSQL and Marten are rated the same on every criterion these answers weight: what separates them is the platform (.NET or not) and the team\'s experience. The advisor must say so, not pick.',
    sources: [MARTEN_INTRO],
    answers: { 'postgres-skills': 'production', budget: 'tight', operations: 'small', 'read-patterns': 'ad-hoc' },
    expect: { decision: 'tie', tied: ['postgres', 'marten'] },
  },
  {
    id: 'insufficient-empty',
    team: 'A team that has not answered anything yet.',
    rationale: 'With no answer there is no need to weigh: "EventStoreDB 100/100" was an artefact of the old fixed baseline.',
    sources: [],
    answers: {},
    expect: { decision: 'insufficient-answers', mustAsk: [] },
  },
  {
    id: 'insufficient-two-answers',
    team: 'A Node.js team on AWS that answered two questions.',
    rationale: 'Platform and cloud say what is possible, not what is needed; the advisor asks for more before recommending.',
    sources: [],
    answers: { platform: 'node', cloud: 'aws' },
    expect: { decision: 'insufficient-answers', mustAsk: [] },
  },
];
