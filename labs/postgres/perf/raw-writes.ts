/**
 * The two raw-driver writes the lab's store is measured against (append-cost.ts), each the simplest
 * way with `pg`:
 * - raw-pk: one INSERT into a table whose only index is its primary key (an identity column); versions
 *   counted in this process. No guarantee at all: the floor of what an append can cost here.
 * - raw-check: one statement that claims the versions on a streams row (the same conditional upsert as
 *   the lab's store) and inserts the events keyed by (stream_id, stream_version). Optimistic concurrency
 *   in one round trip, but no idempotency, no no-skip global order, no validation.
 */
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { NewEvent } from '../../core/index.ts';

export const RAW_SCHEMA = `
CREATE SCHEMA IF NOT EXISTS bench_cost;
CREATE TABLE IF NOT EXISTS bench_cost.pk_events (
  position       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  event_id       uuid   NOT NULL,
  stream_id      text   NOT NULL,
  stream_version bigint NOT NULL,
  type           text   NOT NULL,
  data           jsonb  NOT NULL,
  metadata       jsonb  NOT NULL,
  recorded_at    timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS bench_cost.check_streams (
  stream_id text PRIMARY KEY,
  version   bigint NOT NULL
);
CREATE TABLE IF NOT EXISTS bench_cost.check_events (
  stream_id      text   NOT NULL,
  stream_version bigint NOT NULL,
  event_id       uuid   NOT NULL,
  type           text   NOT NULL,
  data           jsonb  NOT NULL,
  metadata       jsonb  NOT NULL,
  recorded_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (stream_id, stream_version)
);`;

export async function rawPkInsert(pool: pg.Pool, versions: Map<string, number>, streamId: string, events: NewEvent[]): Promise<void> {
  const first = (versions.get(streamId) ?? -1) + 1;
  versions.set(streamId, first + events.length - 1);
  await pool.query(
    `INSERT INTO bench_cost.pk_events (event_id, stream_id, stream_version, type, data, metadata)
     SELECT * FROM unnest($1::uuid[], $2::text[], $3::bigint[], $4::text[], $5::jsonb[], $6::jsonb[])`,
    [
      events.map((e) => e.id ?? randomUUID()),
      events.map(() => streamId),
      events.map((_, i) => first + i),
      events.map((e) => e.type),
      events.map((e) => JSON.stringify(e.data)),
      events.map((e) => JSON.stringify(e.metadata ?? {})),
    ],
  );
}

export async function rawCheckInsert(pool: pg.Pool, _versions: Map<string, number>, streamId: string, events: NewEvent[]): Promise<void> {
  const { rowCount } = await pool.query({
    name: 'bench_cost.check_insert',
    text: `WITH claimed AS (
             INSERT INTO bench_cost.check_streams (stream_id, version) VALUES ($1, $2 - 1)
             ON CONFLICT (stream_id) DO UPDATE SET version = bench_cost.check_streams.version + $2 RETURNING version)
           INSERT INTO bench_cost.check_events (stream_id, stream_version, event_id, type, data, metadata)
           SELECT $1, c.version - $2 + e.n, e.id, e.type, e.data, e.metadata
             FROM claimed c, unnest($3::uuid[], $4::text[], $5::jsonb[], $6::jsonb[]) WITH ORDINALITY AS e(id, type, data, metadata, n)`,
    values: [
      streamId,
      events.length,
      events.map((e) => e.id ?? randomUUID()),
      events.map((e) => e.type),
      events.map((e) => JSON.stringify(e.data)),
      events.map((e) => JSON.stringify(e.metadata ?? {})),
    ],
  });
  if (rowCount !== events.length) throw new Error(`raw-check wrote ${rowCount} of ${events.length} events`);
}
