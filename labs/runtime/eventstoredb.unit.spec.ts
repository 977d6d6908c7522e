/**
 * Reaching EventStoreDB: the connection string from the environment, and an unreachable server reported
 * as BackendUnavailableError with a reason a person can act on (tried against a closed local port).
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { test } from 'node:test';
import { BackendUnavailableError } from '../core/index.ts';
import {
  DEFAULT_EVENTSTORE_CONNECTION_STRING,
  connectToEventStoreDb,
  eventStoreConnectionString,
  redactConnectionString,
} from './eventstoredb.ts';

test('the connection string comes from EVENTSTORE_CONNECTION_STRING, defaulting to the compose service', () => {
  assert.equal(eventStoreConnectionString({}), 'esdb://localhost:2113?tls=false');
  assert.equal(eventStoreConnectionString({ EVENTSTORE_CONNECTION_STRING: '  ' }), DEFAULT_EVENTSTORE_CONNECTION_STRING);
  assert.equal(eventStoreConnectionString({ EVENTSTORE_CONNECTION_STRING: 'esdb://db:2113?tls=false' }), 'esdb://db:2113?tls=false');
  assert.equal(redactConnectionString('esdb://admin:changeit@db:2113?tls=true'), 'esdb://admin:***@db:2113?tls=true');
});

/** A port nobody listens on: bind one, then close it. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

test('an unreachable server is BackendUnavailableError saying where, and how to start one', async () => {
  const port = await closedPort();
  const started = Date.now();
  await assert.rejects(connectToEventStoreDb({ connectionString: `esdb://127.0.0.1:${port}?tls=false`, timeoutMs: 3000 }), (error: unknown) => {
    assert.ok(error instanceof BackendUnavailableError);
    assert.equal(error.backend, 'eventstoredb');
    assert.match(error.message, new RegExp(`no EventStoreDB server reachable at esdb://127\\.0\\.0\\.1:${port}`));
    assert.match(error.message, /docker compose up -d eventstoredb/);
    return true;
  });
  assert.ok(Date.now() - started < 5000, 'gives up within a few seconds');
});

test('a malformed connection string is reported as such', async () => {
  await assert.rejects(connectToEventStoreDb({ connectionString: 'http://localhost:2113' }), /not a valid connection string/);
});
