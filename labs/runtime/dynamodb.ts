/**
 * A real DynamoDB API for the labs and tests: `DYNAMODB_ENDPOINT` when set (DynamoDB Local from the
 * compose file, or AWS itself with real credentials), otherwise dynalite, an implementation of the
 * DynamoDB API on LevelDB, started here in memory on a free port of 127.0.0.1.
 *
 * dynalite answers TransactWriteItems, TransactGetItems, PartiQL and the Streams API with
 * UnknownOperationException; the DynamoDB store is designed to be correct without them.
 */
import { spawn } from 'node:child_process';
import type { Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { BackendUnavailableError } from '../core/errors.ts';
import { freePort } from './ports.ts';
import { settings } from './settings.ts';

/**
 * Client settings moved to labs/dynamodb/client.ts (they are the adapter's, and read the environment
 * once). Re-exported here only for the workshop's imports until they point there.
 */
export { dynamoDbClientConfig } from '../dynamodb/client.ts';

export interface RunningDynamoDb {
  endpoint: string;
  /** `embedded` when this process started dynalite, `external` when it came from DYNAMODB_ENDPOINT. */
  origin: 'embedded' | 'external';
  description: string;
  /** The dynalite process, when embedded (the stress script samples its CPU time). */
  pid?: number;
  stop(): Promise<void>;
}

export interface StartDynamoDbOptions {
  log?: (line: string) => void;
  /** An endpoint to use instead of starting dynalite; by default DYNAMODB_ENDPOINT (settings.ts). */
  endpoint?: string;
}

export async function startDynamoDb(options: StartDynamoDbOptions = {}): Promise<RunningDynamoDb> {
  const external = options.endpoint ?? settings.dynamodbEndpoint;
  if (external) {
    return {
      endpoint: external,
      origin: 'external',
      description: `DynamoDB API at ${external} (DYNAMODB_ENDPOINT)`,
      stop: async () => {},
    };
  }
  const port = await freePort();
  options.log?.(`Starting dynalite (in memory) on 127.0.0.1:${port} …`);
  // A process of its own, as a real endpoint is: the caller's event loop (a test, the benchmark harness)
  // does not run the server's work, and the server gets a core of its own.
  const child = spawn(process.execPath, [fileURLToPath(new URL('./dynalite-server.mjs', import.meta.url)), String(port)], {
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
  let stopped = false;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    origin: 'embedded',
    pid: child.pid,
    description: `dynalite 4.0.0 (in memory, own process) on 127.0.0.1:${port}`,
    async stop() {
      if (stopped) return;
      stopped = true;
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    },
  };
}
