import type { SessionKind } from '../sessions/sessionStreams.js';

/**
 * The orchestration tables as the worker and the sweepers need them, as ports; the SQL behind
 * them is in adapters/postgres/sessionJobs.ts. A job is claimed so that workers never wait on each
 * other, leased so a dead worker's job comes back, and fenced by its lease token so a worker that
 * lost its lease cannot overwrite the job's next owner: every write but the claim answers false
 * when the job is no longer this claim's.
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

/** How a job ends: `done` with how its hold was settled, or `failed` when it was given up. */
export interface JobFinish {
  status: 'done' | 'failed';
  outcome: string;
  error?: string;
}

export interface JobQueue {
  /** Takes one due job (pending and due, or running with an expired lease), or none. */
  claim(now: Date, workerId: string): Promise<ClaimedJob | undefined>;
  /** Extends the lease; false when another worker has taken the job over. */
  renewLease(job: ClaimedJob, now: Date): Promise<boolean>;
  recordHoldExpiry(job: ClaimedJob, expiresAt: Date): Promise<boolean>;
  finish(job: ClaimedJob, now: Date, end: JobFinish): Promise<boolean>;
  /** Puts the job back to be claimed again at `runAfter`. */
  retry(job: ClaimedJob, now: Date, runAfter: Date, error: string): Promise<boolean>;
}

/** What the sweepers look at: candidates only, read from projections; the streams decide. */
export interface SweepCandidates {
  /** Unresolved holds whose expiry is at or before `now`, oldest first. */
  expiredHolds(now: Date, limit: number): Promise<Array<{ userId: string; reservationId: string }>>;
  /** Open sessions whose last activity is at or before `cutoff`, oldest first. */
  idleSessions(cutoff: Date, limit: number): Promise<Array<{ sessionId: string; kind: SessionKind }>>;
}
