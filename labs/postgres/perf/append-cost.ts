/**
 * Where an append's time goes: the lab's store next to Emmett and two raw-driver writes, on ONE embedded
 * server, in one process, closed loop, order rotated between repeats; medians reported. For each target
 * and workload it measures events/s, client CPU per event (this process: validation, id generation,
 * driver encoding), server CPU per event (every process of the server, from /proc), WAL bytes per event
 * (pg_current_wal_lsn deltas) and the on-disk bytes per event of each table and index (write
 * amplification), with the load average at the time.
 *
 *   node --import tsx labs/postgres/perf/append-cost.ts [--repeats 3] [--single 5000] [--batches 200]
 *        [--only lab,emmett,raw-check,raw-pk]
 *
 * This is a diagnostic of the store's costs (docs/labs/postgres.md). The comparison people see is the
 * harness's (`npm run bench`), which runs the same workloads through the workbench's targets.
 */
import { readFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { dumbo } from '@event-driven-io/dumbo';
import { getPostgreSQLEventStore } from '@event-driven-io/emmett-postgresql';
import type { NewEvent } from '../../core/index.ts';
import { startPostgres } from '../../runtime/postgres.ts';
import { PostgresEventStore, migrate } from '../postgres-store.ts';
import { RAW_SCHEMA, rawCheckInsert, rawPkInsert } from './raw-writes.ts';

const { values: args } = parseArgs({
  options: {
    repeats: { type: 'string', default: '3' },
    single: { type: 'string', default: '5000' },
    batches: { type: 'string', default: '200' },
    only: { type: 'string', default: 'lab,emmett,raw-check,raw-pk' },
    pool: { type: 'string', default: '10' },
  },
});
const REPEATS = Number(args.repeats);
const POOL = Number(args.pool);

interface Workload {
  name: string;
  appends: number;
  eventsPerAppend: number;
  streams: number;
  workers: number;
}
// The workloads: 20,000 single appends over 1,000 streams by 8 appenders (fewer by default: the
// box is shared), and 200 appends of 100 events over 200 streams by 4.
const WORKLOADS: Workload[] = [
  { name: 'single', appends: Number(args.single), eventsPerAppend: 1, streams: 1000, workers: 8 },
  { name: 'batch-100', appends: Number(args.batches), eventsPerAppend: 100, streams: 200, workers: 4 },
];

interface Target {
  name: string;
  append(streamId: string, events: NewEvent[]): Promise<unknown>;
  close(): Promise<void>;
  /** Tables and indexes whose growth is this target's write amplification. */
  relations: string[];
}

const pad = 'x'.repeat(180);
const makeEvents = (count: number, seq: number): NewEvent[] =>
  Array.from({ length: count }, (_, k) => ({ type: 'BenchmarkEvent', data: { run: 'cost', seq, k, sentAt: Date.now(), pad } }));

async function targets(url: string): Promise<Record<string, () => Promise<Target>>> {
  return {
    lab: async () => {
      const store = await PostgresEventStore.connect({ connectionString: url, poolSize: POOL, migrate: false });
      return {
        name: 'lab',
        append: (s, e) => store.appendToStream(s, e),
        close: () => store.close(),
        relations: ['event_store.events', 'event_store.events_global_order', 'event_store.events_event_id_key',
          'event_store.events_stream_id_stream_version_key', 'event_store.streams', 'event_store.streams_pkey'],
      };
    },
    emmett: async () => {
      // Emmett as its users call it: its own API, its own pool of the same size, no adapter in between.
      const pool = new pg.Pool({ connectionString: url, max: POOL });
      pool.on('error', () => {});
      const db = dumbo({ connectionString: url, pool, pooled: true });
      const store = getPostgreSQLEventStore(url, { schema: { autoMigration: 'None' }, connectionOptions: { dumbo: db } });
      return {
        name: 'emmett',
        append: (s, e) => store.appendToStream(s, e.map((x) => ({ type: x.type, data: x.data as Record<string, unknown> }))),
        close: async () => {
          await store.close();
          await db.close();
          await pool.end();
        },
        // Emmett's tables are partitioned (by partition, then archived or not): these are the leaves written.
        relations: ['public.emt_messages_emt_default_active', 'public.emt_messages_emt_default_active_pkey', 'public.emt_streams_emt_default_active',
          'public.emt_streams_emt_default_active_pkey', 'public.emt_streams_emt_default_activ_stream_id_partition_is_archiv_idx'],
      };
    },
    // A diagnostic only: an earlier version of the store, to compare before and after in one run.
    ...(process.env.BEFORE_STORE
      ? {
          'lab-before': async (): Promise<Target> => {
            const { PostgresEventStore: Before } = (await import(process.env.BEFORE_STORE!)) as { PostgresEventStore: typeof PostgresEventStore };
            const store = new Before({ connectionString: url, poolSize: POOL });
            return { name: 'lab-before', append: (s, e) => store.appendToStream(s, e), close: () => store.close(), relations: [] };
          },
        }
      : {}),
    'raw-check': async () => rawTarget(url, 'raw-check', rawCheckInsert, ['bench_cost.check_events', 'bench_cost.check_events_pkey', 'bench_cost.check_streams', 'bench_cost.check_streams_pkey']),
    'raw-pk': async () => rawTarget(url, 'raw-pk', rawPkInsert, ['bench_cost.pk_events', 'bench_cost.pk_events_pkey']),
  };
}

function rawTarget(url: string, name: string, write: typeof rawPkInsert, relations: string[]): Target {
  const pool = new pg.Pool({ connectionString: url, max: POOL });
  pool.on('error', () => {}); // idle clients see the server stop at the end
  const versions = new Map<string, number>();
  return { name, append: (s, e) => write(pool, versions, s, e), close: () => pool.end(), relations };
}

/**
 * CPU seconds (user + system) of every process of the server: the postmaster and its children, plus
 * what exited children used (the postmaster's cutime/cstime), so a backend that ends mid-run still counts.
 */
async function serverCpuSeconds(postmasterPid: number): Promise<number> {
  const { readdir } = await import('node:fs/promises');
  const tick = 100; // USER_HZ on Linux
  let total = 0;
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const [ppid, utime, stime, cutime, cstime] = [1, 11, 12, 13, 14].map((i) => Number(fields[i]));
    if (Number(entry) === postmasterPid) total += (utime! + stime! + cutime! + cstime!) / tick;
    else if (ppid === postmasterPid) total += (utime! + stime!) / tick;
  }
  return total;
}

interface Sample {
  target: string;
  workload: string;
  eventsPerSecond: number;
  clientCpuUsPerEvent: number;
  serverCpuUsPerEvent: number;
  walBytesPerEvent: number;
  diskBytesPerEvent: Record<string, number>;
  load1: number;
}

async function measure(admin: pg.Client, postmasterPid: number, target: Target, w: Workload, prefix: string): Promise<Sample> {
  const sizes = async () => {
    const { rows } = await admin.query<{ name: string; bytes: string }>(
      `SELECT r AS name, pg_relation_size(r::regclass) AS bytes FROM unnest($1::text[]) AS r`,
      [target.relations],
    );
    return new Map(rows.map((r) => [r.name, Number(r.bytes)]));
  };
  const walAt = async () => (await admin.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn')).rows[0]!.lsn;
  // Warm up: connections, prepared statements, JIT of the client code (a target measured first would
  // otherwise pay for the process's start).
  const warm = Math.max(w.workers, Math.round(w.appends / 10));
  let warmed = 0;
  await Promise.all(
    Array.from({ length: w.workers }, async () => {
      for (let i = warmed++; i < warm; i = warmed++) await target.append(`${prefix}-warm-${i % w.streams}`, makeEvents(w.eventsPerAppend, -1));
    }),
  );
  const sizesBefore = await sizes();
  const walBefore = await walAt();
  const serverBefore = await serverCpuSeconds(postmasterPid);
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: w.workers }, async () => {
      for (let i = next++; i < w.appends; i = next++) await target.append(`${prefix}-${i % w.streams}`, makeEvents(w.eventsPerAppend, i));
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const serverSeconds = (await serverCpuSeconds(postmasterPid)) - serverBefore;
  const walAfter = await walAt();
  const wal = Number((await admin.query<{ d: string }>('SELECT pg_wal_lsn_diff($1, $2)::bigint AS d', [walAfter, walBefore])).rows[0]!.d);
  const sizesAfter = await sizes();
  const events = w.appends * w.eventsPerAppend;
  const diskBytesPerEvent: Record<string, number> = {};
  for (const [name, after] of sizesAfter) diskBytesPerEvent[name] = (after - (sizesBefore.get(name) ?? 0)) / events;
  return {
    target: target.name,
    workload: w.name,
    eventsPerSecond: events / seconds,
    clientCpuUsPerEvent: ((cpu.user + cpu.system) / events),
    serverCpuUsPerEvent: (serverSeconds * 1e6) / events,
    walBytesPerEvent: wal / events,
    diskBytesPerEvent,
    load1: loadavg()[0]!,
  };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

const server = await startPostgres({ log: (l) => console.error(l) });
try {
  const url = server.connectionString;
  await migrate(url);
  {
    // Emmett's own migrations, on a pool of our own (its default pool is cached for the process).
    const pool = new pg.Pool({ connectionString: url, max: 1 });
    const db = dumbo({ connectionString: url, pool, pooled: true });
    await getPostgreSQLEventStore(url, { connectionOptions: { dumbo: db } }).schema.migrate();
    await db.close();
    await pool.end();
  }
  const admin = new pg.Client({ connectionString: url });
  admin.on('error', () => {}); // the server stops before this process ends
  await admin.connect();
  await admin.query(RAW_SCHEMA);
  const dataDir = (await admin.query<{ data_directory: string }>('SHOW data_directory')).rows[0]!.data_directory;
  const postmasterPid = Number((await readFile(`${dataDir}/postmaster.pid`, 'utf8')).split('\n')[0]);
  const factories = await targets(url);
  const names = args.only.split(',').filter((n) => n in factories);
  const samples: Sample[] = [];
  // One unrecorded round of every target first: whichever ran first otherwise paid for the process's
  // own warm-up (measured: up to 1.8x the client CPU of its later rounds).
  for (const w of WORKLOADS) {
    for (const name of names) {
      const target = await factories[name]!();
      try {
        await measure(admin, postmasterPid, target, { ...w, appends: Math.max(w.workers, Math.round(w.appends / 5)) }, `${w.name}-warm-${name}`);
      } finally {
        await target.close();
      }
    }
  }
  for (const w of WORKLOADS) {
    for (let r = 0; r < REPEATS; r++) {
      const order = names.map((_, i) => names[(i + r) % names.length]!);
      for (const name of order) {
        const target = await factories[name]!();
        try {
          const s = await measure(admin, postmasterPid, target, w, `${w.name}-${r}-${name}`);
          samples.push(s);
          console.error(`${w.name} #${r + 1} ${name}: ${s.eventsPerSecond.toFixed(0)} events/s, client ${s.clientCpuUsPerEvent.toFixed(0)} us/event, server ${s.serverCpuUsPerEvent.toFixed(0)} us/event, WAL ${s.walBytesPerEvent.toFixed(0)} B/event, load ${s.load1.toFixed(1)}`);
        } finally {
          await target.close();
        }
      }
    }
  }
  await admin.end();
  // Medians per target and workload, and the ratios the targets are stated in.
  const summary = WORKLOADS.map((w) => {
    const of = (name: string) => samples.filter((s) => s.workload === w.name && s.target === name);
    const row = (name: string) => {
      const xs = of(name);
      const disk: Record<string, number> = {};
      for (const rel of Object.keys(xs[0]?.diskBytesPerEvent ?? {})) disk[rel] = Math.round(median(xs.map((x) => x.diskBytesPerEvent[rel]!)));
      return {
        target: name,
        eventsPerSecond: Math.round(median(xs.map((x) => x.eventsPerSecond))),
        clientCpuUsPerEvent: Math.round(median(xs.map((x) => x.clientCpuUsPerEvent))),
        serverCpuUsPerEvent: Math.round(median(xs.map((x) => x.serverCpuUsPerEvent))),
        walBytesPerEvent: Math.round(median(xs.map((x) => x.walBytesPerEvent))),
        diskBytesPerEvent: disk,
        load1: xs.map((x) => Number(x.load1.toFixed(1))),
      };
    };
    const rows = names.map(row);
    const get = (n: string) => rows.find((x) => x.target === n);
    const ratio = (a?: number, b?: number) => (a && b ? Number((a / b).toFixed(2)) : null);
    return {
      workload: w,
      rows,
      ratios: {
        labVsEmmett: ratio(get('lab')?.eventsPerSecond, get('emmett')?.eventsPerSecond),
        labVsRawPk: ratio(get('lab')?.eventsPerSecond, get('raw-pk')?.eventsPerSecond),
        labVsRawCheck: ratio(get('lab')?.eventsPerSecond, get('raw-check')?.eventsPerSecond),
        labClientCpuVsRawCheck: ratio(get('lab')?.clientCpuUsPerEvent, get('raw-check')?.clientCpuUsPerEvent),
        labVsBefore: ratio(get('lab')?.eventsPerSecond, get('lab-before')?.eventsPerSecond),
      },
    };
  });
  console.log(JSON.stringify({ at: new Date().toISOString(), repeats: REPEATS, pool: POOL, summary }, null, 2));
} catch (error) {
  console.error(error);
  process.exitCode = 1;
} finally {
  await server.stop();
}
