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
import type { DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { BackendUnavailableError } from '../core/errors.ts';
import { freePort } from './ports.ts';

export interface RunningDynamoDb {
  endpoint: string;
  /** `embedded` when this process started dynalite, `external` when it came from DYNAMODB_ENDPOINT. */
  origin: 'embedded' | 'external';
  description: string;
  /** The dynalite process, when embedded (the stress script samples its CPU time). */
  pid?: number;
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
