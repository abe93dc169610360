import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { SessionKind } from '../sessions/sessionStreams.js';
import { ERROR_TEXT_MAX_CHARS, JOB_LEASE_SECONDS } from './limits.js';
import { clip } from './types.js';

/**
 * The `session_jobs` table (schema/004_sessions_jobs.sql): claimed with FOR UPDATE SKIP LOCKED so
 * workers never wait on each other, leased so a dead worker's job comes back, fenced by a token
 * so a worker that lost its lease cannot overwrite the job's next owner.
 */

export interface ClaimedJob {
  sessionId: string;
  kind: SessionKind;
  userId: string;
  /** This claim's number, starting at 1. */
  claim: number;
  maxClaims: number;
  holdExpiresAt: Date | null;
  leaseToken: string;
}

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

/** Takes one due job (pending and due, or running with an expired lease), or none. */
export const claimJob = async (pool: pg.Pool, now: Date, workerId: string): Promise<ClaimedJob | undefined> => {
  const { rows } = await pool.query<JobRow>(CLAIM_SQL, [now, JOB_LEASE_SECONDS, randomUUID(), workerId]);
  const row = rows[0];
  return row && {
    sessionId: row.session_id, kind: row.kind, userId: String(row.user_id), claim: row.claims, maxClaims: row.max_claims,
    holdExpiresAt: row.hold_expires_at, leaseToken: row.lease_token,
  };
};

const updateOwned = async (pool: pg.Pool, job: ClaimedJob, set: string, values: unknown[]): Promise<boolean> => {
  const { rowCount } = await pool.query(
    `UPDATE session_jobs SET ${set} WHERE session_id = $1 AND lease_token = $2 AND status = 'running'`,
    [job.sessionId, job.leaseToken, ...values]);
  return rowCount === 1;
};

/** Extends the lease; false when another worker has taken the job over. */
export const renewLease = (pool: pg.Pool, job: ClaimedJob, now: Date): Promise<boolean> =>
  updateOwned(pool, job, `leased_until = $3::timestamptz + make_interval(secs => $4), updated_at = $3`, [now, JOB_LEASE_SECONDS]);

export const recordHoldExpiry = (pool: pg.Pool, job: ClaimedJob, expiresAt: Date): Promise<boolean> =>
  updateOwned(pool, job, 'hold_expires_at = $3', [expiresAt]);

/** Ends the job: `done` with how its hold was settled, or `failed` when it was given up. */
export const finishJob = (
  pool: pg.Pool,
  job: ClaimedJob,
  now: Date,
  end: { status: 'done' | 'failed'; outcome: string; error?: string },
): Promise<boolean> =>
  updateOwned(pool, job,
    `status = $3, outcome = $4, last_error = coalesce($5, last_error), lease_token = NULL, leased_until = NULL, updated_at = $6`,
    [end.status, end.outcome, end.error === undefined ? null : clip(end.error, ERROR_TEXT_MAX_CHARS), now]);

/** Puts the job back to be claimed again at `runAfter`. */
export const retryJob = (pool: pg.Pool, job: ClaimedJob, now: Date, runAfter: Date, error: string): Promise<boolean> =>
  updateOwned(pool, job,
    `status = 'pending', run_after = $3, last_error = $4, lease_token = NULL, leased_until = NULL, updated_at = $5`,
    [runAfter, clip(error, ERROR_TEXT_MAX_CHARS), now]);

/** The job's row, for tests and support. */
export const readJob = async (pool: pg.Pool, sessionId: string): Promise<Record<string, unknown> | undefined> =>
  (await pool.query('SELECT * FROM session_jobs WHERE session_id = $1', [sessionId])).rows[0];
