-- Reference solution after step 03. The checker runs this file in a fresh schema (search_path is set).

-- One row per stream with the version of its last event. Its conditional UPDATE/INSERT is the optimistic
-- concurrency check; the row lock makes a racing writer of the same stream wait, then re-check.
CREATE TABLE streams (
  stream_id text   PRIMARY KEY,
  version   bigint NOT NULL CHECK (version >= 0)
);

CREATE TABLE events (
  -- A sequence: unique and increasing in INSERT order (step 05 shows why that is not commit order).
  position       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  event_id       uuid   NOT NULL,
  stream_id      text   NOT NULL,
  stream_version bigint NOT NULL CHECK (stream_version >= 0),
  type           text   NOT NULL,
  data           jsonb  NOT NULL,
  recorded_at    timestamptz NOT NULL DEFAULT now(),
  -- One event per stream version, and the index that makes reading one stream an index range scan.
  UNIQUE (stream_id, stream_version)
);
