/**
 * One racing writer process for labs/kafka/fencing.int.spec.ts: `race-child.ts '<json args>'` opens its own
 * Kafka store, appends to one stream with the version it just read, `attempts` times, and prints on stdout
 * one JSON line: every acknowledged append (its event id, the version it expected, the version the store
 * answered) and every error that was not a WrongExpectedVersionError.
 */
import { randomUUID } from 'node:crypto';
import { WrongExpectedVersionError } from '../core/index.ts';
import { closeKafkaViews, KafkaEventStore } from './kafka-store.ts';
import { NaiveKafkaEventStore } from './naive/naive-store.ts';

interface RaceArgs {
  brokers: string[];
  namespace: string;
  streamId: string;
  attempts: number;
  writer: number;
  /** Race with the naive twin instead (to see what the check catches when nothing excludes writers). */
  naive?: boolean;
}

const args = JSON.parse(process.argv[2] ?? '{}') as RaceArgs;
const store = await (args.naive ? NaiveKafkaEventStore : KafkaEventStore).connect({ brokers: args.brokers, namespace: args.namespace });
const won: { id: string; expected: number | 'no_stream'; answered: number }[] = [];
let refused = 0;
const otherErrors: string[] = [];
try {
  for (let attempt = 0; attempt < args.attempts; attempt++) {
    const [last] = await store.readStream(args.streamId, { direction: 'backward', maxCount: 1 });
    const expected = last ? last.streamVersion : 'no_stream';
    const id = randomUUID();
    try {
      const result = await store.appendToStream(args.streamId, [{ id, type: 'Raced', data: { writer: args.writer, attempt } }], { expectedVersion: expected });
      won.push({ id, expected, answered: result.nextExpectedVersion });
    } catch (error) {
      if (error instanceof WrongExpectedVersionError) refused++;
      else otherErrors.push(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
    }
  }
} finally {
  const stats = store.writerStats();
  await store.close();
  await closeKafkaViews();
  process.stdout.write(`${JSON.stringify({ won, refused, otherErrors, stats })}\n`);
}
process.exit(0);
