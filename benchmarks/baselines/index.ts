/**
 * Raw-driver baselines, by server (labs/backends.ts `server`). A backend whose server has an entry here
 * is measured next to the same workload done with its bare driver, in the same run.
 *
 * Every server of labs/backends.ts has one: PostgreSQL (one INSERT per append), DynamoDB (one
 * unconditional PutItem), Kafka (one producer.send, consumers that seek for reads) and EventStoreDB
 * (appendToStream with `any`). Each file's header says what its baseline does and does not do.
 *
 * Extension point: for a new server, write benchmarks/baselines/<server>.ts exporting a `Baseline` (a
 * BenchTarget doing the equivalent writes and reads the simplest way with the bare driver, declaring in
 * `unsupported` what it does not do) and list it below.
 */
import type { BenchTarget } from '../adapters/target.ts';
import { dynamodbBaseline } from './dynamodb.ts';
import { eventstoredbBaseline } from './eventstoredb.ts';
import { kafkaBaseline } from './kafka.ts';
import { postgresBaseline } from './postgres.ts';

export interface Baseline {
  server: string;
  label: string;
  /** What the baseline does, for the results file and the docs. */
  description: string;
  /** Connects to the running server described by the backend's `env`. */
  create(env: Record<string, string>): Promise<BenchTarget>;
  /** The server's own version string, for the environment section of the results. */
  serverVersion?(env: Record<string, string>): Promise<string>;
}

export const BASELINES: Record<string, Baseline> = {
  postgres: postgresBaseline,
  dynamodb: dynamodbBaseline,
  kafka: kafkaBaseline,
  eventstoredb: eventstoredbBaseline,
};

export function baselineFor(server: string): Baseline | undefined {
  return BASELINES[server];
}
