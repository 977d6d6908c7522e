/**
 * ONE LOG WRITER PER PROCESS. Stores opened in one process on the same endpoint and table share one
 * session: one client, one request counter and one group commit (group-commit.ts). Their appends then
 * share log entries instead of racing each other for the next number on the hot `$all` key.
 *
 * Why (measured with labs/dynamodb/stress, see docs/labs/dynamodb.md): 8 stores in one process, one
 * writer each, each with a group commit of its own, contended for every log number: about 12 requests
 * per append (a put lost to another store, then another try), and ~11 appends/s. Stores in separate
 * processes still race for numbers (the design keeps that correct, at that cost).
 *
 * Shared too: the wake-up. When the log writer has marked an entry, the subscribers of every store of
 * the session read at once (waitForChange), and find the entry marked.
 */
import { EventEmitter } from 'node:events';
import { createDynamoDbClient, type AwsConnection } from './client.ts';
import { createLog, type AppendLog } from './stream-writer.ts';
import { TableAccess } from './table-access.ts';

export interface TableSession {
  readonly table: TableAccess;
  readonly log: AppendLog;
  /** Emits 'change' once the log writer marked an entry. */
  readonly changes: EventEmitter;
  /** Called once per store that acquired it; the last release waits for the marks and closes the client. */
  release(): Promise<void>;
}

interface Shared {
  session: TableSession;
  users: number;
}

const sessions = new Map<string, Shared>();

function open(endpoint: string, tableName: string, connection: AwsConnection, onLastRelease: () => void): TableSession {
  const table = new TableAccess(createDynamoDbClient(endpoint, connection), tableName);
  const changes = new EventEmitter().setMaxListeners(0);
  const log = createLog(table, () => changes.emit('change'));
  return {
    table,
    log,
    changes,
    async release() {
      onLastRelease();
      await log.idle();
      table.close();
    },
  };
}

/**
 * The session for (endpoint, table, connection) in this process, or, with `shared: false`, one of the
 * store's own (its own client and group commit: as a separate process would have; tests use it).
 */
export function acquireSession(endpoint: string, tableName: string, connection: AwsConnection, shared = true): TableSession {
  if (!shared) return open(endpoint, tableName, connection, () => {});
  const key = JSON.stringify([endpoint, tableName, connection]);
  let entry = sessions.get(key);
  if (!entry) {
    const session = open(endpoint, tableName, connection, () => sessions.delete(key));
    const created: Shared = {
      users: 0,
      session: {
        ...session,
        release: async () => {
          if (--created.users > 0) return;
          await session.release();
        },
      },
    };
    entry = created;
    sessions.set(key, entry);
  }
  entry.users++;
  return entry.session;
}
