/**
 * Every backend the workbench knows, and how to reach a real server for it: an external one from the
 * environment, or an embedded one started here. The conformance CLI, the test run, the labs and the
 * benchmarks all go through this list, so a backend is added in one place.
 */
import type { EventStoreFactory } from './core/index.ts';
import type { ScenarioId } from './conformance/scenario.ts';
import { startPostgres } from './runtime/postgres.ts';

export interface RunningBackend {
  /** Where it runs, for people: "embedded PostgreSQL on 127.0.0.1:54012". */
  description: string;
  /** Environment variables that point other processes at this same server. */
  env: Record<string, string>;
  createStore: EventStoreFactory;
  stop(): Promise<void>;
}

export interface BackendDefinition {
  name: string;
  title: string;
  /** The server this backend needs (two backends can share one: the naive PostgreSQL store). */
  server: string;
  /**
   * True when the workbench can start this server itself (embedded), so that failing to start it is a
   * failure under CI=true. False for servers that only run elsewhere (EventStoreDB): then an unreachable
   * server is reported as skipped, loudly, with the reason.
   */
  embedded: boolean;
  /** Starts (or connects to) a real server; throws BackendUnavailableError with the reason. */
  start(log?: (line: string) => void): Promise<RunningBackend>;
  /**
   * What a pass does not tell: guarantees that are emulated or hold only under a stated condition.
   * Shown in the capability matrix beside the results.
   */
  caveats?: string[];
  /** Optional lab steps beyond the conformance scenarios (what only this backend offers). */
  tour?(running: RunningBackend, narrate: (line: string) => void): Promise<void>;
  /** The pitfall twin of this backend (its name in this list), run after the tour in the lab. */
  pitfall?: string;
  /**
   * Pitfall demos only: the scenarios this store is expected to fail, and why. The tests assert that
   * these fail for real on every run; anything else it fails now and then is reported, not hidden.
   */
  expectedFailures?: Partial<Record<ScenarioId, string>>;
}

const postgres: BackendDefinition = {
  name: 'postgres',
  title: 'PostgreSQL',
  server: 'postgres',
  embedded: true,
  pitfall: 'postgres-naive',
  async start(log) {
    const server = await startPostgres({ log });
    const { PostgresEventStore, migrate } = await import('./postgres/postgres-store.ts');
    await migrate(server.connectionString);
    return {
      description: server.description,
      env: { DATABASE_URL: server.connectionString },
      createStore: () => PostgresEventStore.connect({ connectionString: server.connectionString, migrate: false }),
      stop: () => server.stop(),
    };
  },
};

const postgresNaive: BackendDefinition = {
  name: 'postgres-naive',
  title: 'PostgreSQL, naive tutorial store (pitfall demo)',
  server: 'postgres',
  embedded: true,
  expectedFailures: {
    'append.idempotent': 'event ids are not unique: a retry is refused or stored twice instead of answered with the original result',
    'append.concurrent-writers': 'SELECT MAX(version) then INSERT is a check-then-act race: the loser gets a raw unique-violation error, not WrongExpectedVersionError',
    'read.all-no-skip-under-concurrent-commits': 'positions come from a BIGSERIAL drawn before commit: a reader that passed position N never sees an event with a smaller position that commits later',
  },
  async start(log) {
    const server = await startPostgres({ log });
    const { NaivePostgresEventStore, migrateNaive } = await import('./postgres/naive/naive-store.ts');
    await migrateNaive(server.connectionString);
    return {
      description: server.description,
      env: { DATABASE_URL: server.connectionString },
      createStore: async () => new NaivePostgresEventStore(server.connectionString),
      stop: () => server.stop(),
    };
  },
};

const eventstoredb: BackendDefinition = {
  name: 'eventstoredb',
  title: 'EventStoreDB',
  server: 'eventstoredb',
  // No embeddable EventStoreDB exists: an unreachable server is a loud skip, even under CI=true.
  embedded: false,
  async start(log) {
    const { connectToEventStoreDb } = await import('./runtime/eventstoredb.ts');
    const server = await connectToEventStoreDb({ log });
    const { EventStoreDbEventStore } = await import('./eventstoredb/eventstoredb-store.ts');
    return {
      description: server.description,
      env: { EVENTSTORE_CONNECTION_STRING: server.connectionString },
      createStore: () => EventStoreDbEventStore.connect({ connectionString: server.connectionString }),
      stop: async () => {}, // an external server: nothing of ours to stop
    };
  },
  async tour(running, narrate) {
    const { runEventStoreDbTour } = await import('./eventstoredb/tour.ts');
    await runEventStoreDbTour(running.env.EVENTSTORE_CONNECTION_STRING!, narrate);
  },
};

const dynamodb: BackendDefinition = {
  name: 'dynamodb',
  title: 'DynamoDB API (dynalite unless DYNAMODB_ENDPOINT is set)',
  server: 'dynamodb',
  embedded: true,
  pitfall: 'dynamodb-naive',
  async start(log) {
    const { startDynamoDb } = await import('./runtime/dynamodb.ts');
    const { DynamoDbEventStore } = await import('./dynamodb/dynamodb-store.ts');
    const server = await startDynamoDb({ log });
    let features: string;
    try {
      // Creates the table once (idempotent) and detects, not assumes, what the endpoint implements.
      const setup = await DynamoDbEventStore.connect({ endpoint: server.endpoint, ensureTable: true, probe: true });
      features = setup.features?.description ?? '';
      await setup.close();
    } catch (error) {
      await server.stop();
      throw error;
    }
    return {
      description: `${server.description}; ${features}`,
      env: { DYNAMODB_ENDPOINT: server.endpoint },
      createStore: async () => new DynamoDbEventStore({ endpoint: server.endpoint }),
      stop: () => server.stop(),
    };
  },
};

const dynamodbNaive: BackendDefinition = {
  name: 'dynamodb-naive',
  title: 'DynamoDB, naive tutorial store (pitfall demo)',
  server: 'dynamodb',
  embedded: true,
  expectedFailures: {
    'append.idempotent': 'no idempotency: a retry with the same event ids is refused with WrongExpectedVersion (the version moved) or, with any, written twice',
    'append.concurrent-writers': 'versions computed client-side and written by an unconditional BatchWriteItem: writers that read the same version all win it and overwrite each other (lost updates)',
    'read.all-no-skip-under-concurrent-commits': 'global order by a GSI on the writer millisecond timestamp: appends stamped in the same millisecond get equal positions, so a reader following $all sees positions repeat or skips the ones it had not read yet',
  },
  async start(log) {
    const { startDynamoDb } = await import('./runtime/dynamodb.ts');
    const { NaiveDynamoDbEventStore, ensureNaiveTable } = await import('./dynamodb/naive/naive-store.ts');
    const server = await startDynamoDb({ log });
    try {
      await ensureNaiveTable(server.endpoint);
    } catch (error) {
      await server.stop();
      throw error;
    }
    return {
      description: server.description,
      env: { DYNAMODB_ENDPOINT: server.endpoint },
      createStore: async () => new NaiveDynamoDbEventStore(server.endpoint),
      stop: () => server.stop(),
    };
  },
};

const kafka: BackendDefinition = {
  name: 'kafka',
  caveats: [
    'optimistic-concurrency and idempotent-append are emulated by the store (a version and event-id check before a transactional write), for ONE writing process: its writers are serialised by a mutex. Transactional fencing between processes was not seen to work with kafkajs 2.2.4 against Kafka 4.4.0 (the tour measures it), so two writing processes are not protected.',
    'global-order comes from a single-partition events topic: a total order, capped at one partition\'s throughput.',
    'Reading one stream is served from an in-process index built by replaying the whole log at start.',
  ],
  title: 'Apache Kafka',
  server: 'kafka',
  embedded: true,
  pitfall: 'kafka-naive',
  async start(log) {
    const { startKafka } = await import('./runtime/kafka.ts');
    const broker = await startKafka({ log });
    const { KafkaEventStore } = await import('./kafka/kafka-store.ts');
    const { closeKafkaViews } = await import('./kafka/kafka-store.ts');
    return {
      description: broker.description,
      env: { KAFKA_BROKERS: broker.brokers.join(',') },
      createStore: () => KafkaEventStore.connect({ brokers: broker.brokers }),
      // The stores' log views linger briefly after close; end them while the broker still answers.
      stop: async () => {
        await closeKafkaViews();
        await broker.stop();
      },
    };
  },
  async tour(running, narrate) {
    const { runKafkaTour } = await import('./kafka/tour.ts');
    await runKafkaTour(running.env.KAFKA_BROKERS!.split(','), narrate);
  },
};

const kafkaNaive: BackendDefinition = {
  name: 'kafka-naive',
  title: 'Apache Kafka, naive producer-as-event-store (pitfall demo)',
  server: 'kafka',
  embedded: true,
  expectedFailures: {
    'append.concurrent-writers': 'check the version, then produce: nothing stops a second writer between the two, so racing writers all "succeed" and the stream holds several events claiming the same version',
    'append.idempotent': 'the idempotent producer only drops resends of one producer session; an append retried after a timeout is written a second time',
  },
  async start(log) {
    const { startKafka } = await import('./runtime/kafka.ts');
    const broker = await startKafka({ log });
    const { NaiveKafkaEventStore } = await import('./kafka/naive/naive-store.ts');
    const { closeKafkaViews } = await import('./kafka/kafka-store.ts');
    return {
      description: broker.description,
      env: { KAFKA_BROKERS: broker.brokers.join(',') },
      createStore: () => NaiveKafkaEventStore.connect({ brokers: broker.brokers }),
      // The stores' log views linger briefly after close; end them while the broker still answers.
      stop: async () => {
        await closeKafkaViews();
        await broker.stop();
      },
    };
  },
};

export const BACKENDS: BackendDefinition[] = [postgres, postgresNaive, eventstoredb, dynamodb, dynamodbNaive, kafka, kafkaNaive];

export function backendByName(name: string): BackendDefinition | undefined {
  return BACKENDS.find((b) => b.name === name);
}

export function backendNames(): string[] {
  return BACKENDS.map((b) => b.name);
}
