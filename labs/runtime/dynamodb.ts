/**
 * A real DynamoDB API for the labs and tests: `DYNAMODB_ENDPOINT` when set (DynamoDB Local from the
 * compose file, or AWS itself with real credentials), otherwise dynalite, an implementation of the
 * DynamoDB API on LevelDB, started here in memory on a free port of 127.0.0.1.
 *
 * dynalite answers TransactWriteItems, TransactGetItems, PartiQL and the Streams API with
 * UnknownOperationException; the DynamoDB store is designed to be correct without them.
 */
import type { Server } from 'node:http';
import type { DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { BackendUnavailableError } from '../core/errors.ts';
import { freePort } from './ports.ts';

export interface RunningDynamoDb {
  endpoint: string;
  /** `embedded` when this process started dynalite, `external` when it came from DYNAMODB_ENDPOINT. */
  origin: 'embedded' | 'external';
  description: string;
  stop(): Promise<void>;
}

export async function startDynamoDb(options: { log?: (line: string) => void } = {}): Promise<RunningDynamoDb> {
  const external = process.env.DYNAMODB_ENDPOINT;
  if (external) {
    return {
      endpoint: external,
      origin: 'external',
      description: `DynamoDB API at ${external} (DYNAMODB_ENDPOINT)`,
      stop: async () => {},
    };
  }
  const { default: dynalite } = await import('dynalite');
  const port = await freePort();
  options.log?.(`Starting dynalite (in memory) on 127.0.0.1:${port} …`);
  // Tables become ACTIVE at once: the lab creates its table on start and should not wait 500 ms.
  const server = dynalite({ createTableMs: 0, updateTableMs: 0, deleteTableMs: 0 });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    throw new BackendUnavailableError(
      'dynamodb',
      `dynalite did not start on 127.0.0.1:${port} (${error instanceof Error ? error.message : String(error)})`,
      { cause: error },
    );
  }
  let stopped = false;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    origin: 'embedded',
    description: `dynalite 4.0.0 (in memory) on 127.0.0.1:${port}`,
    async stop() {
      if (stopped) return;
      stopped = true;
      await closeServer(server);
    },
  };
}

/**
 * Client settings for an endpoint. dynalite and DynamoDB Local accept any credentials, so without AWS
 * credentials in the environment fixed fake ones are used; with them (AWS), the SDK's default chain.
 */
export function dynamoDbClientConfig(endpoint: string): DynamoDBClientConfig {
  // The SDK release pinned in package-lock.json supports Node 20; its start-up warning is about SDK
  // releases after early 2027, which this project does not take until it moves to Node 22. Keep the
  // lab's output readable; an explicit setting by the user wins.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const hasAwsCredentials = Boolean(process.env.AWS_ACCESS_KEY_ID || process.env.AWS_PROFILE || process.env.AWS_WEB_IDENTITY_TOKEN_FILE);
  return {
    endpoint,
    region: process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1',
    ...(hasAwsCredentials ? {} : { credentials: { accessKeyId: 'workbench', secretAccessKey: 'workbench' } }),
    maxAttempts: 4,
  };
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    // Idle keep-alive sockets of clients that were not destroyed would otherwise hold close() open.
    server.closeIdleConnections();
    server.close(() => resolve());
    setTimeout(() => server.closeAllConnections(), 1000).unref();
  });
}
