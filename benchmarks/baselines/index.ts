/**
 * Raw-driver baselines, by server (a backend definition's `server`). A backend whose server has entries
 * here is measured next to the same workload done with its bare driver, in the same run.
 *
 * The first baseline of a server is the bare driver with no guarantee: PostgreSQL (one INSERT per
 * append), DynamoDB (one unconditional PutItem), Kafka (one producer.send, consumers that seek for
 * reads), EventStoreDB (appendToStream with `any`). Where the store's guarantee has a bare-driver form,
 * a second one gives it (appends only): Kafka, one transaction per append; DynamoDB, one conditional
 * PutItem. Then store ÷ guarantee baseline is the price of the lab's code, guarantee ÷ plain baseline
 * the price of the guarantee. Each file's header says what its baseline does and does not do.
 *
 * Extension point: for a new server (or a peer target's server), write benchmarks/baselines/<server>.ts
 * exporting a `Baseline` (a BenchTarget doing the equivalent writes and reads the simplest way with the
 * bare driver, declaring in `unsupported` what it does not do) and list it below.
 */
import type { Baseline } from './baseline.ts';
import { dynamodbBaseline, dynamodbConditionalBaseline } from './dynamodb.ts';
import { eventstoredbBaseline } from './eventstoredb.ts';
import { kafkaBaseline } from './kafka.ts';
import { kafkaTransactionalBaseline } from './kafka-transactional.ts';
import { postgresBaseline } from './postgres.ts';

export type { Baseline } from './baseline.ts';

export const BASELINES: Record<string, readonly Baseline[]> = {
  postgres: [postgresBaseline],
  dynamodb: [dynamodbBaseline, dynamodbConditionalBaseline],
  kafka: [kafkaBaseline, kafkaTransactionalBaseline],
  eventstoredb: [eventstoredbBaseline],
};

export function baselinesFor(server: string): readonly Baseline[] {
  return BASELINES[server] ?? [];
}
