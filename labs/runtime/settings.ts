/**
 * The workbench's settings from the environment, read and checked in one place. Every caller (tests, CLI,
 * labs, workshop, benchmarks) asks here instead of reading `process.env` itself, so a setting means the
 * same thing everywhere and a malformed one is refused once, with a message.
 */
import { z } from 'zod';

const optionalText = z
  .string()
  .trim()
  .transform((value) => (value === '' ? undefined : value))
  .optional();

const schema = z.object({
  CI: optionalText,
  DATABASE_URL: optionalText,
  DYNAMODB_ENDPOINT: optionalText,
  KAFKA_BROKERS: optionalText,
  EVENTSTORE_CONNECTION_STRING: optionalText,
  POSTGRES_CLUSTER_URL: optionalText,
  KAFKA_CLUSTER_BROKERS: optionalText,
});

export interface WorkbenchSettings {
  /** CI=true: a server the workbench embeds that fails to start is a failure, not a skip. */
  ci: boolean;
  databaseUrl?: string;
  dynamodbEndpoint?: string;
  kafkaBrokers?: string[];
  eventstoreConnectionString?: string;
  /** The client address of a PostgreSQL cluster another process of this drill started (never a server of its own). */
  postgresClusterUrl?: string;
  /** The brokers of a Kafka cluster another process of this drill started. */
  kafkaClusterBrokers?: string[];
}

export function readSettings(env: NodeJS.ProcessEnv = process.env): WorkbenchSettings {
  const parsed = schema.parse(env);
  return {
    ci: parsed.CI === 'true',
    databaseUrl: parsed.DATABASE_URL,
    dynamodbEndpoint: parsed.DYNAMODB_ENDPOINT,
    kafkaBrokers: parsed.KAFKA_BROKERS?.split(',').map((b) => b.trim()).filter(Boolean),
    eventstoreConnectionString: parsed.EVENTSTORE_CONNECTION_STRING,
    postgresClusterUrl: parsed.POSTGRES_CLUSTER_URL,
    kafkaClusterBrokers: parsed.KAFKA_CLUSTER_BROKERS?.split(',').map((b) => b.trim()).filter(Boolean),
  };
}

/** The settings of this process, read once. */
export const settings: WorkbenchSettings = readSettings();

/**
 * Runs `work` as if no external server were configured, so that a backend's start() starts its own
 * embedded server. The one use: a drill that must restart the server (a shared server of the test run
 * cannot be restarted under the other tests). Scenarios of one file run one after another, so nothing
 * else in this process reads the settings meanwhile.
 */
export async function withOwnServers<T>(work: () => Promise<T>): Promise<T> {
  const saved = { ...settings };
  settings.databaseUrl = undefined;
  settings.dynamodbEndpoint = undefined;
  settings.kafkaBrokers = undefined;
  settings.postgresClusterUrl = undefined;
  settings.kafkaClusterBrokers = undefined;
  try {
    return await work();
  } finally {
    Object.assign(settings, saved);
  }
}

/**
 * The test run starts each server once and, when one cannot start, tells the test processes why through
 * WORKBENCH_UNAVAILABLE_<SERVER>, so that no test file tries again and every one reports the same reason.
 */
export function unavailableVariable(server: string): string {
  return `WORKBENCH_UNAVAILABLE_${server.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}

export function unavailableReason(server: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env[unavailableVariable(server)] || undefined;
}
