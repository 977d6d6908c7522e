// Transactional fencing with kafkajs 2.2.4 against the real broker, and the store's writers in separate
// processes relying on it (docs/labs/kafka.md, "Fencing, measured").
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { createKafka, ensureTopics } from './client.ts';
import { commitAfterSecondWriter } from './fencing-demo.ts';
import { closeKafkaViews, KafkaEventStore } from './kafka-store.ts';
import { useKafkaBroker } from './test-broker.ts';

const kafka = useKafkaBroker(closeKafkaViews);
const run = randomBytes(3).toString('hex');

test('kafkajs fences the previous producer at the first transaction(), not at connect()', { timeout: 120_000 }, async (t) => {
  const broker = kafka.broker;
  if (!broker) return t.skip(kafka.skipMessage);
  const client = createKafka(broker.brokers, 'fencing-test');
  const admin = client.admin();
  await admin.connect();
  const topics = [`workbench-test.fence-connect-${run}`, `workbench-test.fence-init-${run}`];
  try {
    await ensureTopics(admin, topics.map((topic) => ({ topic, numPartitions: 1 })));
    // connect() of an idempotent producer asks for a plain producer id (no transactional id): nobody is fenced.
    const afterConnect = await commitAfterSecondWriter(client, topics[0]!, 'connect');
    // The first transaction() sends InitProducerId with the transactional id: a new epoch, A is fenced.
    const afterInit = await commitAfterSecondWriter(client, topics[1]!, 'first-transaction');
    assert.equal(afterConnect, 'accepted', 'B only connected: A still holds the epoch');
    assert.match(afterInit, /^fenced \(INVALID_PRODUCER_EPOCH|^fenced \(PRODUCER_FENCED/, 'B initialised its transactions: A is fenced');
  } finally {
    await admin.deleteTopics({ topics }).catch(() => {});
    await admin.disconnect();
  }
});

interface RaceOutcome {
  won: { id: string; expected: number | 'no_stream'; answered: number }[];
  refused: number;
  otherErrors: string[];
  stats: { takeovers: number; fenced: number } | undefined;
}

function raceInChild(args: object): Promise<RaceOutcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./race-child.ts', import.meta.url)), JSON.stringify(args)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
    child.once('error', reject);
    child.once('close', (code) => {
      const line = out.trim().split('\n').at(-1) ?? '';
      try {
        resolve(JSON.parse(line) as RaceOutcome);
      } catch {
        reject(new Error(`race child exited ${String(code)} without a result: ${err.slice(-2_000)}`));
      }
    });
  });
}

test('writers in 4 processes race on one stream: each acknowledged version is the version stored', { timeout: 240_000 }, async (t) => {
  const broker = kafka.broker;
  if (!broker) return t.skip(kafka.skipMessage);
  const namespace = `workbench-test.race-${run}`;
  const streamId = 'contended';
  const outcomes = await Promise.all(
    Array.from({ length: 4 }, (_, writer) => raceInChild({ brokers: broker.brokers, namespace, streamId, attempts: 40, writer })),
  );
  const store = await KafkaEventStore.connect({ brokers: broker.brokers, namespace });
  try {
    const events = await store.readStream(streamId);
    const versionOf = new Map(events.map((e) => [e.id, e.streamVersion]));
    const won = outcomes.flatMap((o) => o.won);
    // The check a lost update fails: an append acknowledged as version n whose event is read at another
    // version was decided on a stale stream (the index numbers events by log order, so "0..n-1, no gaps"
    // alone holds even for writers that check nothing).
    const misplaced = won.filter((w) => versionOf.get(w.id) !== w.answered || w.answered !== (w.expected === 'no_stream' ? 0 : w.expected + 1));
    const fenced = outcomes.reduce((sum, o) => sum + (o.stats?.fenced ?? 0), 0);
    t.diagnostic(`${won.length} won, ${outcomes.reduce((s, o) => s + o.refused, 0)} refused, ${fenced} transactions fenced by another process`);
    assert.deepEqual(outcomes.flatMap((o) => o.otherErrors), [], 'every loser got WrongExpectedVersionError');
    assert.deepEqual(misplaced.slice(0, 3), [], `every acknowledged append is stored at the version it was answered (${misplaced.length} were not)`);
    assert.equal(events.length, won.length, 'exactly the acknowledged appends are stored');
    assert.ok(fenced > 0, 'the processes really contended for the writer role (some transaction was fenced)');
  } finally {
    await store.close();
  }
});
