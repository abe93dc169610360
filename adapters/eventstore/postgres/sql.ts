import type { EventFilter, RecordedEvent } from '../../../core/eventstore/index.js';

/** The channel appends notify after they commit; subscriptions LISTEN on it. */
export const CHANGES_CHANNEL = 'modera_events';

export const APPEND_SQL =
  'SELECT outcome, stream_revision, last_position FROM append_events($1, $2, $3::uuid[], $4::text[], $5::json[], $6::json[])';

export const REPLAY_SQL = 'SELECT outcome, stream_revision, last_position FROM append_events_replay($1, $2, $3::uuid[])';

export const NOTIFY_SQL = `SELECT pg_notify('${CHANGES_CHANNEL}', '')`;

export const LISTEN_SQL = `LISTEN ${CHANGES_CHANNEL}`;

export interface AppendRow {
  outcome: 'ok' | 'replay' | 'conflict';
  stream_revision: number | string | null;
  last_position: number | string | null;
}

export interface EventRow {
  position: number | string;
  id: string;
  stream: string;
  revision: number | string;
  type: string;
  data: unknown;
  metadata: RecordedEvent['metadata'];
  recorded_at: Date;
}

// int8 arrives as a string unless the process installed a parser (adapters/postgres/pool.ts does):
// Number() accepts both.
export const toRecordedEvent = (row: EventRow): RecordedEvent => ({
  id: row.id,
  type: row.type,
  data: row.data,
  metadata: row.metadata,
  stream: row.stream,
  revision: Number(row.revision),
  position: Number(row.position),
  recordedAt: row.recorded_at.toISOString(),
});

const COLUMNS = 'e.position, e.id, e.stream, e.revision, e.type, e.data, e.metadata, e.recorded_at';

// The late-commit rule (schema/001_eventstore.sql): only rows whose writer transaction ended
// before this statement's snapshot, i.e. below its xmin. As a sub-select it is an InitPlan:
// computed once per statement, from the same snapshot the scan uses.
const HORIZON = '(SELECT pg_snapshot_xmin(pg_current_snapshot()))';

export interface Query {
  text: string;
  values: unknown[];
}

export const readStreamQuery = (
  stream: string,
  direction: 'forwards' | 'backwards',
  fromRevision: number | undefined,
  limit: number,
): Query => {
  if (direction === 'backwards') {
    const from = fromRevision === undefined ? '' : 'AND e.revision <= $3';
    return {
      text: `SELECT ${COLUMNS} FROM events e WHERE e.stream = $1 ${from} ORDER BY e.revision DESC LIMIT $2`,
      values: fromRevision === undefined ? [stream, limit] : [stream, limit, fromRevision],
    };
  }
  return {
    text: `SELECT ${COLUMNS} FROM events e WHERE e.stream = $1 AND e.revision >= $3 ORDER BY e.revision LIMIT $2`,
    values: [stream, limit, fromRevision ?? 0],
  };
};

const filterClauses = (filter: EventFilter, values: unknown[]): string => {
  let clauses = '';
  if (filter.categories) {
    values.push([...filter.categories]);
    clauses += ` AND e.category = ANY($${values.length}::text[])`;
  }
  if (filter.eventTypes) {
    values.push([...filter.eventTypes]);
    clauses += ` AND e.type = ANY($${values.length}::text[])`;
  }
  return clauses;
};

/** Matching events after `after`, in position order, below the late-commit horizon. */
export const readAllQuery = (after: number, filter: EventFilter, limit: number): Query => {
  const values: unknown[] = [after, limit];
  const where = `e.position > $1 AND e.transaction_id < ${HORIZON}${filterClauses(filter, values)}`;
  return { text: `SELECT ${COLUMNS} FROM events e WHERE ${where} ORDER BY e.position LIMIT $2`, values };
};

/** The highest position below the horizon: everything at or below it is visible for good. */
export const HEAD_SQL = `SELECT coalesce((SELECT e.position FROM events e WHERE e.transaction_id < ${HORIZON}
  ORDER BY e.position DESC LIMIT 1), 0) AS head`;

/**
 * A batch and the head, from ONE snapshot: when the batch is not full, every matching event up to
 * the head was in it, so a filtered subscription may move its checkpoint to the head.
 */
export const readBatchQuery = (after: number, filter: EventFilter, limit: number): Query => {
  const values: unknown[] = [after, limit];
  const where = `e.position > $1 AND e.transaction_id < (SELECT xmin FROM horizon)${filterClauses(filter, values)}`;
  return {
    text: `WITH horizon AS MATERIALIZED (SELECT pg_snapshot_xmin(pg_current_snapshot()) AS xmin),
      batch AS (SELECT ${COLUMNS} FROM events e WHERE ${where} ORDER BY e.position LIMIT $2)
      SELECT h.head, b.* FROM
        (SELECT coalesce((SELECT e.position FROM events e WHERE e.transaction_id < (SELECT xmin FROM horizon)
           ORDER BY e.position DESC LIMIT 1), 0) AS head) h
        LEFT JOIN batch b ON true
      ORDER BY b.position`,
    values,
  };
};
