-- Poison events never stop the world (issue 13). A projector that meets an event it cannot
-- apply quarantines that event's stream here and goes on with every other stream. Events of a
-- quarantined stream at or after `from_position` are held back (not applied out of order) until
-- `modera projections repair --stream` applies them and deletes the row.
CREATE TABLE projection_quarantine (
  projection     text NOT NULL,
  stream         text NOT NULL,
  -- The first event not applied: the one that failed. Every later event of the stream waits.
  from_position  bigint NOT NULL CHECK (from_position > 0),
  event_id       text NOT NULL,
  event_type     text NOT NULL,
  reason         text NOT NULL,
  quarantined_at timestamptz NOT NULL DEFAULT now(),
  -- The last repair attempt that failed, and why (NULL until one fails).
  repair_failed_at timestamptz,
  PRIMARY KEY (projection, stream)
);

-- Reads look a user up by stream ("is account-42 quarantined?") whatever the projection.
CREATE INDEX projection_quarantine_stream ON projection_quarantine (stream);

-- Like projection_checkpoints: operational state, invisible to every role but the owner.
ALTER TABLE projection_quarantine ENABLE ROW LEVEL SECURITY;
