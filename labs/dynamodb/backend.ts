/** The DynamoDB API as the workbench runs it: dynalite (an in-memory emulator) unless DYNAMODB_ENDPOINT is set. */
import type { BackendDefinition } from '../runtime/backend.ts';

export const dynamodbBackend: BackendDefinition = {
  name: 'dynamodb',
  title: 'DynamoDB API (dynalite unless DYNAMODB_ENDPOINT is set)',
  server: 'dynamodb',
  embedded: true,
  pitfall: 'dynamodb-naive',
  async start(log) {
    const { startDynamoDb } = await import('../runtime/dynamodb.ts');
    const { DynamoDbEventStore } = await import('./dynamodb-store.ts');
    const server = await startDynamoDb({ log });
    let features: string;
    try {
      // Creates the table once (idempotent) and detects, not assumes, what the endpoint implements.
      const setup = await DynamoDbEventStore.connect({ endpoint: server.endpoint, ensureTable: true, probe: true });
      features = setup.features?.description ?? '';
      await setup.close();
    } catch (error) {
      await server.stop();
      throw error;
    }
    return {
      description: `${server.description}; ${features}`,
      env: { DYNAMODB_ENDPOINT: server.endpoint },
      createStore: async () => new DynamoDbEventStore({ endpoint: server.endpoint }),
      stop: () => server.stop(),
    };
  },
};
