-- The PostgreSQL event store, as plain SQL. The lab applies it on start (it is idempotent).
-- Every choice below prevents one specific failure; the comment next to it says which.

CREATE SCHEMA IF NOT EXISTS event_store;

-- One row per stream, holding the version of its last event (versions are 0-based).
-- Optimistic concurrency is a conditional UPDATE/INSERT of this row inside the append transaction:
--   UPDATE streams SET version = version + n WHERE stream_id = $1 AND version = $expected
-- The row lock it takes serialises writers of the SAME stream only; a second writer with the same
-- expected version waits, re-checks the condition after the first commits, matches 0 rows and is told
-- WrongExpectedVersion with the actual version. Writers of different streams never wait for each other.
CREATE TABLE IF NOT EXISTS event_store.streams (
  stream_id text   PRIMARY KEY,
  version   bigint NOT NULL CHECK (version >= 0)
);

-- Deleting streams (labs/postgres/stream-lifecycle.ts, issue #22). A soft delete removes the events and
-- keeps this row, so the stream's versions continue after it (no version number is ever used twice). A hard
-- delete also sets `tombstoned`: every claim above matches `NOT tombstoned`, so later appends claim nothing
-- and are refused with StreamDeletedError — also one that waited behind the delete's row lock, since
-- PostgreSQL re-checks the condition on the row version the delete committed. A stream tombstoned before it
-- ever had an event keeps version -1 ("no event yet"), which only a tombstone may have.
ALTER TABLE event_store.streams ADD COLUMN IF NOT EXISTS tombstoned boolean NOT NULL DEFAULT false;
DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'streams_version_or_tombstone') THEN
    ALTER TABLE event_store.streams DROP CONSTRAINT IF EXISTS streams_version_check;
    ALTER TABLE event_store.streams ADD CONSTRAINT streams_version_or_tombstone CHECK (version >= 0 OR (tombstoned AND version = -1));
  END IF;
END $$;

CREATE TABLE IF NOT EXISTS event_store.events (
  -- Drawn from a sequence when the row is inserted: unique and increasing in *insert* order, but a
  -- transaction that drew 100 can commit after one that drew 101. Reading "position > last seen"
  -- alone therefore skips events (the out-of-order commit problem). It is half of the global position.
  position       bigint GENERATED ALWAYS AS IDENTITY,
  -- The id of the transaction that wrote the row (xid8: 64-bit, never wraps around). Readers only
  -- return rows whose transaction is older than every transaction still running
  -- (transaction_id < pg_snapshot_xmin(pg_current_snapshot())), and order by (transaction_id, position):
  -- a row can then never appear behind a position a reader has already passed. The price: one long
  -- write transaction anywhere in the database holds every reader back until it ends.
  transaction_id xid8   NOT NULL DEFAULT pg_current_xact_id(),
  -- Idempotency: an event id is stored once. A retry of a committed append finds its ids here and is
  -- answered with the original result; a concurrent identical retry loses on this constraint (23505)
  -- and is answered the same way.
  event_id       uuid   NOT NULL UNIQUE,
  stream_id      text   NOT NULL,
  stream_version bigint NOT NULL CHECK (stream_version >= 0),
  type           text   NOT NULL,
  -- jsonb: queryable by projections and ad-hoc SQL. (It cannot hold the NUL character \u0000; the
  -- adapter refuses such data with a typed error before writing.)
  data           jsonb  NOT NULL,
  metadata       jsonb  NOT NULL,
  recorded_at    timestamptz NOT NULL DEFAULT now(),
  -- Belt and braces under the streams row lock: one event per stream version, no gaps by construction,
  -- and the index that makes reading one stream an index range scan.
  UNIQUE (stream_id, stream_version),
  -- The global read order, and the key: $all and subscriptions walk this index. (A separate key on
  -- position alone would be one more index to update on every insert, and position is unique anyway.)
  CONSTRAINT events_global_order PRIMARY KEY (transaction_id, position)
);

-- Where subscribers and projections remember how far they got (the packed global position).
CREATE TABLE IF NOT EXISTS event_store.subscription_checkpoints (
  subscriber_id text          PRIMARY KEY,
  position      numeric(40,0) NOT NULL CHECK (position >= 0),
  updated_at    timestamptz   NOT NULL DEFAULT now()
);

-- The latest snapshot of an aggregate: its state after `stream_version`. Snapshots are a cache: they can
-- be deleted at any time and rebuilt from the events.
CREATE TABLE IF NOT EXISTS event_store.snapshots (
  stream_id      text    PRIMARY KEY,
  stream_version bigint  NOT NULL,
  schema_version integer NOT NULL,
  state          jsonb   NOT NULL,
  saved_at       timestamptz NOT NULL DEFAULT now()
);

-- Consumer-group leases (labs/core/leased-member.ts; the Kinesis Client Library's lease table): who owns a
-- partition of a group (`partition:<n>`) and which members are alive (`member:<id>`), until `expires_at`.
-- A lease is taken or renewed by ONE conditional upsert (labs/postgres/leases.ts): the row lock of
-- ON CONFLICT DO UPDATE serialises two members racing for the same key, and expiry is judged by this
-- server's clock, so the members' clocks need not agree.
CREATE TABLE IF NOT EXISTS event_store.consumer_group_leases (
  group_name text        NOT NULL,
  lease_key  text        NOT NULL,
  owner      text        NOT NULL,
  expires_at timestamptz NOT NULL,
  PRIMARY KEY (group_name, lease_key)
);

-- Crypto-shredding (labs/core/crypto-shredding.ts, issue #22): one AES-256 key per data subject. Personal
-- fields of events are stored encrypted with it; forgetting a subject is DELETE of its row, after which
-- every copy of those fields (in events, snapshots, replicas and backups of the events) is unreadable.
-- The row itself lingers where DELETE does not reach: the dead tuple until VACUUM, the WAL, and backups of
-- this table taken before — keep this table out of long-lived backups, or erase there too
-- (docs/labs/postgres.md, "Erasure"). One key per subject (the primary key): racing writers of a new
-- subject insert with ON CONFLICT DO NOTHING and all use the row that won.
CREATE TABLE IF NOT EXISTS event_store.subject_keys (
  subject_id text        PRIMARY KEY,
  key_id     uuid        NOT NULL,
  key        bytea       NOT NULL CHECK (octet_length(key) = 32),
  created_at timestamptz NOT NULL DEFAULT now()
);
