/**
 * Reaching an EventStoreDB server. The workbench cannot start one itself (there is no embeddable
 * EventStoreDB, and no package of it for our machines), so it connects to one from the environment and
 * says plainly what to do when none answers.
 */
import { BACKWARDS, END, EventStoreDBClient } from '@eventstore/db-client';
import { BackendUnavailableError } from '../core/index.ts';

export const DEFAULT_EVENTSTORE_CONNECTION_STRING = 'esdb://localhost:2113?tls=false';

/** How to get a server, for messages and the lab intro. */
export const START_EVENTSTOREDB_HINT =
  'start one with `docker compose up -d eventstoredb` (see docker-compose.yml), or ' +
  '`docker run --rm -d -p 2113:2113 -e EVENTSTORE_INSECURE=true -e EVENTSTORE_RUN_PROJECTIONS=All ' +
  '-e EVENTSTORE_START_STANDARD_PROJECTIONS=true eventstore/eventstore:24.10`, ' +
  'or point EVENTSTORE_CONNECTION_STRING at a server you have';

export interface EventStoreDbServer {
  connectionString: string;
  description: string;
}

export function eventStoreConnectionString(env: NodeJS.ProcessEnv = process.env): string {
  const value = env.EVENTSTORE_CONNECTION_STRING?.trim();
  return value ? value : DEFAULT_EVENTSTORE_CONNECTION_STRING;
}

/** The connection string without a password, for logs. */
export function redactConnectionString(connectionString: string): string {
  return connectionString.replace(/\/\/([^:@/]+):([^@/]+)@/, '//$1:***@');
}

/**
 * Connects, proves the server answers (one backwards read of `$all`) within `timeoutMs`, and disconnects.
 * Throws BackendUnavailableError with a reason a person can act on.
 */
export async function connectToEventStoreDb(
  options: { connectionString?: string; timeoutMs?: number; log?: (line: string) => void } = {},
): Promise<EventStoreDbServer> {
  const connectionString = options.connectionString ?? eventStoreConnectionString();
  const shown = redactConnectionString(connectionString);
  const timeoutMs = options.timeoutMs ?? 4000;
  let client: EventStoreDBClient;
  try {
    client = EventStoreDBClient.connectionString(connectionString);
  } catch (error) {
    throw new BackendUnavailableError(
      'eventstoredb',
      `EVENTSTORE_CONNECTION_STRING ${JSON.stringify(shown)} is not a valid connection string (${(error as Error).message}); ` +
        `the default is ${DEFAULT_EVENTSTORE_CONNECTION_STRING}`,
      { cause: error },
    );
  }
  let timer: NodeJS.Timeout | undefined;
  try {
    const probe = (async () => {
      for await (const _event of client.readAll({ direction: BACKWARDS, fromPosition: END, maxCount: 1, deadline: timeoutMs })) {
        // One event (or none, on an empty server) proves the server answers reads.
      }
    })();
    probe.catch(() => {}); // when the timeout wins, the probe's later failure is already reported
    await Promise.race([
      probe,
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    options.log?.(`EventStoreDB answers at ${shown}`);
    return { connectionString, description: `EventStoreDB at ${shown}` };
  } catch (error) {
    const detail = (error instanceof Error ? error.message.split('\n')[0]! : String(error)).replace(/\.?\s*Resolution note:.*$/, '');
    throw new BackendUnavailableError(
      'eventstoredb',
      `no EventStoreDB server reachable at ${shown} (${detail}); ${START_EVENTSTOREDB_HINT}`,
      { cause: error },
    );
  } finally {
    clearTimeout(timer);
    await client.dispose().catch(() => {});
  }
}
