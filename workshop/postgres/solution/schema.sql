-- @steps 00..00
--| -- Your PostgreSQL event store's tables. The checker runs this whole file in a fresh, empty schema for
--| -- every check (search_path is set for you), so write table names without a schema prefix and do not
--| -- worry about migrations: change a table by editing its CREATE TABLE.
--| -- Each step's README says what to add here. labs/postgres/schema.sql is the finished design: peek only
--| -- when a hint sends you there.
-- @end
-- @steps 01..
-- The reference schema after step {{step}} (generated from workshop/postgres/solution/schema.sql). The checker runs this file in a fresh schema (search_path is set).
-- @end
-- @steps 02..

-- One row per stream with the version of its last event. Its conditional UPDATE/INSERT is the optimistic
-- concurrency check; the row lock makes a racing writer of the same stream wait, then re-check.
CREATE TABLE streams (
  stream_id text   PRIMARY KEY,
  version   bigint NOT NULL CHECK (version >= 0)
);
-- @end

-- @steps 00..00
--| -- TODO step 01: create the table `events`, one row per event, with the columns store.ts reads
--| -- (see the EventRow interface there):
--| --   position        a number that grows with every insert (an identity column), the primary key
--| --   event_id        uuid
--| --   stream_id       text
--| --   stream_version  bigint, the event's 0-based index inside its stream
--| --   type            text
--| --   data            jsonb
--| --   recorded_at     timestamptz, filled by the database
--| -- and make it impossible to store two events with the same version in one stream.
-- @end
-- @steps 01..
CREATE TABLE events (
  -- A sequence: unique and increasing in INSERT order (step 05 shows why that is not commit order).
  position       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
-- @end
  -- @steps 05..
  -- The writing transaction (xid8 never wraps around). Readers return only transactions older than
  -- every running one, in (transaction_id, position) order: a late commit cannot land behind them.
  transaction_id xid8   NOT NULL DEFAULT pg_current_xact_id(),
  -- @end
  -- @steps 01..06
  --| event_id       uuid   NOT NULL,
  -- @end
  -- @steps 07..
  -- UNIQUE: a retried append finds its ids stored (and a racing retry fails with 23505).
  event_id       uuid   NOT NULL UNIQUE,
  -- @end
  -- @steps 01..
  stream_id      text   NOT NULL,
  stream_version bigint NOT NULL CHECK (stream_version >= 0),
  type           text   NOT NULL,
  data           jsonb  NOT NULL,
  -- @end
  -- @steps 08..
  -- Correlation and causation ids, schemaVersion (read by upcasters), free fields.
  metadata       jsonb  NOT NULL DEFAULT '{}',
  -- @end
  -- @steps 01..
  recorded_at    timestamptz NOT NULL DEFAULT now(),
  -- One event per stream version, and the index that makes reading one stream an index range scan.
  UNIQUE (stream_id, stream_version)
);
  -- @end

-- @steps 05..
-- The index readers of $all walk, in their order.
CREATE INDEX events_global_order ON events (transaction_id, position);

-- @end
-- @steps 09..
-- The latest snapshot per aggregate: a cache (deleting it only makes loading slower).
CREATE TABLE snapshots (
  stream_id      text    PRIMARY KEY,
  stream_version bigint  NOT NULL,
  schema_version integer NOT NULL,
  state          jsonb   NOT NULL
);

-- @end
-- @steps 10..
-- How far each subscriber or projection got. A packed position needs more than bigint: numeric(40,0).
CREATE TABLE checkpoints (
  subscriber_id text          PRIMARY KEY,
  position      numeric(40,0) NOT NULL CHECK (position >= 0)
);

-- @end