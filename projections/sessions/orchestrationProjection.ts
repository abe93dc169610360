import type pg from 'pg';
import type { RecordedEvent } from '../../core/eventstore/index.js';
import type { HoldFacts, ReservationReleasedData } from '../../core/ledger/index.js';
import type { HoldRequest, HoldResolution } from '../../core/sessions/index.js';
import { UnprojectableEvent } from '../errors.js';
import {
  SESSION_CATEGORIES,
  SESSION_ENDING_TYPES,
  SESSION_EVENT_TYPES,
  kindOf,
  sessionEventOf,
  sessionIdOf,
} from './sessionEvents.js';
import type { Projection, TableNames } from '../types.js';

/**
 * Feeds the orchestration tables (schema/004_sessions_jobs.sql) from the log, through the
 * projector runner (checkpoint in the same transaction, one active instance):
 * - session_jobs: a job when a session reaches processing; a pending or given-up job is woken
 *   when the session is cancelled or expired with its hold open, so the worker releases it;
 * - session_activity: each open session's last activity, for the idle-expiry sweeper;
 * - credit_holds: each hold's expiry and whether it is resolved, for the hold sweeper.
 * Not a read model for users: its job rows carry the worker's state, so it is never rebuilt.
 */

export const ORCHESTRATION_PROJECTION = 'session_orchestration';

/**
 * Claims of one job before it is given up (`failed`), written on each job row. A claim that ends
 * in "retry later" (outcome unknown, a transient failure) or a crash counts; five AI attempts,
 * the wait for the hold's expiry and a few crashes fit.
 */
export const JOB_MAX_CLAIMS = 12;
const HOLD_EVENT_TYPES = ['CreditsReserved', 'ReservationCaptured', 'ReservationReleased'] as const;
const ACCOUNT_PREFIX = 'account-';

const onSessionEvent = async (client: pg.ClientBase, t: TableNames, recorded: RecordedEvent): Promise<void> => {
  const { kind, event } = sessionEventOf(recorded);
  const sessionId = sessionIdOf(recorded);
  const at = event.data.occurredAt;
  if (event.type === 'TryOnStarted' || event.type === 'StylingStarted') {
    await client.query(
      `INSERT INTO ${t.session_activity} (session_id, kind, user_id, last_activity_at, last_position)
       VALUES ($1, $2, $3, $4, $5) ON CONFLICT (session_id) DO NOTHING`,
      [sessionId, kind, event.data.userId, at, recorded.position],
    );
    return;
  }
  const { rowCount } = await client.query(
    `UPDATE ${t.session_activity} SET last_activity_at = greatest(last_activity_at, $2), ended = ended OR $3,
     last_position = $4
     WHERE session_id = $1 AND last_position < $4`,
    [sessionId, at, SESSION_ENDING_TYPES.has(event.type), recorded.position],
  );
  if (rowCount === 0) {
    const known = await client.query(`SELECT 1 FROM ${t.session_activity} WHERE session_id = $1`, [sessionId]);
    if (known.rowCount === 0) throw new UnprojectableEvent(recorded, 'session event before its start');
    return; // applied before
  }
  if (event.type === 'TryOnSubmitted' || event.type === 'StylingSubmitted') {
    const hold: HoldRequest = event.data.hold;
    await client.query(
      `INSERT INTO ${t.session_jobs} (session_id, kind, user_id, max_claims, run_after, submitted_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $5, $5) ON CONFLICT (session_id) DO NOTHING`,
      [sessionId, kindOf(recorded), hold.userId, JOB_MAX_CLAIMS, at],
    );
  }
  if (event.type === 'SessionCancelled' || event.type === 'SessionExpired') {
    const resolution: HoldResolution | null = event.data.holdResolution;
    if (resolution?.action !== 'release') return;
    await client.query(
      `UPDATE ${t.session_jobs} SET status = 'pending', run_after = least(run_after, $2), updated_at = $2
       WHERE session_id = $1 AND status IN ('pending', 'failed')`,
      [sessionId, at],
    );
  }
};

const onHoldEvent = async (client: pg.ClientBase, t: TableNames, recorded: RecordedEvent): Promise<void> => {
  if (!recorded.stream.startsWith(ACCOUNT_PREFIX))
    throw new UnprojectableEvent(recorded, 'hold event outside an account stream');
  const userId = recorded.stream.slice(ACCOUNT_PREFIX.length);
  const hold = recorded.data as HoldFacts;
  if (recorded.type === 'CreditsReserved') {
    await client.query(
      `INSERT INTO ${t.credit_holds} (user_id, reservation_id, feature, held_credits, expires_at)
       VALUES ($1, $2, $3, $4, $5) ON CONFLICT (user_id, reservation_id) DO NOTHING`,
      [userId, hold.reservationId, hold.feature, hold.heldCredits, hold.expiresAt],
    );
    return;
  }
  const resolution =
    recorded.type === 'ReservationCaptured'
      ? 'captured'
      : `released:${(recorded.data as ReservationReleasedData).reason}`;
  await client.query(
    `UPDATE ${t.credit_holds} SET resolved_at = $3, resolution = $4
     WHERE user_id = $1 AND reservation_id = $2 AND resolved_at IS NULL`,
    [userId, hold.reservationId, recorded.metadata.occurredAt, resolution],
  );
};

export const orchestrationProjection: Projection = {
  name: ORCHESTRATION_PROJECTION,
  filter: { categories: [...SESSION_CATEGORIES, 'account'], eventTypes: [...SESSION_EVENT_TYPES, ...HOLD_EVENT_TYPES] },
  tables: ['session_jobs', 'session_activity', 'credit_holds'],
  async apply(client, events, tables) {
    for (const recorded of events) {
      if ((HOLD_EVENT_TYPES as readonly string[]).includes(recorded.type)) await onHoldEvent(client, tables, recorded);
      else await onSessionEvent(client, tables, recorded);
    }
  },
};
