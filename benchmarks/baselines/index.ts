/**
 * Raw-driver baselines, by server (labs/backends.ts `server`). A backend whose server has an entry here
 * is measured next to the same workload done with its bare driver, in the same run.
 *
 * Extension point: to add one, write benchmarks/baselines/<server>.ts exporting a `Baseline` (a
 * BenchTarget doing the equivalent writes and reads the simplest way, e.g. Kafka producer.send,
 * EventStoreDB appendToStream with `any`) and list it below. Kafka and EventStoreDB have none yet.
 */
import type { BenchTarget } from '../adapters/target.ts';
import { dynamodbBaseline } from './dynamodb.ts';
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
};

export function baselineFor(server: string): Baseline | undefined {
  return BASELINES[server];
}
