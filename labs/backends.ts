/**
 * Every backend the workbench knows: just the list. Each definition lives in its technology's folder
 * (`labs/<tech>/backend.ts`), with its start/stop and its lesson; starting one and deciding what an
 * unreachable server means is `labs/runtime/backend.ts`.
 */
import { dynamodbBackend } from './dynamodb/backend.ts';
import { dynamodbNaiveBackend } from './dynamodb/naive/backend.ts';
import { emmettPostgresBackend } from './emmett-postgres/backend.ts';
import { eventstoredbBackend } from './eventstoredb/backend.ts';
import { kafkaBackend } from './kafka/backend.ts';
import { kafkaClusterAcks1Backend, kafkaClusterBackend, kafkaClusterUnsafeBackend } from './kafka/cluster/backend.ts';
import { kafkaNaiveBackend } from './kafka/naive/backend.ts';
import { postgresBackend } from './postgres/backend.ts';
import { postgresClusterAsyncBackend, postgresClusterBackend } from './postgres/cluster/backend.ts';
import { postgresNaiveBackend } from './postgres/naive/backend.ts';
import type { BackendDefinition } from './runtime/backend.ts';

export type { BackendDefinition, RunningBackend } from './runtime/backend.ts';

export const BACKENDS: BackendDefinition[] = [
  postgresBackend,
  postgresNaiveBackend,
  eventstoredbBackend,
  dynamodbBackend,
  dynamodbNaiveBackend,
  kafkaBackend,
  kafkaNaiveBackend,
  emmettPostgresBackend,
  postgresClusterBackend,
  postgresClusterAsyncBackend,
  kafkaClusterBackend,
  kafkaClusterUnsafeBackend,
  kafkaClusterAcks1Backend,
];

export function backendByName(name: string): BackendDefinition | undefined {
  return BACKENDS.find((b) => b.name === name);
}

export function backendNames(): string[] {
  return BACKENDS.map((b) => b.name);
}
