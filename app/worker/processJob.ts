import { RETRYABLE_REJECTIONS } from '../../core/ledger/index.js';
import { backoffMs } from '../../core/backoff/index.js';
import { MAX_PROCESSING_ATTEMPTS, type HoldResolution } from '../../core/sessions/index.js';
import { runAiAttempt, type AiAttempt } from './aiJob.js';
import type { Holds } from './holds.js';
import type { ClaimedJob } from './jobs.js';
import { CAPTURE_MARGIN_SECONDS, RETRY_MAX_SECONDS, RETRY_MIN_SECONDS } from './limits.js';
import {
  resolutionIn,
  type LoadedSession,
  type SessionResult,
  type SessionResultRejection,
  type SessionStreams,
} from '../sessions/sessionStreams.js';
import type { Clock, WorkerAi, WorkerImages } from './types.js';

/**
 * One claim of a session's job. Every step is decided on the session stream first and then acted
 * on the ledger (record, then act): the session records how its hold must end (capture on
 * success, release on failure, cancel or expiry) and `settle` applies that to the account. A
 * rerun after a crash at any point repeats idempotent steps: ReserveCredits with the session id
 * as reservation id, a session that already has its outcome is only settled again, and a
 * capture or release already done changes nothing. So a session is charged at most once.
 */

export interface JobContext {
  sessions: SessionStreams;
  holds: Holds;
  ai: WorkerAi;
  images: WorkerImages;
  clock: Clock;
  /** Called once the hold's expiry is known, to keep it on the job row. */
  onHoldExpiry(expiresAt: Date): Promise<void>;
}

export type JobEnd =
  | { action: 'done'; outcome: string; error?: string }
  | { action: 'failed'; outcome: string; error: string }
  | { action: 'retry'; runAfter: Date; error: string };

/** Why a session failed when no AI answer came within the hold's lifetime. */
export const HOLD_EXPIRED_REASON = 'hold_expired';
export const CLAIMS_EXHAUSTED_REASON = 'attempts_exhausted';

const iso = (date: Date): string => date.toISOString();
const plusSeconds = (date: Date, seconds: number): Date => new Date(date.getTime() + seconds * 1000);

/** Exponential backoff for the n-th retry (n ≥ 1), in seconds. */
export const backoffSeconds = (n: number): number =>
  // No jitter: the retry time is written on the job row, and jobs of different sessions do not collide.
  backoffMs(n, { baseMs: RETRY_MIN_SECONDS * 1000, ceilingMs: RETRY_MAX_SECONDS * 1000, jitter: 'none' }, 0) / 1000;

const hasTimeLeft = (expiresAt: Date, now: Date): boolean =>
  now.getTime() + CAPTURE_MARGIN_SECONDS * 1000 < expiresAt.getTime();

const settle = async (ctx: JobContext, resolution: HoldResolution): Promise<JobEnd> => ({
  action: 'done',
  outcome: await ctx.holds.settle(resolution, iso(ctx.clock())),
});

/**
 * The session refused a report: it has ended meanwhile (cancelled, expired, an outcome already
 * recorded by an earlier claim) or has sat idle past its timeout. Settle what it says now.
 */
const afterRefusal = async (ctx: JobContext, job: ClaimedJob, rejection: SessionResultRejection): Promise<JobEnd> => {
  const { state } = await ctx.sessions.load(job.kind, job.sessionId);
  if (state.holdResolution) return settle(ctx, state.holdResolution);
  if (rejection === 'session_expired') {
    const expired = await ctx.sessions.shared(job.kind, job.sessionId, {
      type: 'ExpireSession',
      occurredAt: iso(ctx.clock()),
    });
    const resolution = resolutionIn(expired);
    if (resolution) return settle(ctx, resolution);
  }
  return {
    action: 'failed',
    outcome: 'refused_by_session',
    error: `session refused the worker's report: ${rejection}`,
  };
};

/** Records the outcome on the session, then settles the hold as the session says. */
const report = async (ctx: JobContext, job: ClaimedJob, send: () => Promise<SessionResult>): Promise<JobEnd> => {
  const result = await send();
  if (!result.ok) return afterRefusal(ctx, job, result.rejection);
  const resolution = resolutionIn(result) ?? (await ctx.sessions.load(job.kind, job.sessionId)).state.holdResolution;
  return resolution ? settle(ctx, resolution) : { action: 'done', outcome: 'nothing_to_settle' };
};

const fail = (ctx: JobContext, job: ClaimedJob, reason: string, attempts: number): Promise<JobEnd> =>
  report(ctx, job, () =>
    ctx.sessions.fail(job.kind, job.sessionId, { reason, attempts, occurredAt: iso(ctx.clock()) }),
  );

/** No answer in time: the hold goes back as expired (the first reason stays on the ledger). */
const expireHold = async (
  ctx: JobContext,
  job: ClaimedJob,
  loaded: LoadedSession,
  attempts: number,
): Promise<JobEnd> => {
  await ctx.holds.release(loaded.state.hold!, 'expired', iso(ctx.clock()));
  return fail(ctx, job, HOLD_EXPIRED_REASON, attempts);
};

const recordResult = async (
  ctx: JobContext,
  job: ClaimedJob,
  attempt: Extract<AiAttempt, { kind: 'result' }>,
): Promise<JobEnd> => {
  const occurredAt = iso(ctx.clock());
  const result = await (attempt.command.type === 'RecordTryOnResult'
    ? ctx.sessions.tryOn(job.sessionId, { ...attempt.command, occurredAt })
    : ctx.sessions.styling(job.sessionId, { ...attempt.command, occurredAt }));
  if (!result.ok && result.rejection === 'invalid_result') {
    return fail(ctx, job, 'invalid_result', (await ctx.sessions.load(job.kind, job.sessionId)).state.attempt);
  }
  return report(ctx, job, () => Promise.resolve(result));
};

/** Runs one claim of `job` to its end: done, failed, or back in the queue for later. */
export const processJob = async (ctx: JobContext, job: ClaimedJob, signal: AbortSignal): Promise<JobEnd> => {
  const loaded = await ctx.sessions.load(job.kind, job.sessionId);
  const { state } = loaded;
  if (state.holdResolution) return settle(ctx, state.holdResolution);
  const processing = state.status === 'tryon_processing' || state.status === 'stylist_processing';
  if (!processing || !state.hold) return { action: 'done', outcome: 'nothing_to_settle' };
  if (job.claim > job.maxClaims) return fail(ctx, job, CLAIMS_EXHAUSTED_REASON, state.attempt);

  const reserved = await ctx.holds.reserve(state.hold, iso(ctx.clock()));
  if (!reserved.ok) {
    const reason = reserved.rejection;
    // Any other refusal (an id reused with other credits or lifetime) is a bug upstream: say it loudly.
    if (!RETRYABLE_REJECTIONS.has(reason))
      throw new Error(`ReserveCredits for session ${job.sessionId} refused: ${reason}`);
    return report(ctx, job, () =>
      ctx.sessions.shared(job.kind, job.sessionId, {
        type: 'RecordReservationRejected',
        reason,
        occurredAt: iso(ctx.clock()),
      }),
    );
  }
  const expiresAt = new Date(reserved.expiresAt);
  await ctx.onHoldExpiry(expiresAt);
  if (!hasTimeLeft(expiresAt, ctx.clock())) return expireHold(ctx, job, loaded, state.attempt);
  const attempt = state.attempt + 1;
  if (attempt > MAX_PROCESSING_ATTEMPTS) {
    // Every attempt ended without an answer: the hold stays until its expiry, then goes back.
    return { action: 'retry', runAfter: expiresAt, error: 'no attempts left: waiting for the hold to expire' };
  }
  const started = await ctx.sessions.shared(job.kind, job.sessionId, {
    type: 'RecordProcessingStarted',
    attempt,
    occurredAt: iso(ctx.clock()),
  });
  if (!started.ok) return afterRefusal(ctx, job, started.rejection);

  const outcome = await runAiAttempt(loaded, ctx.ai, ctx.images, signal);
  switch (outcome.kind) {
    case 'failed':
      return fail(ctx, job, outcome.reason, attempt);
    case 'unknown': {
      const next = attempt >= MAX_PROCESSING_ATTEMPTS ? expiresAt : plusSeconds(ctx.clock(), backoffSeconds(attempt));
      return {
        action: 'retry',
        runAfter: next < expiresAt ? next : expiresAt,
        error: `attempt ${attempt}: ${outcome.reason}`,
      };
    }
    case 'result':
      if (!hasTimeLeft(expiresAt, ctx.clock())) return expireHold(ctx, job, loaded, attempt);
      return recordResult(ctx, job, outcome);
    default: {
      const _exhaustive: never = outcome;
      return _exhaustive;
    }
  }
};
