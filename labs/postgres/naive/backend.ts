/** The naive tutorial store on PostgreSQL: the pitfall demo, and the failures it must show. */
import type { BackendDefinition } from '../../runtime/backend.ts';
import { startPostgres } from '../../runtime/postgres.ts';

export const postgresNaiveBackend: BackendDefinition = {
  name: 'postgres-naive',
  title: 'PostgreSQL, naive tutorial store (pitfall demo)',
  server: 'postgres',
  embedded: true,
  pitfallSource: ['labs/postgres/naive/naive-store.ts', 'labs/postgres/naive/naive-schema.sql', 'labs/postgres/naive/naive-group.ts'],
  expectedFailures: {
    'append.idempotent': 'event ids are not unique: a retry is refused or stored twice instead of answered with the original result',
    'append.concurrent-writers': 'SELECT MAX(version) then INSERT is a check-then-act race: the loser gets a raw unique-violation error, not WrongExpectedVersionError',
    'append.any-under-contention': 'the same check-then-act with expectedVersion any: racing writers read the same MAX(version), and all but one get a raw unique-violation error (measured: 19 of 32 racing appends refused) although any promises no check',
    'read.all-no-skip-under-concurrent-commits': 'positions come from a BIGSERIAL drawn before commit: a reader that passed position N never sees an event with a smaller position that commits later',
    'consume.group-shares-the-work': '"scaled out" by running the same $all subscription in every instance: each event is handled by every member, at the same time',
    'consume.scale-out': 'every instance reads everything, so adding one splits nothing: it is one more copy of all the work',
    'consume.member-crash-rebalances': 'no member owns anything: the survivors had already handled every event of the killed one, so everything is handled several times',
    'consume.poison-event-parked': 'the handler\'s error is logged and the event dropped: no retry, no parked list',
  },
  flakyUnderLoad: {
    'append.concurrent-writers-across-processes': 'the same check-then-act race as append.concurrent-writers, between processes: whether the race is hit in a given run depends on timing',
    'subscribe.catch-up-then-live': 'a live subscriber that passed a position skips events that commit later with a smaller one, when the scenario\'s writers happen to overlap',
  },
  async start(log) {
    const server = await startPostgres({ log });
    const { NaivePostgresEventStore, migrateNaive } = await import('./naive-store.ts');
    await migrateNaive(server.connectionString);
    return {
      description: server.description,
      env: { DATABASE_URL: server.connectionString },
      createStore: async () => new NaivePostgresEventStore(server.connectionString),
      restart: server.restart,
      stop: () => server.stop(),
    };
  },
};
