/**
 * Limits of the orchestration, each a named constant with its unit. Session rules
 * (idle timeout, hold lifetime asked, AI attempts) live in core/sessions; these are the worker's.
 */

/** AI jobs one worker process runs at once. Each holds an image or two in memory and a DB client. */
export const WORKER_CONCURRENCY = 4;
/** The most a caller may ask for: a few DB clients each, and AI providers rate-limit anyway. */
export const MAX_WORKER_CONCURRENCY = 32;

/**
 * How long a claim is good for without a renewal. A live worker renews it every
 * LEASE_RENEW_EVERY_MS whatever the AI call takes, so this only bounds how long a job of a
 * crashed worker waits before another worker takes it over.
 */
export const JOB_LEASE_SECONDS = 60;
export const LEASE_RENEW_EVERY_MS = 20_000;

/** Claims of one job before it is given up: kept on the job row by the orchestration projection. */
export { JOB_MAX_CLAIMS } from '../../projections/sessions/orchestrationProjection.js';

/** Backoff between retries of a job: first and longest pause, seconds. */
export const RETRY_MIN_SECONDS = 5;
export const RETRY_MAX_SECONDS = 120;

/**
 * A result is only recorded (and captured) if the hold has at least this long left: the capture
 * must reach the ledger before the hold's expiry, or the user would get a free result.
 */
export const CAPTURE_MARGIN_SECONDS = 10;

/** Pause between polls for due work when there was none, ms. */
export const WORKER_IDLE_POLL_MS = 500;
export const SWEEP_INTERVAL_MS = 5_000;

/** Holds released, and sessions expired, per sweep. The next sweep carries on. */
export const SWEEP_BATCH = 200;

/** How long stop() lets running jobs finish before it aborts their AI calls, ms. */
export const STOP_GRACE_MS = 10_000;

/** Longest error text kept on a job row. */
export const ERROR_TEXT_MAX_CHARS = 500;
