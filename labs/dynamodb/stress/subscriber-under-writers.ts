/**
 * STRESS: writers appending while a live `$all` subscriber follows them, on dynalite (or DYNAMODB_ENDPOINT).
 *
 *   node --import tsx labs/dynamodb/stress/subscriber-under-writers.ts [--writers 8] [--events 1000]
 *        [--subscribers 1] [--stores shared|per-writer|per-writer-own-log] [--time-limit 300]
 *        [--poll-interval ms] [--persistent (dynalite on LevelDB files instead of in memory)]
 *
 * Issue 16 found appends crawling (~15/s) under one polling subscriber. This script reproduces the load
 * and shows where the time goes, once per second: appends and deliveries per second, the requests per
 * second by kind (the store's RequestCounter), dynalite's CPU (it runs in a process of its own) and the
 * machine's load average (other work on the machine skews every figure: say so when you record one).
 * At the end it checks that every event was delivered exactly once to every subscriber, in position
 * order and in version order per stream, and exits non-zero when not. Bounded by --time-limit: a run
 * that does not finish says so and fails. A stress script, not a timed test: figures go to
 * docs/labs/dynamodb.md with the load they were measured under.
 *
 * --stores shared: the writers and the subscriber share one store instance (one process, as an
 *   application that writes and projects); per-writer: every writer and the subscriber have a store of
 *   their own, in this one process (they share its log writer: table-session.ts); per-writer-own-log:
 *   each store has its own client and group commit, as stores in separate processes have.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import type { RecordedEvent } from '../../core/index.ts';
import { startDynamoDb } from '../../runtime/dynamodb.ts';
import { DynamoDbEventStore } from '../dynamodb-store.ts';

const { values } = parseArgs({
  options: {
    writers: { type: 'string', default: '8' },
    events: { type: 'string', default: '1000' },
    subscribers: { type: 'string', default: '1' },
    stores: { type: 'string', default: 'shared' },
    'time-limit': { type: 'string', default: '300' },
    'poll-interval': { type: 'string' },
    persistent: { type: 'boolean', default: false },
  },
});
const writers = Number(values.writers);
const eventsPerWriter = Number(values.events);
const subscriberCount = Number(values.subscribers);
const timeLimitMs = Number(values['time-limit']) * 1000;
const pollIntervalMs = values['poll-interval'] === undefined ? undefined : Number(values['poll-interval']);
const shared = values.stores === 'shared';
if (!['shared', 'per-writer', 'per-writer-own-log'].includes(values.stores!)) throw new Error(`--stores is shared, per-writer or per-writer-own-log, got ${values.stores}`);
const ownLog = values.stores === 'per-writer-own-log';
const total = writers * eventsPerWriter;

/** CPU seconds (user + system) a process has used, from /proc (Linux); undefined elsewhere. */
function cpuSeconds(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (100 Hz)
  } catch {
    return undefined;
  }
}

const server = await startDynamoDb({ persistent: values.persistent });
const table = `stress-${randomUUID().slice(0, 8)}`;
const stores: DynamoDbEventStore[] = [];
const open = async () => {
  const store = await DynamoDbEventStore.connect({ endpoint: server.endpoint, tableName: table, ensureTable: stores.length === 0, shareLogWriter: !ownLog });
  stores.push(store);
  return store;
};
const first = await open();
const writerStores = shared ? Array.from({ length: writers }, () => first) : [first, ...(await Promise.all(Array.from({ length: writers - 1 }, open)))];
const subscriberStores = shared ? Array.from({ length: subscriberCount }, () => first) : await Promise.all(Array.from({ length: subscriberCount }, open));

console.log(
  `${writers} writers x ${eventsPerWriter} events (one event per append, exact expected versions), ${subscriberCount} live $all subscriber(s), ` +
    `stores: ${values.stores}, poll interval: ${pollIntervalMs ?? 'default'}; ${server.description}; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`,
);

const started = performance.now();
const deadline = started + timeLimitMs;
let appended = 0;
let timedOut = false;

// ---- subscribers: record every delivery, stop once every event arrived (or at the deadline)
interface Received {
  count: Map<string, number>;
  delivered: number;
  problems: string[];
}
const received: Received[] = [];
const subscriptions = subscriberStores.map((store, s) => {
  const r: Received = { count: new Map(), delivered: 0, problems: [] };
  received.push(r);
  const subscription = store.subscribeToAll(pollIntervalMs === undefined ? {} : { pollIntervalMs });
  const done = (async () => {
    let lastPosition = -1n;
    const lastVersion = new Map<string, number>();
    for await (const event of subscription as AsyncIterable<RecordedEvent>) {
      if (event.globalPosition <= lastPosition) r.problems.push(`subscriber ${s}: position ${event.globalPosition} after ${lastPosition}`);
      lastPosition = event.globalPosition;
      const previous = lastVersion.get(event.streamId) ?? -1;
      if (event.streamVersion !== previous + 1) r.problems.push(`subscriber ${s}: ${event.streamId} v${event.streamVersion} after v${previous}`);
      lastVersion.set(event.streamId, event.streamVersion);
      r.count.set(event.id, (r.count.get(event.id) ?? 0) + 1);
      if (++r.delivered >= total) break;
    }
  })();
  return { subscription, done };
});

// ---- progress, once per second
const dynalitePid = server.pid;
let previous = { at: started, appended: 0, delivered: 0, cpu: cpuSeconds(dynalitePid), requests: new Map<string, number>() };
const requestTotals = () => {
  const totals = new Map<string, number>();
  // Stores of one process share a counter (and a log writer) unless they have their own log.
  for (const counter of new Set(stores.map((s) => s.requests))) for (const [op, n] of counter.byOperation) totals.set(op, (totals.get(op) ?? 0) + n);
  return totals;
};
const perSecond: { second: number; appendsPerS: number; deliveredPerS: number; dynaliteCpu?: number; requests: Record<string, number> }[] = [];
const ticker = setInterval(() => {
  const now = performance.now();
  const seconds = (now - previous.at) / 1000;
  const delivered = received.length === 0 ? 0 : Math.min(...received.map((r) => r.delivered));
  const cpu = cpuSeconds(dynalitePid);
  const requests = requestTotals();
  const rates: Record<string, number> = {};
  for (const [op, n] of requests) {
    const rate = Math.round((n - (previous.requests.get(op) ?? 0)) / seconds);
    if (rate > 0) rates[op] = rate;
  }
  const dynaliteCpu = cpu !== undefined && previous.cpu !== undefined ? Math.round(((cpu - previous.cpu) / seconds) * 100) : undefined;
  const sample = {
    second: Math.round((now - started) / 1000),
    appendsPerS: Math.round((appended - previous.appended) / seconds),
    deliveredPerS: Math.round((delivered - previous.delivered) / seconds),
    dynaliteCpu,
    requests: rates,
  };
  perSecond.push(sample);
  console.log(
    `${String(sample.second).padStart(4)} s  appended ${appended}/${total} (${sample.appendsPerS}/s)  delivered ${delivered} (${sample.deliveredPerS}/s)  ` +
      `dynalite CPU ${dynaliteCpu ?? '?'}%  load ${loadavg()[0]!.toFixed(2)}  req/s ${Object.entries(rates).map(([op, n]) => `${op}=${n}`).join(' ')}`,
  );
  previous = { at: now, appended, delivered, cpu, requests };
}, 1000);

// ---- writers: one event per append, each to its own stream, with the exact expected version
const writing = Array.from({ length: writers }, async (_, w) => {
  const store = writerStores[w]!;
  const streamId = `writer-${w}-${randomUUID().slice(0, 8)}`;
  for (let i = 0; i < eventsPerWriter; i++) {
    if (performance.now() > deadline) {
      timedOut = true;
      return;
    }
    await store.appendToStream(streamId, [{ type: 'Written', data: { w, i } }], { expectedVersion: i === 0 ? 'no_stream' : i - 1 });
    appended++;
  }
});
await Promise.all(writing);
const writersDoneMs = performance.now() - started;

const deliveryDeadline = new Promise<void>((resolve) => setTimeout(resolve, Math.max(deadline - performance.now(), 0) + 5_000).unref());
await Promise.race([Promise.all(subscriptions.map((s) => s.done)), deliveryDeadline]);
const allDeliveredMs = performance.now() - started;
clearInterval(ticker);
await Promise.all(subscriptions.map((s) => s.subscription.close()));

// ---- the check: every event once, per subscriber
const problems: string[] = [];
if (timedOut) problems.push(`the writers did not finish within --time-limit ${timeLimitMs / 1000} s (${appended}/${total} appended)`);
received.forEach((r, s) => {
  problems.push(...r.problems.slice(0, 5));
  const duplicated = [...r.count.values()].filter((n) => n > 1).length;
  if (duplicated > 0) problems.push(`subscriber ${s}: ${duplicated} events delivered more than once`);
  if (r.count.size !== appended) problems.push(`subscriber ${s}: ${r.count.size} distinct events delivered, ${appended} appended`);
});
const requests = Object.fromEntries([...requestTotals()].sort((a, b) => b[1] - a[1]));
const groups = ownLog ? undefined : first.groupCommitStats;
console.log(
  JSON.stringify(
    {
      writers,
      eventsPerWriter,
      subscribers: subscriberCount,
      stores: values.stores,
      appended,
      writersDoneS: +(writersDoneMs / 1000).toFixed(1),
      allDeliveredS: +(allDeliveredMs / 1000).toFixed(1),
      appendsPerS: Math.round(appended / (writersDoneMs / 1000)),
      requests,
      requestsPerAppend: +(Object.values(requests).reduce((a, b) => a + b, 0) / Math.max(appended, 1)).toFixed(2),
      groupCommit: groups,
      dynaliteCpuS: cpuSeconds(dynalitePid),
      loadAverage: loadavg().map((l) => +l.toFixed(2)),
      problems,
    },
    null,
    1,
  ),
);
await Promise.all([...new Set(stores)].map((s) => s.close()));
await server.stop();
console.log(problems.length === 0 ? `OK: ${appended} events, each delivered exactly once to ${subscriberCount} subscriber(s)` : `FAILED:\n  ${problems.join('\n  ')}`);
process.exitCode = problems.length === 0 ? 0 : 1;
