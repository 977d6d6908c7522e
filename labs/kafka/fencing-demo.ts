/**
 * Transactional fencing, as kafkajs 2.2.4 and the broker do it (the tour and fencing.int.spec.ts run it):
 * writer A opens a transaction and sends a record; writer B, with the same transactional id, either only
 * connects or also begins its first transaction; then A commits.
 *
 * kafkajs sends the InitProducerId that carries the transactional id (the one that bumps the epoch and
 * fences A) only at B's first `transaction()`. `connect()` of an idempotent producer sends InitProducerId
 * WITHOUT it: a fresh producer id, epoch 0, and A's commit is accepted. Measured the same with the broker
 * formatted with transaction.version 0 and 2 (docs/labs/kafka.md, "Fencing, measured").
 */
import { Partitioners, type Kafka } from 'kafkajs';
import { isFencedError, kafkaErrorTypes } from './client.ts';

export type SecondWriterStep = 'connect' | 'first-transaction';

/** What became of A's commit: `accepted`, `fenced (<error type>)`, or `failed: …`. */
export async function commitAfterSecondWriter(kafka: Kafka, topic: string, step: SecondWriterStep): Promise<string> {
  const transactionalId = `${topic}.writer`;
  const producer = () => kafka.producer({ transactionalId, idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
  const a = producer();
  const b = producer();
  await a.connect();
  try {
    const transaction = await a.transaction();
    await transaction.send({ topic, messages: [{ key: 'account-1', value: 'written by writer A' }] });
    await b.connect();
    if (step === 'first-transaction') {
      const empty = await b.transaction(); // InitProducerId with the transactional id: the new epoch
      await empty.abort(); // nothing was sent in it, so kafkajs sends no EndTxn
    }
    try {
      await transaction.commit();
      return 'accepted';
    } catch (error) {
      return isFencedError(error) ? `fenced (${kafkaErrorTypes(error).join(', ') || 'fenced'})` : `failed: ${String(error)}`;
    }
  } finally {
    await Promise.allSettled([a.disconnect(), b.disconnect()]);
  }
}
