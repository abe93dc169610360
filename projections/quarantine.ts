import type pg from 'pg';
import { inTransaction } from './transaction.js';
import { READ_MAX_COUNT, type EventStore, type RecordedEvent } from '../core/eventstore/index.js';
import { lockCheckpoint } from './checkpoints.js';
import { liveTables, type Projection } from './types.js';

/**
 * Poison events never stop the world (one bad stream must not stall all read rows). An event
 * a projection cannot apply quarantines its stream (`projection_quarantine`, schema/009): the
 * projector goes on with every other stream, and holds back this stream's events from the failed
 * one on, so none is applied out of order. `repairStream` applies the held events once the cause
 * is fixed, and lifts the quarantine. A rebuild holds back and quarantines the same way, so both
 * paths agree.
 */

export interface QuarantinedStream {
  projection: string;
  stream: string;
  /** The first event not applied (the one that failed); later events of the stream wait too. */
  fromPosition: number;
  eventId: string;
  eventType: string;
  reason: string;
  quarantinedAt: string;
  repairFailedAt: string | null;
}

type Db = pg.ClientBase | pg.Pool;

interface Row {
  projection: string;
  stream: string;
  from_position: string;
  event_id: string;
  event_type: string;
  reason: string;
  quarantined_at: Date;
  repair_failed_at: Date | null;
}

const fromRow = (r: Row): QuarantinedStream => ({
  projection: r.projection,
  stream: r.stream,
  fromPosition: Number(r.from_position),
  eventId: r.event_id,
  eventType: r.event_type,
  reason: r.reason,
  quarantinedAt: r.quarantined_at.toISOString(),
  repairFailedAt: r.repair_failed_at?.toISOString() ?? null,
});

/** Every quarantined stream, or those of one projection, oldest first. */
export const readQuarantine = async (db: Db, projection?: string): Promise<QuarantinedStream[]> => {
  const { rows } = await db.query<Row>(
    `SELECT * FROM projection_quarantine WHERE $1::text IS NULL OR projection = $1 ORDER BY from_position, projection`,
    [projection ?? null],
  );
  return rows.map(fromRow);
};

/** The quarantine of a stream in any projection (a user's reads are refused while there is one). */
export const streamQuarantine = async (db: Db, stream: string): Promise<QuarantinedStream[]> => {
  const { rows } = await db.query<Row>('SELECT * FROM projection_quarantine WHERE stream = $1 ORDER BY projection', [
    stream,
  ]);
  return rows.map(fromRow);
};

/** Puts `event`'s stream in quarantine from that event on. A stream already there keeps its first failure. */
export const quarantineStream = async (
  db: Db,
  projection: string,
  event: RecordedEvent,
  reason: string,
): Promise<void> => {
  await db.query(
    `INSERT INTO projection_quarantine (projection, stream, from_position, event_id, event_type, reason)
     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (projection, stream) DO NOTHING`,
    [projection, event.stream, event.position, event.id, event.type, reason],
  );
};

/**
 * `events` without those held back: of a quarantined stream, at or after its failed event.
 * Read inside the batch's transaction, after its checkpoint row is taken, so a repair (which
 * takes that row first) is either wholly before or wholly after this batch.
 */
export const withoutHeld = async (
  db: Db,
  projection: string,
  events: readonly RecordedEvent[],
): Promise<readonly RecordedEvent[]> => {
  if (events.length === 0) return events;
  // The table holds a handful of rows (each one is an alert): reading them all beats sending the batch's streams.
  const { rows } = await db.query<{ stream: string; from_position: string }>(
    'SELECT stream, from_position FROM projection_quarantine WHERE projection = $1',
    [projection],
  );
  if (rows.length === 0) return events;
  const from = new Map(rows.map((r) => [r.stream, Number(r.from_position)]));
  return events.filter((e) => e.position < (from.get(e.stream) ?? Number.POSITIVE_INFINITY));
};

export type RepairResult =
  | { ok: true; stream: string; projection: string; appliedEvents: number }
  | { ok: false; stream: string; projection: string; reason: string };

const heldEvents = async (
  store: EventStore,
  projection: Projection,
  stream: string,
  from: number,
  until: number,
): Promise<RecordedEvent[]> => {
  const types = projection.filter.eventTypes;
  const held: RecordedEvent[] = [];
  for (let revision = 0; ;) {
    const page = await store.readStream(stream, { fromRevision: revision, maxCount: READ_MAX_COUNT });
    held.push(...page.filter((e) => e.position >= from && e.position <= until && (!types || types.includes(e.type))));
    if (page.length < READ_MAX_COUNT) return held;
    revision = page[page.length - 1]!.revision + 1;
  }
};

/**
 * Applies a quarantined stream's held events (up to the projector's checkpoint; it applies the
 * later ones itself once the row is gone) and lifts the quarantine, in one transaction that
 * holds the checkpoint row: the projector waits meanwhile. If an event still cannot be applied,
 * nothing changes but the row's reason and `repair_failed_at`.
 */
export const repairStream = async (
  store: EventStore,
  pool: pg.Pool,
  projection: Projection,
  stream: string,
): Promise<RepairResult> => {
  const name = projection.name;
  try {
    return await inTransaction(pool, async (client) => {
      const checkpoint = await lockCheckpoint(client, name);
      const { rows } = await client.query<Row>(
        'SELECT * FROM projection_quarantine WHERE projection = $1 AND stream = $2 FOR UPDATE',
        [name, stream],
      );
      if (!rows[0])
        return { ok: false as const, stream, projection: name, reason: `${stream} is not quarantined in ${name}` };
      const events = await heldEvents(store, projection, stream, Number(rows[0].from_position), checkpoint);
      if (events.length > 0) await projection.apply(client, events, liveTables(projection));
      await client.query('DELETE FROM projection_quarantine WHERE projection = $1 AND stream = $2', [name, stream]);
      return { ok: true as const, stream, projection: name, appliedEvents: events.length };
    });
  } catch (error) {
    const reason = (error as Error).message;
    await pool.query(
      'UPDATE projection_quarantine SET reason = $3, repair_failed_at = now() WHERE projection = $1 AND stream = $2',
      [name, stream, reason],
    );
    return { ok: false, stream, projection: name, reason };
  }
};
