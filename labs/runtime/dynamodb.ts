/**
 * A real DynamoDB API for the labs and tests: `DYNAMODB_ENDPOINT` when set (DynamoDB Local from the
 * compose file, or AWS itself with real credentials), otherwise dynalite, an in-memory emulator of the
 * DynamoDB API (not AWS), started here on a free port of 127.0.0.1, in a process of its own.
 *
 * With `dataDirectory` dynalite keeps its tables in LevelDB files there instead of in memory, so that
 * it can be stopped and started again on its data (`restart`): the restart drills of the conformance
 * suite need that. The directory is removed on stop.
 *
 * dynalite answers TransactWriteItems, TransactGetItems, PartiQL and the Streams API with
 * UnknownOperationException; the DynamoDB store is designed to be correct without them.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BackendUnavailableError } from '../core/errors.ts';
import { freePort } from './ports.ts';
import { settings } from './settings.ts';

export interface RunningDynamoDb {
  endpoint: string;
  /** `embedded` when this process started dynalite, `external` when it came from DYNAMODB_ENDPOINT. */
  origin: 'embedded' | 'external';
  description: string;
  /** The dynalite process, when embedded (the stress script samples its CPU time). */
  pid?: number;
  /**
   * Embedded with a data directory only: stops dynalite and starts it again on the same files and
   * port, `downMs` after it stopped (a restart drill). In memory there is nothing to restart on.
   */
  restart?(options?: { downMs?: number }): Promise<void>;
  stop(): Promise<void>;
}

export interface StartDynamoDbOptions {
  log?: (line: string) => void;
  /**
   * An endpoint to use instead of starting dynalite. Absent: DYNAMODB_ENDPOINT (settings.ts); given as
   * undefined: start dynalite whatever the environment says (tests that stop and start the server).
   */
  endpoint?: string;
  /** Keep dynalite's tables on disk (a fresh temporary directory) so that it can restart on them. */
  persistent?: boolean;
}

export async function startDynamoDb(options: StartDynamoDbOptions = {}): Promise<RunningDynamoDb> {
  const external = 'endpoint' in options ? options.endpoint : settings.dynamodbEndpoint;
  if (external) {
    return {
      endpoint: external,
      origin: 'external',
      description: `DynamoDB API at ${external} (DYNAMODB_ENDPOINT)`,
      stop: async () => {},
    };
  }
  const port = await freePort();
  const dataDirectory = options.persistent ? await mkdtemp(join(tmpdir(), 'workbench-dynalite-')) : undefined;
  const where = dataDirectory ? `LevelDB files in ${dataDirectory}` : 'in memory';
  options.log?.(`Starting dynalite (an emulator of the DynamoDB API, not AWS; ${where}) on 127.0.0.1:${port} …`);
  let child: ChildProcess;
  try {
    child = await spawnDynalite(port, dataDirectory);
  } catch (error) {
    if (dataDirectory) await rm(dataDirectory, { recursive: true, force: true });
    throw error;
  }
  let stopped = false;
  const running: RunningDynamoDb = {
    endpoint: `http://127.0.0.1:${port}`,
    origin: 'embedded',
    pid: child.pid,
    description: `dynalite 4.0.0, an emulator of the DynamoDB API, not AWS (${where}, own process) on 127.0.0.1:${port}`,
    async stop() {
      if (stopped) return;
      stopped = true;
      await stopDynalite(child);
      if (dataDirectory) await rm(dataDirectory, { recursive: true, force: true });
    },
  };
  if (dataDirectory) {
    running.restart = async ({ downMs = 0 } = {}) => {
      if (stopped) throw new Error('dynalite was stopped; it cannot be restarted');
      await stopDynalite(child);
      await new Promise((resolve) => setTimeout(resolve, downMs));
      child = await spawnDynalite(port, dataDirectory);
      running.pid = child.pid;
    };
  }
  return running;
}

/** Starts dynalite-server.mjs and resolves once it listens; BackendUnavailableError when it does not. */
async function spawnDynalite(port: number, dataDirectory: string | undefined): Promise<ChildProcess> {
  // A process of its own, as a real endpoint is: the caller's event loop (a test, the benchmark harness)
  // does not run the server's work, and the server gets a core of its own.
  const script = fileURLToPath(new URL('./dynalite-server.mjs', import.meta.url));
  const child = spawn(process.execPath, [script, String(port), ...(dataDirectory ? [dataDirectory] : [])], {
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const stdout = child.stdout as Socket;
  const stderrPipe = child.stderr as Socket;
  let stderr = '';
  stderrPipe.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no answer within 15 s')), 15_000);
      stdout.setEncoding('utf8').on('data', (chunk: string) => {
        if (chunk.includes(`listening ${port}`)) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('error', (error) => (clearTimeout(timer), reject(error)));
      child.once('exit', (code) => (clearTimeout(timer), reject(new Error(`it exited with code ${code}${stderr ? `: ${stderr.trim()}` : ''}`))));
    });
  } catch (error) {
    child.kill('SIGKILL');
    throw new BackendUnavailableError(
      'dynamodb',
      `dynalite did not start on 127.0.0.1:${port} (${error instanceof Error ? error.message : String(error)})`,
      { cause: error },
    );
  }
  child.removeAllListeners('exit');
  // Neither the child nor its pipes keep the parent alive; the IPC channel ends the child with it.
  child.unref();
  stdout.unref();
  stderrPipe.unref();
  child.channel?.unref();
  return child;
}

/** Ends dynalite (SIGTERM, SIGKILL after 3 s) and waits until the process is gone. */
async function stopDynalite(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
  await exited;
  clearTimeout(timer);
}
