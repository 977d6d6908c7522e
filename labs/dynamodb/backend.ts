/**
 * The DynamoDB API as the workbench runs it: dynalite, a local emulator of the DynamoDB API (not AWS), unless
 * DYNAMODB_ENDPOINT points at DynamoDB Local or AWS. The title and caveat say which, wherever results
 * are shown: a pass on an emulator proves the design against the API's semantics, not AWS's figures.
 */
import type { BackendDefinition } from '../runtime/backend.ts';
import { settings } from '../runtime/settings.ts';

/** Where the DynamoDB API of this run comes from, for titles (read once, from settings.ts). */
export const DYNAMODB_ENDPOINT_TITLE = settings.dynamodbEndpoint
  ? `at ${settings.dynamodbEndpoint} (DYNAMODB_ENDPOINT)`
  : 'on dynalite (a local emulator, not AWS)';

export const DYNALITE_CAVEAT =
  'Unless DYNAMODB_ENDPOINT points elsewhere, this runs on dynalite, an emulator of the DynamoDB API in one local process: not AWS. ' +
  "A pass shows the design holds under the API's semantics (conditional writes, consistent reads); throughput, latency, throttling, " +
  'the per-partition write limit, the eventual consistency of indexes and durability are AWS properties this run does not measure.';

export const dynamodbBackend: BackendDefinition = {
  name: 'dynamodb',
  title: `DynamoDB API ${DYNAMODB_ENDPOINT_TITLE}`,
  server: 'dynamodb',
  embedded: true,
  pitfall: 'dynamodb-naive',
  caveats: [DYNALITE_CAVEAT],
  async start(log) {
    const { startDynamoDb } = await import('../runtime/dynamodb.ts');
    const { DynamoDbEventStore } = await import('./dynamodb-store.ts');
    // On LevelDB files rather than in memory, so that the restart drills can restart it on its data
    // (measured: no slower than in memory with 8 writers, labs/dynamodb/stress).
    const server = await startDynamoDb({ log, persistent: true });
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
      ...(server.restart ? { restart: (options?: { downMs?: number }) => server.restart!(options) } : {}),
      stop: () => server.stop(),
    };
  },
};
