/**
 * Random (v4) against time-ordered (v7) event ids, on the unique index alone: what the id's order costs
 * once the index is larger than what one checkpoint interval touches (any real store).
 *
 * Two tables shaped like event_store.events' id column (a bigint identity key and a unique uuid), each
 * prefilled with --rows ids of its kind, then --inserts single-row inserts by 8 clients, each round
 * started right after a CHECKPOINT (the first change to a page after a checkpoint writes the whole page
 * to the WAL: the steady state of a server whose checkpoints come every few minutes). Rotated, medians.
 *
 *   node --import tsx labs/postgres/perf/event-id-order.ts [--rows 300000] [--inserts 4000] [--repeats 3]
 */
import { randomUUID } from 'node:crypto';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { startPostgres } from '../../runtime/postgres.ts';
import { uuidV7 } from '../../core/index.ts';

const { values: args } = parseArgs({
  options: { rows: { type: 'string', default: '300000' }, inserts: { type: 'string', default: '4000' }, repeats: { type: 'string', default: '3' } },
});
const KINDS = { v4: () => randomUUID(), v7: () => uuidV7() } as const;
type Kind = keyof typeof KINDS;

const server = await startPostgres();
try {
  const pool = new pg.Pool({ connectionString: server.connectionString, max: 8 });
  pool.on('error', () => {});
  for (const kind of Object.keys(KINDS) as Kind[]) {
    await pool.query(`CREATE TABLE ids_${kind} (position bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, event_id uuid NOT NULL UNIQUE)`);
    // Prefill server-side: PostgreSQL 18 has both kinds of generator.
    await pool.query(`INSERT INTO ids_${kind} (event_id) SELECT ${kind === 'v4' ? 'gen_random_uuid()' : 'uuidv7()'} FROM generate_series(1, $1)`, [Number(args.rows)]);
  }
  const results: Record<Kind, { walPerRow: number; indexBytesPerRow: number; rowsPerSecond: number; load: number }[]> = { v4: [], v7: [] };
  for (let r = 0; r < Number(args.repeats); r++) {
    for (const kind of (r % 2 ? ['v7', 'v4'] : ['v4', 'v7']) as Kind[]) {
      await pool.query('CHECKPOINT');
      const lsn = async () => (await pool.query<{ l: string }>('SELECT pg_current_wal_lsn()::text AS l')).rows[0]!.l;
      const size = async () => Number((await pool.query<{ b: string }>(`SELECT pg_relation_size('ids_${kind}_event_id_key') AS b`)).rows[0]!.b);
      const [walBefore, sizeBefore] = [await lsn(), await size()];
      const started = performance.now();
      let next = 0;
      const n = Number(args.inserts);
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          while (next++ < n) await pool.query({ name: `insert_${kind}`, text: `INSERT INTO ids_${kind} (event_id) VALUES ($1)`, values: [KINDS[kind]()] });
        }),
      );
      const seconds = (performance.now() - started) / 1000;
      const wal = Number((await pool.query<{ d: string }>('SELECT pg_wal_lsn_diff($1, $2)::bigint AS d', [await lsn(), walBefore])).rows[0]!.d);
      results[kind].push({ walPerRow: wal / n, indexBytesPerRow: ((await size()) - sizeBefore) / n, rowsPerSecond: n / seconds, load: loadavg()[0]! });
      console.error(`${kind} #${r + 1}: ${results[kind].at(-1)!.walPerRow.toFixed(0)} B WAL/row, index +${results[kind].at(-1)!.indexBytesPerRow.toFixed(0)} B/row, ${(n / seconds).toFixed(0)} rows/s, load ${loadavg()[0]!.toFixed(1)}`);
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const summary = Object.fromEntries(
    (Object.keys(results) as Kind[]).map((k) => [
      k,
      {
        walBytesPerRow: Math.round(median(results[k].map((x) => x.walPerRow))),
        indexBytesPerRow: Math.round(median(results[k].map((x) => x.indexBytesPerRow))),
        rowsPerSecond: Math.round(median(results[k].map((x) => x.rowsPerSecond))),
        load: results[k].map((x) => Number(x.load.toFixed(1))),
      },
    ]),
  );
  console.log(JSON.stringify({ prefilledRows: Number(args.rows), inserts: Number(args.inserts), summary }, null, 2));
  await pool.end();
} finally {
  await server.stop();
}
