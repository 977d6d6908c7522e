-- Reference solution after step 01. The checker runs this file in a fresh schema (search_path is set).

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
