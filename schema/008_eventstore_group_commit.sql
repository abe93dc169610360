-- Group commit: many appends, to any streams, in one transaction and one round trip.
--
-- Each append keeps its own outcome ('ok', 'replay', 'conflict', as in append_events): a
-- conflict of one does not stop the others. They share one transaction id and one run of
-- positions, taken under the position mutex of 001 once for the whole batch, so rule (1) of
-- 001 holds unchanged (one transaction = one xid = one contiguous run of positions). Positions
-- of appends that end in a conflict or a replay are not used: the log has a gap there, as it
-- has after a rolled-back append.
--
-- Appends are written in the order of their stream names (bytewise), then in the order given:
-- every batch takes its stream row locks in that one order, so two batches with streams in
-- common wait for each other instead of deadlocking. Appends to one stream keep their order.
--
-- Anything that raises (a reused event id on another stream, a cancel) rolls back the whole
-- batch; the caller then runs its appends one by one to give each its own answer.
--
-- Layout: append k (1-based) is stream p_streams[k] with expected p_expected[k] (a revision,
-- -1 'no_stream', -2 'exists') and its p_counts[k] events next in p_ids/p_types/p_data/p_metadata.

CREATE FUNCTION append_events_batch(
  p_streams text[], p_expected bigint[], p_counts int[],
  p_ids uuid[], p_types text[], p_data json[], p_metadata json[])
RETURNS TABLE (append_index int, outcome text, stream_revision bigint, last_position bigint)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
  c_position_mutex CONSTANT bigint := 7246100;
  v_appends int := coalesce(cardinality(p_streams), 0);
  v_total int := coalesce(cardinality(p_ids), 0);
  v_starts int[];
  v_xid xid8;
  v_position bigint;
  v_previous_xid xid8;
  v_k int;
  v_from int;
  v_to int;
  v_count int;
  v_stream text;
  v_expected bigint;
  v_first_revision bigint;
BEGIN
  IF v_appends = 0 OR coalesce(cardinality(p_expected), 0) <> v_appends OR coalesce(cardinality(p_counts), 0) <> v_appends
     OR (SELECT sum(c) FROM unnest(p_counts) c) <> v_total OR EXISTS (SELECT FROM unnest(p_counts) c WHERE c IS NULL OR c < 1)
     OR coalesce(cardinality(p_types), 0) <> v_total OR coalesce(cardinality(p_data), 0) <> v_total
     OR coalesce(cardinality(p_metadata), 0) <> v_total THEN
    RAISE EXCEPTION 'append_events_batch: the arrays do not describe % appends of % events', v_appends, v_total
      USING ERRCODE = 'MD003';
  END IF;
  IF pg_current_xact_id_if_assigned() IS NOT NULL THEN
    RAISE EXCEPTION 'append_events must run in its own transaction, before any other write'
      USING ERRCODE = 'MD001';
  END IF;
  BEGIN
    PERFORM pg_advisory_lock(c_position_mutex);
    v_xid := pg_current_xact_id();
    v_position := nextval('event_position_seq');
    IF v_total > 1 THEN
      PERFORM setval('event_position_seq', v_position + v_total - 1);
    END IF;
    PERFORM pg_advisory_unlock(c_position_mutex);
  EXCEPTION WHEN query_canceled OR others THEN
    -- A session lock outlives the transaction: never leave it held (a cancel, a timeout).
    PERFORM pg_advisory_unlock(c_position_mutex);
    RAISE;
  END;

  -- Rule (1) of 001 must hold for the rows below us, or readers could skip.
  SELECT e.transaction_id INTO v_previous_xid
    FROM events e WHERE e.position < v_position ORDER BY e.position DESC LIMIT 1;
  IF v_previous_xid >= v_xid THEN
    RAISE EXCEPTION 'event store transaction ids went backwards (position %, xid % >= %): restored into another cluster?',
      v_position, v_previous_xid, v_xid USING ERRCODE = 'MD002';
  END IF;

  -- Where each append's events start in the flat arrays.
  SELECT array_agg(s.start ORDER BY s.k) INTO v_starts
    FROM (SELECT u.k, 1 + coalesce(sum(u.c) OVER (ORDER BY u.k ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS start
            FROM unnest(p_counts) WITH ORDINALITY AS u(c, k)) s;

  FOR v_k IN SELECT u.k FROM unnest(p_streams) WITH ORDINALITY AS u(stream, k) ORDER BY u.stream COLLATE "C", u.k LOOP
    v_stream := p_streams[v_k];
    v_expected := p_expected[v_k];
    v_count := p_counts[v_k];
    v_from := v_starts[v_k];
    v_to := v_from + v_count - 1;
    v_first_revision := NULL;
    IF v_expected = -1 THEN
      INSERT INTO streams AS s (stream, revision) VALUES (v_stream, v_count - 1)
        ON CONFLICT (stream) DO NOTHING
        RETURNING 0 INTO v_first_revision;
    ELSIF v_expected = -2 THEN
      UPDATE streams s SET revision = s.revision + v_count WHERE s.stream = v_stream
        RETURNING s.revision - v_count + 1 INTO v_first_revision;
    ELSIF v_expected >= 0 THEN
      UPDATE streams s SET revision = s.revision + v_count WHERE s.stream = v_stream AND s.revision = v_expected
        RETURNING v_expected + 1 INTO v_first_revision;
    ELSE
      RAISE EXCEPTION 'append_events_batch: expected revision % of % is not -2, -1 or >= 0', v_expected, v_stream
        USING ERRCODE = 'MD003';
    END IF;
    append_index := v_k;
    IF v_first_revision IS NULL THEN
      SELECT r.outcome, r.stream_revision, r.last_position INTO outcome, stream_revision, last_position
        FROM append_events_replay(v_stream, v_expected, p_ids[v_from:v_to]) r;
    ELSE
      INSERT INTO events (position, id, stream, revision, type, data, metadata, transaction_id)
      SELECT v_position + u.n - 1, u.id, v_stream, v_first_revision + u.n - 1, u.type, u.data, u.metadata, v_xid
        FROM unnest(p_ids[v_from:v_to], p_types[v_from:v_to], p_data[v_from:v_to], p_metadata[v_from:v_to])
             WITH ORDINALITY AS u(id, type, data, metadata, n);
      outcome := 'ok';
      stream_revision := v_first_revision + v_count - 1;
      last_position := v_position + v_count - 1;
      v_position := v_position + v_count;
    END IF;
    RETURN NEXT;
  END LOOP;
END;
$$;

-- The single append of 001 becomes a batch of one: one implementation of the write path.
CREATE OR REPLACE FUNCTION append_events(
  p_stream text, p_expected bigint, p_ids uuid[], p_types text[], p_data json[], p_metadata json[],
  OUT outcome text, OUT stream_revision bigint, OUT last_position bigint)
LANGUAGE sql AS $$
  SELECT b.outcome, b.stream_revision, b.last_position
    FROM append_events_batch(ARRAY[p_stream], ARRAY[p_expected], ARRAY[cardinality(p_ids)], p_ids, p_types, p_data, p_metadata) b;
$$;
