-- The naive event store, written the way many tutorials (and the design card this project started from)
-- write it. It looks fine in a demo with one user. The lab runs it through the conformance suite to show
-- what it gets wrong under real concurrency. Do not copy it; read ../schema.sql instead.

CREATE SCHEMA IF NOT EXISTS naive_event_store;

CREATE TABLE IF NOT EXISTS naive_event_store.events (
  -- PITFALL: a BIGSERIAL is drawn at insert time, not at commit time. Readers that remember
  -- "the last position I saw" skip every event whose transaction commits after a later position.
  position     BIGSERIAL PRIMARY KEY,
  event_id     uuid   NOT NULL,          -- PITFALL(append.idempotent): not unique, so retries store duplicates
  stream_id    text   NOT NULL,
  version      bigint NOT NULL,
  type         text   NOT NULL,
  data         jsonb  NOT NULL,
  metadata     jsonb  NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  -- The only thing standing between two racing writers: it turns the race into a raw 23505 error.
  UNIQUE (stream_id, version)
);

CREATE TABLE IF NOT EXISTS naive_event_store.checkpoints (
  subscriber_id text PRIMARY KEY,
  position      numeric(40,0) NOT NULL
);

CREATE TABLE IF NOT EXISTS naive_event_store.snapshots (
  stream_id      text    PRIMARY KEY,
  stream_version bigint  NOT NULL,
  schema_version integer NOT NULL,
  state          jsonb   NOT NULL
);
