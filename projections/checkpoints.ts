import type pg from 'pg';
import { CheckpointMoved } from './errors.js';

/**
 * The rows of `projection_checkpoints` (schema/003_read_tables.sql). Lock order, which every
 * writer of a projection's tables follows so they never deadlock: the checkpoint row first, the
 * read rows after. A projector batch takes it by moving its checkpoint (compare-and-set) before
 * it writes a row; a rebuild's swap and a repair take it with `lockCheckpoint`.
 */

export interface Checkpoint {
  name: string;
  position: number;
  updatedAt: string;
  lastError: string | null;
}

/** The name of the checkpoint a rebuild keeps for its shadow tables. */
export const rebuildCheckpointName = (projection: string): string => `${projection}__rebuild`;

export const ensureCheckpoint = async (db: pg.ClientBase | pg.Pool, name: string): Promise<void> => {
  await db.query('INSERT INTO projection_checkpoints (name) VALUES ($1) ON CONFLICT (name) DO NOTHING', [name]);
};

export const readCheckpoint = async (db: pg.ClientBase | pg.Pool, name: string): Promise<Checkpoint | undefined> => {
  const { rows } = await db.query<{ name: string; position: number; updated_at: Date; last_error: string | null }>(
    'SELECT name, position, updated_at, last_error FROM projection_checkpoints WHERE name = $1',
    [name],
  );
  const row = rows[0];
  return (
    row && {
      name: row.name,
      position: Number(row.position),
      updatedAt: row.updated_at.toISOString(),
      lastError: row.last_error,
    }
  );
};

/** Every checkpoint, rebuilds' included. */
export const readCheckpoints = async (db: pg.ClientBase | pg.Pool): Promise<Checkpoint[]> => {
  const { rows } = await db.query<{ name: string; position: number; updated_at: Date; last_error: string | null }>(
    'SELECT name, position, updated_at, last_error FROM projection_checkpoints ORDER BY name',
  );
  return rows.map((row) => ({
    name: row.name,
    position: Number(row.position),
    updatedAt: row.updated_at.toISOString(),
    lastError: row.last_error,
  }));
};

/**
 * Moves the checkpoint from `from` to `to` inside the caller's transaction, holding its row until
 * commit. Throws `CheckpointMoved` when the row is not at `from` (someone else moved it): the
 * fence that keeps a batch from being applied twice, even by an instance that lost its lock and
 * does not know it yet.
 */
export const advanceCheckpoint = async (
  client: pg.ClientBase,
  name: string,
  from: number,
  to: number,
): Promise<void> => {
  const result = await client.query(
    'UPDATE projection_checkpoints SET position = $3, updated_at = now(), last_error = NULL, failed_at = NULL ' +
      'WHERE name = $1 AND position = $2',
    [name, from, to],
  );
  if (result.rowCount !== 1) throw new CheckpointMoved(name, from);
};

/** Takes the checkpoint row for the rest of the transaction: projector batches wait behind it. */
export const lockCheckpoint = async (client: pg.ClientBase, name: string): Promise<number> => {
  await ensureCheckpoint(client, name);
  const { rows } = await client.query<{ position: number }>(
    'SELECT position FROM projection_checkpoints WHERE name = $1 FOR UPDATE',
    [name],
  );
  return Number(rows[0]!.position);
};

export const setCheckpoint = async (client: pg.ClientBase, name: string, position: number): Promise<void> => {
  await client.query(
    `INSERT INTO projection_checkpoints (name, position) VALUES ($1, $2)
     ON CONFLICT (name) DO UPDATE SET position = EXCLUDED.position, updated_at = now(), last_error = NULL,
     failed_at = NULL`,
    [name, position],
  );
};

export const recordFailure = async (db: pg.ClientBase | pg.Pool, name: string, message: string): Promise<void> => {
  await db.query('UPDATE projection_checkpoints SET last_error = $2, failed_at = now() WHERE name = $1', [
    name,
    message,
  ]);
};
