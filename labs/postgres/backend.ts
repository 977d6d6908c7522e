/** PostgreSQL as the workbench runs it: the embedded server (or DATABASE_URL) and the lab's store. */
import type { BackendDefinition } from '../runtime/backend.ts';
import { startPostgres } from '../runtime/postgres.ts';

export const postgresBackend: BackendDefinition = {
  name: 'postgres',
  title: 'PostgreSQL',
  server: 'postgres',
  embedded: true,
  pitfall: 'postgres-naive',
  async start(log) {
    const server = await startPostgres({ log });
    const { PostgresEventStore, migrate } = await import('./postgres-store.ts');
    await migrate(server.connectionString);
    return {
      description: server.description,
      env: { DATABASE_URL: server.connectionString },
      createStore: () => PostgresEventStore.connect({ connectionString: server.connectionString, migrate: false }),
      restart: server.restart,
      stop: () => server.stop(),
    };
  },
};
