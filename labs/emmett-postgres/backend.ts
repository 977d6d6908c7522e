/**
 * Emmett on PostgreSQL as a peer: the library a TypeScript team would pick instead of writing a store,
 * on the same embedded server as the lab's store, through a thin adapter of its public API. It is shown
 * next to the lab's stores (a peer column), never as one of them: its gaps are its own, declared.
 */
import type { BackendDefinition } from '../runtime/backend.ts';
import { startPostgres } from '../runtime/postgres.ts';

export const emmettPostgresBackend: BackendDefinition = {
  name: 'emmett-postgres',
  title: 'Emmett 0.42 on PostgreSQL (peer library)',
  server: 'postgres',
  embedded: true,
  peer: true,
  // Each reason is checked against Emmett itself in findings.int.spec.ts.
  unsupportedScenarios: {
    'append.any-under-contention':
      'Emmett 0.42 implements NO_CONCURRENCY_CHECK ("any") as read the stream position, then a conditional write: of appends racing on one stream all but one are refused with a conflict (measured: 24 of 32 racing appends refused with 4 writers)',
    'data.returned-as-written':
      'Emmett 0.42 parses the JSON it reads with integers beyond 2^53 turned into BigInt: 12345678901234567000 written as a number comes back as 12345678901234567000n, so data is not even equal JSON (measured); its jsonb columns also sort keys',
    'append.new-stream':
      'Emmett 0.42 reads events back without the time they were recorded (its `created` column is not returned), so this scenario\'s recordedAt property cannot hold; its other properties are shown by append.expected-version and read.stream-forward',
    'append.stream-exists-and-any':
      'Emmett 0.42 on PostgreSQL does not check STREAM_EXISTS (nor STREAM_DOES_NOT_EXIST): both mean "no check", so an append expecting an existing stream creates a missing one',
    'read.all-no-skip-under-concurrent-commits':
      'Emmett 0.42 orders $all by (transaction_id, global_position) but resumes by global_position alone: under concurrent commits positions go backwards inside a page (measured here, 3 runs of 3: "position 9 came after 16"), and a reader resuming after the last position it saw skips the events below it',
  },
  caveats: [
    'Subscriptions and read.all-ordered pass here with one writer at a time; with concurrent writers a reader of $all can skip events (read.all-no-skip-under-concurrent-commits).',
    'NO_CONCURRENCY_CHECK ("any") is still refused with a conflict when two appends race on one stream (both read its position, one loses the conditional write).',
    'A refused append does not carry the stream\'s actual version in Emmett; the adapter reads it afterwards, as the lab\'s store does.',
    'Subscriptions here are the workbench\'s polling over Emmett\'s readMessagesBatch (what Emmett\'s own consumers poll); checkpoints are Emmett\'s processor checkpoints.',
  ],
  async start(log) {
    const server = await startPostgres({ log });
    const { EmmettPostgresEventStore, migrateEmmett } = await import('./emmett-store.ts');
    await migrateEmmett(server.connectionString);
    return {
      description: server.description,
      env: { DATABASE_URL: server.connectionString },
      createStore: async () => new EmmettPostgresEventStore({ connectionString: server.connectionString }),
      restart: server.restart,
      stop: () => server.stop(),
    };
  },
};
