/**
 * The DynamoDB harness: one DynamoDB API (DYNAMODB_ENDPOINT, or dynalite started in memory) for a whole
 * session of checks, and for every check a fresh table with a unique name (`ws-05-3fa2c1`), created with
 * the key schema every step uses (`pk` string partition key, `sk` number sort key) and deleted after the
 * check. The learner's store receives the endpoint and the table name in one connection string
 * (connection.ts), so attempts never collide with each other or with the lab's `event-store` table.
 */
import { randomBytes } from 'node:crypto';
import { access } from 'node:fs/promises';
import { DeleteTableCommand, DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { BackendUnavailableError } from '../../labs/core/index.ts';
import { backendByName } from '../../labs/backends.ts';
import { dynamoDbClientConfig, ensureTable } from '../../labs/dynamodb/index.ts';
import { LearnerCodeError, loadCreateStore, type LearnerCode, type WorkshopHarness } from '../harness.ts';
import { formatConnection } from './connection.ts';

export async function startDynamoDbHarness(log?: (line: string) => void): Promise<WorkshopHarness> {
  // The backend's own start (labs/dynamodb/backend.ts): dynalite, or DYNAMODB_ENDPOINT when set.
  const running = await backendByName('dynamodb')!.start(log);
  const server = { description: running.description, endpoint: running.env.DYNAMODB_ENDPOINT!, stop: () => running.stop() };
  const admin = new DynamoDBClient({ ...dynamoDbClientConfig(server.endpoint), maxAttempts: 2 });
  try {
    await admin.send(new ListTablesCommand({ Limit: 1 })); // DYNAMODB_ENDPOINT may point at nothing
  } catch (error) {
    admin.destroy();
    await server.stop();
    throw new BackendUnavailableError('dynamodb', `cannot reach ${server.description}: ${error instanceof Error ? error.message : String(error)}`);
  }
  return {
    description: server.description,
    env: { DYNAMODB_ENDPOINT: server.endpoint },
    async prepare(code: LearnerCode, stepId: string) {
      const storeFile = code.files['store.ts']!;
      await access(storeFile).catch(() => {
        throw new LearnerCodeError(storeFile, 'is missing (npm run workshop -- reset dynamodb restores the starter file)');
      });
      const tableName = `ws-${stepId}-${randomBytes(3).toString('hex')}`;
      await ensureTable(admin, tableName);
      const dispose = async () => {
        await admin.send(new DeleteTableCommand({ TableName: tableName })).catch(() => {});
      };
      let createStore;
      try {
        createStore = await loadCreateStore(storeFile);
      } catch (error) {
        await dispose();
        throw error;
      }
      const connection = formatConnection({ endpoint: server.endpoint, tableName });
      return { where: `table ${tableName}`, createStore: () => createStore(connection), dispose };
    },
    async stop() {
      admin.destroy();
      await server.stop();
    },
  };
}
