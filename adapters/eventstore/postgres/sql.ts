import type { EventFilter, RecordedEvent } from '../../../core/eventstore/index.js';

/** The channel appends notify after they commit; subscriptions LISTEN on it. */
export const CHANGES_CHANNEL = 'modera_events';

export const APPEND_BATCH_SQL =
  'SELECT append_index, outcome, stream_revision, last_position ' +
  'FROM append_events_batch($1::text[], $2::bigint[], $3::int[], $4::uuid[], $5::text[], $6::json[], $7::json[])';

export const REPLAY_SQL =
  'SELECT outcome, stream_revision, last_position FROM append_events_replay($1, $2, $3::uuid[])';

export const NOTIFY_SQL = `SELECT pg_notify('${CHANGES_CHANNEL}', '')`;

export const LISTEN_SQL = `LISTEN ${CHANGES_CHANNEL}`;

export interface AppendRow {
  outcome: 'ok' | 'replay' | 'conflict';
  stream_revision: number | string | null;
  last_position: number | string | null;
}

export interface AppendBatchRow extends AppendRow {
  /** 1-based index of the append in the batch. */
  append_index: number;
}

/**
 * An event as read, one array per row (pg's rowMode 'array': no intermediate object per row).
 * recorded_at comes as UTC text, "YYYY-MM-DD HH:MM:SS[.ffffff]": turning that into ISO 8601 by
 * slicing costs a fraction of parsing a timestamptz into a Date and formatting it again, which
 * dominated readAll's CPU time.
 */
export type EventRow = [
  position: number | string,
  id: string,
  stream: string,
  revision: number | string,
  type: string,
  data: unknown,
  metadata: RecordedEvent['metadata'],
  recordedAtUtc: string,
];

const COLUMNS =
  "e.position, e.id, e.stream, e.revision, e.type, e.data, e.metadata, (e.recorded_at AT TIME ZONE 'UTC')::text";
const UTC_TEXT = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})?$/;

/** "2025-01-02 03:04:05.123456" (UTC) → "2025-01-02T03:04:05.123Z", like Date#toISOString. */
export const isoFromUtcText = (text: string): string => {
  if (!UTC_TEXT.test(text)) {
    // Another shape: the slow, general path, which still needs the server's DateStyle to be ISO
    // (PostgreSQL's default, and Supabase's).
    const parsed = new Date(`${text.replace(' ', 'T')}Z`);
    if (Number.isNaN(parsed.getTime()))
      throw new Error(`event store: unreadable recorded_at "${text}": set DateStyle to ISO`);
    return parsed.toISOString();
  }
  const millis = text.length > 20 ? text.slice(20, 23).padEnd(3, '0') : '000';
  return `${text.slice(0, 10)}T${text.slice(11, 19)}.${millis}Z`;
};

// int8 arrives as a string unless the process installed a parser (adapters/postgres/pool.ts does):
// Number() accepts both.
export const toRecordedEvent = (row: EventRow): RecordedEvent => ({
  id: row[1],
  type: row[4],
  data: row[5],
  metadata: row[6],
  stream: row[2],
  revision: Number(row[3]),
  position: Number(row[0]),
  recordedAt: isoFromUtcText(row[7]),
});

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
      SELECT b.*, h.head FROM
        (SELECT coalesce((SELECT e.position FROM events e WHERE e.transaction_id < (SELECT xmin FROM horizon)
           ORDER BY e.position DESC LIMIT 1), 0) AS head) h
        LEFT JOIN batch b ON true
      ORDER BY b.position`,
    values,
  };
};
