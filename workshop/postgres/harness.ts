/**
 * The PostgreSQL harness: one server (DATABASE_URL, or an embedded one) for a whole session of checks,
 * and for every check a fresh schema. The learner's schema.sql runs with `search_path` set to that schema,
 * and every connection of their store gets the same `search_path` through the connection string, so
 * their SQL names tables without a prefix and attempts never collide with each other or with the lab's
 * `event_store` schema. The schema is dropped after the check.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import pg from 'pg';
import { BackendUnavailableError } from '../../labs/core/index.ts';
import { startPostgres } from '../../labs/runtime/index.ts';
import { LearnerCodeError, loadCreateStore, type LearnerCode, type WorkshopHarness } from '../harness.ts';

/** The connection string with `search_path` set for every connection made from it. */
export function withSearchPath(connectionString: string, schema: string): string {
  const url = new URL(connectionString);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return url.toString();
}

/** 1-based line of a character offset (PostgreSQL reports `position` as a 1-based offset). */
function lineOf(text: string, position: number): number {
  return text.slice(0, Math.max(0, position - 1)).split('\n').length;
}

export async function startPostgresHarness(log?: (line: string) => void): Promise<WorkshopHarness> {
  const server = await startPostgres({ log });
  const admin = new pg.Pool({ connectionString: server.connectionString, max: 2 });
  admin.on('error', () => {});
  try {
    await admin.query('SELECT 1'); // DATABASE_URL may point at a server that is not there
  } catch (error) {
    await admin.end().catch(() => {});
    await server.stop();
    throw new BackendUnavailableError('postgres', `cannot connect to ${server.description}: ${error instanceof Error ? error.message : String(error)}`);
  }
  return {
    description: server.description,
    env: { DATABASE_URL: server.connectionString },
    async prepare(code: LearnerCode, stepId: string) {
      const schemaFile = code.files['schema.sql']!;
      const storeFile = code.files['store.ts']!;
      const sql = await readFile(schemaFile, 'utf8').catch(() => {
        throw new LearnerCodeError(schemaFile, 'is missing (npm run workshop -- reset postgres restores the starter files)');
      });
      const schema = `ws_${stepId}_${randomBytes(3).toString('hex')}`;
      const client = await admin.connect();
      try {
        await client.query(`CREATE SCHEMA ${schema}`);
        await client.query(`SET search_path TO ${schema}`);
        try {
          if (sql.trim()) await client.query(sql);
        } catch (error) {
          await client.query(`DROP SCHEMA ${schema} CASCADE`).catch(() => {});
          const pgError = error as { message?: string; position?: string };
          const where = pgError.position ? ` (line ${lineOf(sql, Number(pgError.position))})` : '';
          throw new LearnerCodeError(schemaFile, `did not apply${where}: ${pgError.message ?? String(error)}`);
        }
      } finally {
        await client.query('RESET search_path').catch(() => {});
        client.release();
      }
      const dispose = async () => {
        await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => {});
      };
      let createStore;
      try {
        createStore = await loadCreateStore(storeFile);
      } catch (error) {
        await dispose();
        throw error;
      }
      const connection = withSearchPath(server.connectionString, schema);
      return { where: `schema ${schema}`, createStore: () => createStore(connection), dispose };
    },
    async stop() {
      await admin.end().catch(() => {});
      await server.stop();
    },
  };
}
