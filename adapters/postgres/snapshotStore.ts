import { createHash } from 'node:crypto';
import type pg from 'pg';
import { SNAPSHOT_LOAD_MAX_KEYS, type Snapshot, type SnapshotEntry, type SnapshotStore } from '../../core/eventstore/index.js';

// Core and the asked-for entries in one statement: one round trip, and one MVCC snapshot, so the
// entries read are never newer than the core read with them.
const LOAD_SQL = `
SELECT s.version, s.revision, s.position, s.core::text AS core,
       (SELECT coalesce(json_agg(json_build_object('key', e.key, 'revision', e.revision, 'value', e.value)), '[]'::json)::text
          FROM stream_snapshot_entries e
         WHERE e.stream = s.stream AND e.key = ANY($3::text[])) AS entries
  FROM stream_snapshots s
 WHERE s.stream = $1 AND s.version = $2`;

const SAVE_SQL = 'SELECT save_stream_snapshot($1, $2, $3, $4, $5, $6, $7, $8)';

interface LoadRow {
  version: string;
  revision: number | string;
  position: number | string;
  core: string;
  entries: string;
}

const statementName = (text: string): string => `modera_snap_${createHash('sha1').update(text).digest('hex').slice(0, 16)}`;

/** The SnapshotStore port on PostgreSQL (tables and function: schema/002_ledger_snapshots.sql). */
export class PostgresSnapshotStore implements SnapshotStore {
  constructor(private readonly pool: pg.Pool) {}

  /** The stream's snapshot of this version with the named entries, in one round trip. */
  async load(stream: string, version: string, keys: readonly string[]): Promise<Snapshot | undefined> {
    if (keys.length > SNAPSHOT_LOAD_MAX_KEYS) throw new RangeError(`at most ${SNAPSHOT_LOAD_MAX_KEYS} keys per load`);
    const { rows } = await this.pool.query<LoadRow>({ name: statementName(LOAD_SQL), text: LOAD_SQL, values: [stream, version, [...keys]] });
    const row = rows[0];
    if (!row) return undefined;
    return {
      version: row.version,
      revision: Number(row.revision),
      position: Number(row.position),
      core: JSON.parse(row.core) as unknown,
      entries: JSON.parse(row.entries) as SnapshotEntry[],
    };
  }

  /** Saves core and entries in one transaction; never moves either backwards. */
  async save(stream: string, snapshot: Snapshot): Promise<void> {
    const { entries } = snapshot;
    await this.pool.query({
      name: statementName(SAVE_SQL),
      text: SAVE_SQL,
      values: [
        stream, snapshot.version, snapshot.revision, snapshot.position, JSON.stringify(snapshot.core),
        entries.map((e) => e.key), entries.map((e) => e.revision), entries.map((e) => JSON.stringify(e.value)),
      ],
    });
  }
}
