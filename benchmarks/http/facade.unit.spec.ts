/** The HTTP facade's contract on the no-op store: shapes, positions as strings, 400 and 409 with reasons. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { NoopEventStore } from '../targets/noop-store.ts';
import { startFacade, type RunningFacade } from './facade.ts';

void describe('HTTP facade', () => {
  let facade: RunningFacade;
  const store = new NoopEventStore();
  before(async () => {
    facade = await startFacade(store);
  });
  after(async () => {
    await facade.close();
    await store.close();
  });
  const call = async (method: string, path: string, body?: string) => {
    const res = await fetch(facade.url + path, { method, headers: body ? { 'content-type': 'application/json' } : {}, body });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  };

  void test('append, read the stream, read all: positions travel as strings', async () => {
    const appended = await call('POST', '/streams/order-1', JSON.stringify({ events: [{ type: 'Placed', data: { n: 1 } }], expectedVersion: 'no_stream' }));
    assert.equal(appended.status, 200);
    assert.equal(appended.json.nextExpectedVersion, 0);
    assert.equal(typeof appended.json.globalPosition, 'string');
    const stream = await call('GET', '/streams/order-1');
    assert.equal(stream.status, 200);
    const events = stream.json.events as { type: string; globalPosition: unknown }[];
    assert.equal(events.length, 1);
    assert.equal(typeof events[0]!.globalPosition, 'string');
    const all = await call('GET', '/all?from=0&max=10');
    assert.equal(all.status, 200);
    assert.equal((all.json.events as unknown[]).length, 1);
    assert.equal(all.json.end, true);
  });

  void test('a wrong expected version is a 409 with the facts', async () => {
    const res = await call('POST', '/streams/order-1', JSON.stringify({ events: [{ type: 'Paid', data: null }], expectedVersion: 5 }));
    assert.equal(res.status, 409);
    assert.equal(res.json.error, 'WrongExpectedVersion');
    assert.equal(res.json.expected, 5);
    assert.equal(res.json.actual, 0);
  });

  void test('bad input is a 400 that says what is wrong', async () => {
    const cases: [string, string, string | undefined, RegExp][] = [
      ['POST', '/streams/x', '{not json', /not valid JSON/],
      ['POST', '/streams/x', '[1,2]', /JSON object/],
      ['POST', '/streams/x', JSON.stringify({ events: 'nope' }), /'events' must be an array/],
      ['POST', '/streams/x', JSON.stringify({ events: [], expectedVersion: 'banana' }), /expected version "banana"/],
      ['GET', '/all?from=-1', undefined, /'from' must be a position/],
      ['GET', '/all?max=abc', undefined, /'max' must be a whole number/],
      ['GET', '/streams/x?direction=up', undefined, /'direction'/],
    ];
    for (const [method, path, body, message] of cases) {
      const res = await call(method, path, body);
      assert.equal(res.status, 400, `${method} ${path} ${body ?? ''}`);
      assert.match(String(res.json.message), message);
    }
    const missing = await call('GET', '/nowhere');
    assert.equal(missing.status, 404);
  });
});
