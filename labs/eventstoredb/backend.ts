/** EventStoreDB: only ever an external server (no embeddable build exists), so unreachable is a loud skip. */
import type { BackendDefinition } from '../runtime/backend.ts';

export const eventstoredbBackend: BackendDefinition = {
  name: 'eventstoredb',
  title: 'EventStoreDB',
  server: 'eventstoredb',
  embedded: false,
  async start(log) {
    const { connectToEventStoreDb } = await import('../runtime/eventstoredb.ts');
    const server = await connectToEventStoreDb({ log });
    const { EventStoreDbEventStore } = await import('./eventstoredb-store.ts');
    return {
      description: server.description,
      env: { EVENTSTORE_CONNECTION_STRING: server.connectionString },
      createStore: () => EventStoreDbEventStore.connect({ connectionString: server.connectionString }),
      stop: async () => {}, // an external server: nothing of ours to stop
    };
  },
  async tour(running, narrate) {
    const { runEventStoreDbTour } = await import('./tour.ts');
    await runEventStoreDbTour(running.env.EVENTSTORE_CONNECTION_STRING!, narrate);
  },
};
