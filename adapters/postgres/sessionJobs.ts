import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { SessionKind } from '../../app/sessions/sessionStreams.js';
import type { ClaimedJob, JobFinish, JobQueue, SweepCandidates } from '../../app/worker/jobs.js';
import { ERROR_TEXT_MAX_CHARS, JOB_LEASE_SECONDS } from '../../app/worker/limits.js';
import { clip } from '../../app/worker/types.js';

/**
 * The `session_jobs` table (schema/004_sessions_jobs.sql) behind app/worker's JobQueue: claimed
 * with FOR UPDATE SKIP LOCKED so workers never wait on each other, leased so a dead worker's job
 * comes back, fenced by a token so a worker that lost its lease cannot overwrite the job's next
 * owner. And `credit_holds` and `session_activity`, where the sweepers find their candidates.
 */

interface JobRow {
  session_id: string;
  kind: SessionKind;
  user_id: number;
  claims: number;
  max_claims: number;
  hold_expires_at: Date | null;
  lease_token: string;
}

const CLAIM_SQL = `
  WITH next AS (
    SELECT session_id FROM session_jobs
    WHERE (status = 'pending' AND run_after <= $1) OR (status = 'running' AND leased_until <= $1)
    ORDER BY run_after
    LIMIT 1
    FOR UPDATE SKIP LOCKED)
  UPDATE session_jobs AS j
  SET status = 'running', claims = j.claims + 1, leased_until = $1::timestamptz + make_interval(secs => $2),
      lease_token = $3, leased_by = $4, updated_at = $1
  FROM next WHERE j.session_id = next.session_id
  RETURNING j.session_id, j.kind, j.user_id, j.claims, j.max_claims, j.hold_expires_at, j.lease_token`;

const claimJob = async (pool: pg.Pool, now: Date, workerId: string): Promise<ClaimedJob | undefined> => {
  const { rows } = await pool.query<JobRow>(CLAIM_SQL, [now, JOB_LEASE_SECONDS, randomUUID(), workerId]);
  const row = rows[0];
  return (
    row && {
      sessionId: row.session_id,
      kind: row.kind,
      userId: String(row.user_id),
      claim: row.claims,
      maxClaims: row.max_claims,
      holdExpiresAt: row.hold_expires_at,
      leaseToken: row.lease_token,
    }
  );
};

const updateOwned = async (pool: pg.Pool, job: ClaimedJob, set: string, values: unknown[]): Promise<boolean> => {
  const { rowCount } = await pool.query(
    `UPDATE session_jobs SET ${set} WHERE session_id = $1 AND lease_token = $2 AND status = 'running'`,
    [job.sessionId, job.leaseToken, ...values],
  );
  return rowCount === 1;
};

const renewLease = (pool: pg.Pool, job: ClaimedJob, now: Date): Promise<boolean> =>
  updateOwned(pool, job, `leased_until = $3::timestamptz + make_interval(secs => $4), updated_at = $3`, [
    now,
    JOB_LEASE_SECONDS,
  ]);

const recordHoldExpiry = (pool: pg.Pool, job: ClaimedJob, expiresAt: Date): Promise<boolean> =>
  updateOwned(pool, job, 'hold_expires_at = $3', [expiresAt]);

const finishJob = (pool: pg.Pool, job: ClaimedJob, now: Date, end: JobFinish): Promise<boolean> =>
  updateOwned(
    pool,
    job,
    'status = $3, outcome = $4, last_error = coalesce($5, last_error), ' +
      'lease_token = NULL, leased_until = NULL, updated_at = $6',
    [end.status, end.outcome, end.error === undefined ? null : clip(end.error, ERROR_TEXT_MAX_CHARS), now],
  );

const retryJob = (pool: pg.Pool, job: ClaimedJob, now: Date, runAfter: Date, error: string): Promise<boolean> =>
  updateOwned(
    pool,
    job,
    `status = 'pending', run_after = $3, last_error = $4, lease_token = NULL, leased_until = NULL, updated_at = $5`,
    [runAfter, clip(error, ERROR_TEXT_MAX_CHARS), now],
  );

/** The job's row, for tests and support. */
export const readJob = async (pool: pg.Pool, sessionId: string): Promise<Record<string, unknown> | undefined> =>
  (await pool.query('SELECT * FROM session_jobs WHERE session_id = $1', [sessionId])).rows[0];

/** The worker's job queue over `session_jobs`. */
export const pgJobQueue = (pool: pg.Pool): JobQueue => ({
  claim: (now, workerId) => claimJob(pool, now, workerId),
  renewLease: (job, now) => renewLease(pool, job, now),
  recordHoldExpiry: (job, expiresAt) => recordHoldExpiry(pool, job, expiresAt),
  finish: (job, now, end) => finishJob(pool, job, now, end),
  retry: (job, now, runAfter, error) => retryJob(pool, job, now, runAfter, error),
});

/** The sweepers' candidates from `credit_holds` and `session_activity` (fed by the orchestration projection). */
export const pgSweepCandidates = (pool: pg.Pool): SweepCandidates => ({
  expiredHolds: async (now, limit) => {
    const { rows } = await pool.query<{ user_id: number; reservation_id: string }>(
      `SELECT user_id, reservation_id FROM credit_holds WHERE resolved_at IS NULL AND expires_at <= $1
       ORDER BY expires_at LIMIT $2`,
      [now, limit],
    );
    return rows.map((row) => ({ userId: String(row.user_id), reservationId: row.reservation_id }));
  },
  idleSessions: async (cutoff, limit) => {
    const { rows } = await pool.query<{ session_id: string; kind: SessionKind }>(
      `SELECT session_id, kind FROM session_activity WHERE NOT ended AND last_activity_at <= $1
       ORDER BY last_activity_at LIMIT $2`,
      [cutoff, limit],
    );
    return rows.map((row) => ({ sessionId: row.session_id, kind: row.kind }));
  },
});
