import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { loopSettings, startLoop, type LoopServices, type StepContext, type StepResult } from '../loop/index.js';
import type { EventStore, SnapshotStore } from '../../core/eventstore/index.js';
import type { LedgerConfig } from '../../core/ledger/index.js';
import { ProjectorRunner, type RunnerOptions } from '../../projections/runner.js';
import { orchestrationProjection } from '../../projections/sessions/orchestrationProjection.js';
import { createHolds } from './holds.js';
import type { ClaimedJob, JobQueue } from './jobs.js';
import {
  LEASE_RENEW_EVERY_MS,
  MAX_WORKER_CONCURRENCY,
  STOP_GRACE_MS,
  WORKER_CONCURRENCY,
  WORKER_IDLE_POLL_MS,
} from './limits.js';
import { backoffSeconds, processJob, type JobContext, type JobEnd } from './processJob.js';
import { sessionStreams } from '../sessions/sessionStreams.js';
import { silentLogger, systemClock, type Clock, type WorkerAi, type WorkerImages, type Logger } from './types.js';

export interface WorkerOptions {
  store: EventStore;
  /** Where the orchestration projection (the feeder) keeps `session_jobs`. */
  pool: RunnerOptions['pool'];
  jobs: JobQueue;
  ai: WorkerAi;
  images: WorkerImages;
  logger?: Logger;
  clock?: Clock;
  /** Jobs run at once; default WORKER_CONCURRENCY. */
  concurrency?: number;
  snapshots?: SnapshotStore;
  ledgerConfig?: LedgerConfig;
  /** Names this process on the jobs it leases; default host:pid:random. */
  workerId?: string;
  idlePollMs?: number;
  /** Also run the projector that feeds `session_jobs` (one instance runs across processes). Default true. */
  runFeeder?: boolean;
  /** Metrics and health of the claim loop. It takes no lease: jobs are leased one by one, fenced by their token. */
  loops?: LoopServices | undefined;
}

/** The claim loop's name. */
export const WORKER_LOOP = 'ai-worker';
/** Claiming failed (the database away): try again from the idle poll, doubling up to this, ms. */
export const CLAIM_RETRY_CEILING_MS = 10_000;

export interface RunningWorker {
  /** Stops claiming, lets running jobs finish for STOP_GRACE_MS, then aborts their AI calls. */
  stop(): Promise<void>;
}

const ACTOR = 'system:worker';

const pause = async (ms: number, signal: AbortSignal): Promise<void> => {
  await sleep(ms, undefined, { signal }).catch(() => undefined);
};

/** What a claim runs with. */
interface ClaimServices {
  jobs: JobQueue;
  clock: Clock;
  logger: Logger;
  /** Aborted when the stop grace is over: every running job's AI calls stop. */
  aborting: AbortSignal;
  job: Omit<JobContext, 'onHoldExpiry'>;
}

/** Writes how a claim ended: a retry later, or the job's end. */
const writeEnd = async (services: ClaimServices, job: ClaimedJob, result: JobEnd): Promise<void> => {
  const { jobs, logger } = services;
  const now = services.clock();
  const written =
    result.action === 'retry'
      ? await jobs.retry(job, now, result.runAfter, result.error)
      : await jobs.finish(job, now, { status: result.action, outcome: result.outcome, error: result.error });
  if (!written)
    logger.warn({ sessionId: job.sessionId }, 'job lease lost before its end was written: its next owner carries on');
  const log = result.action === 'failed' ? logger.error : logger.info;
  log.call(
    logger,
    { sessionId: job.sessionId, kind: job.kind, claim: job.claim, ...result },
    `session job ${result.action}`,
  );
};

/** Renews the job's lease while it runs; a lease lost to another worker aborts `lease`. */
const renewLeaseWhileRunning = (
  services: ClaimServices,
  job: ClaimedJob,
  lease: AbortController,
): ReturnType<typeof setInterval> =>
  setInterval(() => {
    services.jobs.renewLease(job, services.clock()).then(
      (kept) => {
        if (!kept) lease.abort(); // another worker owns it now: stop spending on it
      },
      (error: unknown) => services.logger.warn({ sessionId: job.sessionId, err: error }, 'lease renewal failed'),
    );
  }, LEASE_RENEW_EVERY_MS);

/** How a job that threw ends: retried later, or given up once its claims are spent. */
const crashedEnd = (services: ClaimServices, job: ClaimedJob, error: unknown): JobEnd => {
  const message = error instanceof Error ? error.message : String(error);
  services.logger.error({ sessionId: job.sessionId, err: error }, 'session job crashed');
  // A job that keeps crashing is given up: the sweepers still release its hold and expire the
  // session.
  return job.claim >= job.maxClaims
    ? { action: 'failed', outcome: 'claims_exhausted', error: message }
    : {
        action: 'retry',
        runAfter: new Date(services.clock().getTime() + backoffSeconds(job.claim) * 1000),
        error: message,
      };
};

/** Runs one claimed job under its lease and writes how it ended. */
const runClaim = async (services: ClaimServices, job: ClaimedJob): Promise<void> => {
  const lease = new AbortController();
  const onAbort = () => lease.abort();
  services.aborting.addEventListener('abort', onAbort);
  const renew = renewLeaseWhileRunning(services, job, lease);
  const ctx: JobContext = {
    ...services.job,
    onHoldExpiry: async (expiresAt) => {
      await services.jobs.recordHoldExpiry(job, expiresAt);
    },
  };
  try {
    let result: JobEnd;
    try {
      result = await processJob(ctx, job, lease.signal);
    } catch (error) {
      result = crashedEnd(services, job, error);
    }
    await writeEnd(services, job, result);
  } catch (error) {
    services.logger.error(
      { sessionId: job.sessionId, err: error },
      'could not write the end of a session job: its lease will expire',
    );
  } finally {
    clearInterval(renew);
    services.aborting.removeEventListener('abort', onAbort);
  }
};

/**
 * Starts the AI worker: claims due session jobs (FOR UPDATE SKIP LOCKED), runs at most
 * `concurrency` of them at once, renews their leases while they run, and writes how each claim
 * ended. Safe to run in several processes at once.
 */
export const startWorker = (options: WorkerOptions): RunningWorker => {
  const { pool, store, jobs } = options;
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? silentLogger;
  const concurrency = Math.min(Math.max(1, options.concurrency ?? WORKER_CONCURRENCY), MAX_WORKER_CONCURRENCY);
  const workerId = options.workerId ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const sessions = sessionStreams(store, ACTOR);
  const holds = createHolds({ store, snapshots: options.snapshots, config: options.ledgerConfig, actor: ACTOR });
  const feeder =
    options.runFeeder === false
      ? undefined
      : new ProjectorRunner({ store, pool, projection: orchestrationProjection, logger });
  const aborting = new AbortController();
  const running = new Set<Promise<void>>();

  const claims: ClaimServices = {
    jobs,
    clock,
    logger,
    aborting: aborting.signal,
    job: { sessions, holds, ai: options.ai, images: options.images, clock },
  };

  /** One step: wait for a free slot, or claim a due job and start it. */
  let stopAsked: Promise<void> | undefined;
  const step = async (ctx: StepContext<never>): Promise<StepResult<never>> => {
    if (running.size >= concurrency) {
      // A stop need not wait for a slot: the running jobs get their own grace below.
      stopAsked ??= new Promise<void>((resolve) =>
        ctx.stopping.addEventListener('abort', () => resolve(), { once: true }),
      );
      await Promise.race([...running, stopAsked]);
      return { more: !ctx.stopping.aborted };
    }
    const job = await jobs.claim(clock(), workerId);
    if (!job) return {};
    const claim: Promise<void> = runClaim(claims, job).finally(() => running.delete(claim));
    running.add(claim);
    return { more: true };
  };

  feeder?.start();
  const idlePollMs = options.idlePollMs ?? WORKER_IDLE_POLL_MS;
  const loop = startLoop<never>({
    logger,
    ...loopSettings(options.loops, false),
    name: WORKER_LOOP,
    idleMs: idlePollMs,
    step,
    backoff: { baseMs: idlePollMs, ceilingMs: Math.max(idlePollMs, CLAIM_RETRY_CEILING_MS), jitter: 'equal' },
  });
  logger.info({ workerId, concurrency }, 'session worker started');
  return {
    stop: async () => {
      await loop.stop();
      const grace = new AbortController();
      await Promise.race([Promise.allSettled(running), pause(STOP_GRACE_MS, grace.signal)]);
      grace.abort();
      aborting.abort();
      await Promise.allSettled(running);
      await feeder?.stop();
    },
  };
};
