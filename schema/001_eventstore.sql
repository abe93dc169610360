-- The event store: one row per event in `events`, one row per stream in `streams`.
--
-- Global order without skipped late commits
-- ----------------------------------------
-- A sequence hands out global positions when an append runs, but transactions commit in any
-- order: a reader that saw position 11 committed while 10 was still in flight would move its
-- checkpoint past 10 and never see it. The fix used here (the same family as Marten and Emmett:
-- compare each row's writer transaction id with the oldest running transaction) plus one rule
-- that makes position order equal delivery order:
--
--   1. Every append takes its transaction id and its positions together inside a short mutex
--      (a session advisory lock released before the insert, so commits still run in parallel and
--      group-commit their WAL flush). Hence, for two appends A and B:
--        xid(A) < xid(B)  <=>  every position of A < every position of B.
--      The mutex only covers xid assignment and nextval: microseconds, no IO.
--   2. Readers only return rows whose transaction_id < pg_snapshot_xmin(pg_current_snapshot()),
--      ordered by position. Every transaction below xmin has ended, so such a row is committed
--      and visible, and so is every committed row with a lower position (lower position => lower
--      xid => also below xmin). A transaction still running, or one that gets its xid later, has
--      an xid >= xmin, so by (1) all its positions are above every row returned.
--   So the rows a reader gets are always a prefix of the final log in position order: a row is
--   never delivered after a higher-positioned one, and a checkpoint never passes an event that
--   commits later. A long-running transaction anywhere in the cluster delays delivery (it holds
--   xmin back); it never causes a skip. The fallback poll of subscriptions covers that wait.
--
-- Rule (1) needs the transaction id to be assigned inside the mutex, so append_events refuses to
-- run in a transaction that has already written, and must run at most once per transaction.
-- The sequence must keep CACHE 1: a per-backend cache would hand out positions out of mutex order.
--
-- Restoring with pg_dump into another cluster brings rows whose transaction ids belong to the old
-- cluster. append_events detects it and refuses to write; after such a restore, with no writer
-- running, mark the restored rows as long committed: UPDATE events SET transaction_id = '1';

CREATE SEQUENCE event_position_seq AS bigint START 1 CACHE 1;

-- The current revision of each stream: appends compare-and-set it, which serialises writers of
-- one stream (a second writer waits for the first one's commit, then sees the new revision).
CREATE TABLE streams (
  stream   text PRIMARY KEY,
  revision bigint NOT NULL CHECK (revision >= 0)
);

CREATE TABLE events (
  position       bigint PRIMARY KEY,
  id             uuid NOT NULL,
  stream         text NOT NULL,
  revision       bigint NOT NULL,
  category       text NOT NULL GENERATED ALWAYS AS (split_part(stream, '-', 1)) STORED,
  type           text NOT NULL,
  -- json, not jsonb: the exact bytes the writer serialised, cheaper to write and to read back.
  data           json NOT NULL,
  metadata       json NOT NULL,
  -- The append transaction's time: it starts and commits within one append_events call.
  recorded_at    timestamptz NOT NULL DEFAULT now(),
  transaction_id xid8 NOT NULL,
  CONSTRAINT events_id_unique UNIQUE (id),
  CONSTRAINT events_stream_revision_unique UNIQUE (stream, revision)
);

CREATE INDEX events_category_position ON events (category, position);

-- The replay of an append whose events already landed: the same ids at the slot the expected
-- revision points to (for 'exists', wherever the first id is in this stream).
-- p_expected: a revision >= 0, -1 for 'no_stream', -2 for 'exists'.
CREATE FUNCTION append_events_replay(p_stream text, p_expected bigint, p_ids uuid[],
  OUT outcome text, OUT stream_revision bigint, OUT last_position bigint)
LANGUAGE plpgsql STABLE AS $$
DECLARE
  v_slot bigint;
  v_ids uuid[];
  v_revision bigint;
  v_position bigint;
BEGIN
  IF p_expected = -2 THEN
    SELECT e.revision INTO v_slot FROM events e WHERE e.id = p_ids[1] AND e.stream = p_stream;
  ELSE
    v_slot := p_expected + 1;
  END IF;
  IF v_slot IS NOT NULL THEN
    SELECT array_agg(e.id ORDER BY e.revision), max(e.revision), max(e.position)
      INTO v_ids, v_revision, v_position
      FROM events e
     WHERE e.stream = p_stream AND e.revision >= v_slot AND e.revision < v_slot + cardinality(p_ids);
    IF v_ids = p_ids THEN
      outcome := 'replay';
      stream_revision := v_revision;
      last_position := v_position;
      RETURN;
    END IF;
  END IF;
  outcome := 'conflict';
  SELECT s.revision INTO stream_revision FROM streams s WHERE s.stream = p_stream;
END;
$$;

-- One append in one round trip: take xid and positions under the mutex, compare-and-set the
-- stream's revision, insert the events. Outcomes: 'ok' (written), 'replay' (these events were
-- already written at this slot: the original result), 'conflict' (stream_revision = actual,
-- NULL for no stream). A reused event id elsewhere raises unique_violation on events_id_unique.
CREATE FUNCTION append_events(
  p_stream text, p_expected bigint, p_ids uuid[], p_types text[], p_data json[], p_metadata json[],
  OUT outcome text, OUT stream_revision bigint, OUT last_position bigint)
LANGUAGE plpgsql AS $$
DECLARE
  c_position_mutex CONSTANT bigint := 7246100;
  v_count int := cardinality(p_ids);
  v_xid xid8;
  v_first_position bigint;
  v_first_revision bigint;
  v_previous_xid xid8;
BEGIN
  IF pg_current_xact_id_if_assigned() IS NOT NULL THEN
    RAISE EXCEPTION 'append_events must run in its own transaction, before any other write'
      USING ERRCODE = 'MD001';
  END IF;
  BEGIN
    PERFORM pg_advisory_lock(c_position_mutex);
    v_xid := pg_current_xact_id();
    v_first_position := nextval('event_position_seq');
    IF v_count > 1 THEN
      PERFORM setval('event_position_seq', v_first_position + v_count - 1);
    END IF;
    PERFORM pg_advisory_unlock(c_position_mutex);
  EXCEPTION WHEN query_canceled OR others THEN
    -- A session lock outlives the transaction: never leave it held (a cancel, a timeout).
    PERFORM pg_advisory_unlock(c_position_mutex);
    RAISE;
  END;

  -- Rule (1) must hold for the rows below us, or readers could skip (see the top of the file).
  SELECT e.transaction_id INTO v_previous_xid
    FROM events e WHERE e.position < v_first_position ORDER BY e.position DESC LIMIT 1;
  IF v_previous_xid >= v_xid THEN
    RAISE EXCEPTION 'event store transaction ids went backwards (position %, xid % >= %): restored into another cluster?',
      v_first_position, v_previous_xid, v_xid USING ERRCODE = 'MD002';
  END IF;

  IF p_expected = -1 THEN
    INSERT INTO streams AS s (stream, revision) VALUES (p_stream, v_count - 1)
      ON CONFLICT (stream) DO NOTHING
      RETURNING 0 INTO v_first_revision;
  ELSIF p_expected = -2 THEN
    UPDATE streams s SET revision = s.revision + v_count WHERE s.stream = p_stream
      RETURNING s.revision - v_count + 1 INTO v_first_revision;
  ELSE
    UPDATE streams s SET revision = s.revision + v_count WHERE s.stream = p_stream AND s.revision = p_expected
      RETURNING p_expected + 1 INTO v_first_revision;
  END IF;
  IF v_first_revision IS NULL THEN
    SELECT r.outcome, r.stream_revision, r.last_position INTO outcome, stream_revision, last_position
      FROM append_events_replay(p_stream, p_expected, p_ids) r;
    RETURN;
  END IF;

  INSERT INTO events (position, id, stream, revision, type, data, metadata, transaction_id)
  SELECT v_first_position + u.n - 1, u.id, p_stream, v_first_revision + u.n - 1, u.type, u.data, u.metadata, v_xid
    FROM unnest(p_ids, p_types, p_data, p_metadata) WITH ORDINALITY AS u(id, type, data, metadata, n);
  outcome := 'ok';
  stream_revision := v_first_revision + v_count - 1;
  last_position := v_first_position + v_count - 1;
END;
$$;
