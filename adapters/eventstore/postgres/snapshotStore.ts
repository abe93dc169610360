import { createHash } from 'node:crypto';
import type pg from 'pg';
import { toRecordedEvent, type EventRow } from './sql.js';
import {
  SNAPSHOT_LOAD_MAX_KEYS,
  type Snapshot,
  type SnapshotEntry,
  type SnapshotStore,
  type SnapshotWithTail,
} from '../../../core/eventstore/index.js';

// Core and the asked-for entries in one statement: one round trip, and one MVCC snapshot, so the
// entries read are never newer than the core read with them.
const LOAD_SQL = `
SELECT s.version, s.revision, s.position, s.core::text AS core,
       (SELECT coalesce(json_agg(json_build_object('key', e.key, 'revision', e.revision, 'value', e.value)),
                        '[]'::json)::text
          FROM stream_snapshot_entries e
         WHERE e.stream = s.stream AND e.key = ANY($3::text[])) AS entries
  FROM stream_snapshots s
 WHERE s.stream = $1 AND s.version = $2`;

// The same, plus the stream's events after the snapshot (schema/001's events table, read the way
// PostgresEventStore.readStream reads it), in one statement. Always one row.
const LOAD_WITH_TAIL_SQL = `
WITH s AS (SELECT * FROM stream_snapshots WHERE stream = $1 AND version = $2)
SELECT s.version, s.revision, s.position, s.core::text AS core,
       (SELECT coalesce(json_agg(json_build_object('key', e.key, 'revision', e.revision, 'value', e.value)),
                        '[]'::json)::text
          FROM stream_snapshot_entries e
         WHERE s.stream IS NOT NULL AND e.stream = $1 AND e.key = ANY($3::text[])) AS entries,
       (SELECT coalesce(json_agg(json_build_array(t.position, t.id, t.stream, t.revision, t.type, t.data, t.metadata,
                                                  (t.recorded_at AT TIME ZONE 'UTC')::text) ORDER BY t.revision),
                        '[]'::json)::text
          FROM (SELECT * FROM events e
                 WHERE e.stream = $1 AND e.revision > coalesce((SELECT revision FROM s), -1)
                 ORDER BY e.revision LIMIT $4) t) AS tail
  FROM (SELECT 1) AS one LEFT JOIN s ON true`;

// A snapshot is derived from events already committed: losing one in a crash only makes the next
// load fold a longer tail. So its commit does not wait for the WAL flush (synchronous_commit off
// for this transaction only); WAL order still puts it after the events it was made from.
const SAVE_SQL =
  "SELECT set_config('synchronous_commit', 'off', true), save_stream_snapshot($1, $2, $3, $4, $5, $6, $7, $8)";

interface LoadRow {
  version: string | null;
  revision: number | string | null;
  position: number | string | null;
  core: string | null;
  entries: string;
  tail?: string;
}

const statementName = (text: string): string =>
  `modera_snap_${createHash('sha1').update(text).digest('hex').slice(0, 16)}`;

const snapshotOf = (row: LoadRow | undefined): Snapshot | undefined =>
  row && row.version !== null && row.core !== null
    ? {
        version: row.version,
        revision: Number(row.revision),
        position: Number(row.position),
        core: JSON.parse(row.core) as unknown,
        entries: JSON.parse(row.entries) as SnapshotEntry[],
      }
    : undefined;

export interface PostgresSnapshotStoreOptions {
  /**
   * The events live in this same database (PostgresEventStore on the same pool's database): then
   * `loadWithTail` reads the snapshot and the events after it in one round trip. Leave it off when
   * events are kept elsewhere (KurrentDB).
   */
  eventsInSameDatabase?: boolean;
}

/** The SnapshotStore port on PostgreSQL (tables and function: schema/002_ledger_snapshots.sql). */
export class PostgresSnapshotStore implements SnapshotStore {
  readonly loadWithTail?: (
    stream: string,
    version: string,
    keys: readonly string[],
    maxTail: number,
  ) => Promise<SnapshotWithTail>;

  constructor(
    private readonly pool: pg.Pool,
    options: PostgresSnapshotStoreOptions = {},
  ) {
    if (options.eventsInSameDatabase) this.loadWithTail = (...args) => this.snapshotAndTail(...args);
  }

  /** The stream's snapshot of this version with the named entries, in one round trip. */
  async load(stream: string, version: string, keys: readonly string[]): Promise<Snapshot | undefined> {
    if (keys.length > SNAPSHOT_LOAD_MAX_KEYS) throw new RangeError(`at most ${SNAPSHOT_LOAD_MAX_KEYS} keys per load`);
    const { rows } = await this.pool.query<LoadRow>({
      name: statementName(LOAD_SQL),
      text: LOAD_SQL,
      values: [stream, version, [...keys]],
    });
    return snapshotOf(rows[0]);
  }

  /** Saves core and entries in one transaction; never moves either backwards. */
  async save(stream: string, snapshot: Snapshot): Promise<void> {
    const { entries } = snapshot;
    await this.pool.query({
      name: statementName(SAVE_SQL),
      text: SAVE_SQL,
      values: [
        stream,
        snapshot.version,
        snapshot.revision,
        snapshot.position,
        JSON.stringify(snapshot.core),
        entries.map((e) => e.key),
        entries.map((e) => e.revision),
        entries.map((e) => JSON.stringify(e.value)),
      ],
    });
  }

  private async snapshotAndTail(
    stream: string,
    version: string,
    keys: readonly string[],
    maxTail: number,
  ): Promise<SnapshotWithTail> {
    if (keys.length > SNAPSHOT_LOAD_MAX_KEYS) throw new RangeError(`at most ${SNAPSHOT_LOAD_MAX_KEYS} keys per load`);
    const { rows } = await this.pool.query<LoadRow>({
      name: statementName(LOAD_WITH_TAIL_SQL),
      text: LOAD_WITH_TAIL_SQL,
      values: [stream, version, [...keys], maxTail],
    });
    const row = rows[0];
    return {
      snapshot: snapshotOf(row),
      tail: row?.tail ? (JSON.parse(row.tail) as EventRow[]).map(toRecordedEvent) : [],
    };
  }
}
