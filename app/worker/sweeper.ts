import { loopSettings, startLoop, type LoopServices } from '../loop/index.js';
import type { EventStore, SnapshotStore } from '../../core/eventstore/index.js';
import type { LedgerConfig } from '../../core/ledger/index.js';
import { ProjectorRunner, type RunnerOptions } from '../../projections/runner.js';
import { orchestrationProjection } from '../../projections/sessions/orchestrationProjection.js';
import { createHolds, type Holds, type SettleOutcome } from './holds.js';
import type { SweepCandidates } from './jobs.js';
import { SWEEP_BATCH, SWEEP_INTERVAL_MS } from './limits.js';
import { expireIdleSessions, type ExpiryReport } from './sessionExpiry.js';
import { sessionStreams } from '../sessions/sessionStreams.js';
import { silentLogger, systemClock, type Clock, type Logger } from './types.js';

const ACTOR = 'system:sweeper';

/**
 * Releases holds past their expiry. Candidates come from `credit_holds`; the account stream
 * decides. A worker's capture may race the release: the ledger appends at an exact revision, so
 * one of them lands and the other sees the hold resolved (`reservation_already_resolved`), or the
 * capture, if it comes at or after the expiry, is refused outright (`reservation_expired`).
 */
export const sweepExpiredHolds = async (deps: {
  candidates: Pick<SweepCandidates, 'expiredHolds'>;
  holds: Holds;
  clock: Clock;
  logger: Logger;
  batch?: number;
}): Promise<Partial<Record<SettleOutcome, number>>> => {
  const now = deps.clock();
  const counts: Partial<Record<SettleOutcome, number>> = {};
  for (const hold of await deps.candidates.expiredHolds(now, deps.batch ?? SWEEP_BATCH)) {
    const outcome = await deps.holds.release(hold, 'expired', now.toISOString(), ACTOR);
    counts[outcome] = (counts[outcome] ?? 0) + 1;
    if (outcome === 'released') deps.logger.info(hold, 'expired hold released');
  }
  return counts;
};

export interface SweeperOptions {
  store: EventStore;
  /** Where the orchestration projection (the feeder) keeps `credit_holds` and `session_activity`. */
  pool: RunnerOptions['pool'];
  candidates: SweepCandidates;
  logger?: Logger;
  clock?: Clock;
  snapshots?: SnapshotStore;
  ledgerConfig?: LedgerConfig;
  intervalMs?: number;
  /** Also run the projector that feeds `credit_holds` and `session_activity`. Default true. */
  runFeeder?: boolean;
  /** The lease store (one sweeper across processes), metrics and health. */
  loops?: LoopServices | undefined;
}

/** The sweeper's loop: one instance across processes holds its lease. */
export const SWEEPER_LOOP = 'hold-sweeper';

export interface SweepReport {
  holds: Partial<Record<SettleOutcome, number>>;
  sessions: ExpiryReport;
}

export interface RunningSweeper {
  /** One pass now (both sweeps), whatever the interval. */
  sweep(): Promise<SweepReport>;
  stop(): Promise<void>;
}

/** Starts the hold sweeper and the idle-session expiry, every `intervalMs` (default SWEEP_INTERVAL_MS). */
export const startSweeper = (options: SweeperOptions): RunningSweeper => {
  const { pool, store, candidates } = options;
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? silentLogger;
  const holds = createHolds({ store, snapshots: options.snapshots, config: options.ledgerConfig, actor: ACTOR });
  const sessions = sessionStreams(store, ACTOR);
  const feeder =
    options.runFeeder === false
      ? undefined
      : new ProjectorRunner({ store, pool, projection: orchestrationProjection, logger });
  const sweep = async (): Promise<SweepReport> => ({
    holds: await sweepExpiredHolds({ candidates, holds, clock, logger, batch: SWEEP_BATCH }),
    sessions: await expireIdleSessions({ candidates, sessions, holds, clock, logger, batch: SWEEP_BATCH }),
  });

  const intervalMs = options.intervalMs ?? SWEEP_INTERVAL_MS;
  feeder?.start();
  // Each sweep is decided on the account and session streams, appended at an exact revision:
  // a sweep by a holder that lost its lease changes nothing twice, so it needs no fence.
  const loop = startLoop<never>({
    logger,
    ...loopSettings(options.loops, true),
    // The first pass waits one interval: the feeder catches up meanwhile.
    name: SWEEPER_LOOP,
    idleMs: intervalMs,
    initialDelayMs: intervalMs,
    backoff: { baseMs: Math.min(1_000, intervalMs), ceilingMs: intervalMs, jitter: 'equal' },
    step: async () => {
      await sweep();
    },
  });
  return {
    sweep,
    stop: async () => {
      await loop.stop();
      await feeder?.stop();
    },
  };
};
