-- Snapshots of streams for command handling (core/eventstore/snapshotStore.ts): what keeps the
-- cost of a command on an account with 100k events the same as on a new one.
--
-- A snapshot is a cache of the stream, never the truth: dropping these tables costs time only.
-- `stream_snapshots` holds the bounded core of each stream (sums, open holds) at `revision`;
-- `stream_snapshot_entries` holds the part that grows with history (the idempotency index: one row
-- per paymentId, grantId, reservationId, adjustmentId ever used), read by primary key only for
-- the ids a command names.

CREATE TABLE stream_snapshots (
  stream   text PRIMARY KEY,
  -- Shape of core and entries; a snapshot of another version is ignored by the reader.
  version  text NOT NULL,
  revision bigint NOT NULL CHECK (revision >= 0),
  position bigint NOT NULL CHECK (position >= 0),
  -- json, not jsonb: written as serialised, read back whole.
  core     json NOT NULL,
  saved_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE stream_snapshot_entries (
  stream   text NOT NULL,
  key      text NOT NULL,
  -- Revision of the event that last wrote the entry: an older save never overwrites a newer one.
  revision bigint NOT NULL CHECK (revision >= 0),
  value    json NOT NULL,
  PRIMARY KEY (stream, key)
);

-- One save in one round trip and one transaction. The core row is written first: its row lock
-- serialises concurrent savers of one stream, and entries are upserted in key order, so two
-- savers never deadlock. Rules: the core only moves forward; an entry only moves forward; a new
-- version drops the stream's old core and entries first.
CREATE FUNCTION save_stream_snapshot(
  p_stream text, p_version text, p_revision bigint, p_position bigint, p_core json,
  p_keys text[], p_revisions bigint[], p_values json[])
RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  v_version text;
BEGIN
  SELECT s.version INTO v_version FROM stream_snapshots s WHERE s.stream = p_stream FOR UPDATE;
  IF v_version IS NOT NULL AND v_version <> p_version THEN
    DELETE FROM stream_snapshot_entries e WHERE e.stream = p_stream;
    DELETE FROM stream_snapshots s WHERE s.stream = p_stream;
  END IF;

  INSERT INTO stream_snapshots AS s (stream, version, revision, position, core)
  VALUES (p_stream, p_version, p_revision, p_position, p_core)
  ON CONFLICT (stream) DO UPDATE
    SET revision = excluded.revision, position = excluded.position, core = excluded.core, saved_at = now()
    WHERE excluded.revision > s.revision;

  INSERT INTO stream_snapshot_entries AS e (stream, key, revision, value)
  SELECT DISTINCT ON (u.key) p_stream, u.key, u.revision, u.value
    FROM unnest(p_keys, p_revisions, p_values) AS u(key, revision, value)
   ORDER BY u.key, u.revision DESC
  ON CONFLICT (stream, key) DO UPDATE
    SET revision = excluded.revision, value = excluded.value
    WHERE excluded.revision > e.revision;
END;
$$;
