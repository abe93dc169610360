import type pg from 'pg';
import type { ProjectionHealth } from './health.js';
import type { EventStore } from '../core/eventstore/index.js';
import { ledgerProjection } from './ledger/ledgerProjection.js';
import { sessionsProjection } from './sessions/index.js';
import { ProjectorRunner } from './runner.js';
import type { Logger } from './logger.js';
import type { Projection } from './types.js';

/**
 * Every projection the service runs and `projections rebuild` knows. The worker's own
 * orchestration feeder is not here: its rows are the worker's state, not a rebuildable view.
 */
export const PROJECTIONS: readonly Projection[] = [ledgerProjection, sessionsProjection];

export const projectionByName = (name: string): Projection => {
  const projection = PROJECTIONS.find((p) => p.name === name);
  if (!projection) throw new Error(`unknown projection "${name}"; known: ${PROJECTIONS.map((p) => p.name).join(', ')}`);
  return projection;
};

export interface RunningProjectors {
  /** Position, lag and state of each projector of this process (for /health). */
  status(): Promise<ProjectionHealth[]>;
  stop(): Promise<void>;
}

/**
 * Starts one runner per projection (each active, or standing by when another process holds its
 * lock). For the `projector` role of `npm start`.
 */
export const startProjectors = (options: {
  store: EventStore;
  pool: pg.Pool;
  logger?: Logger;
  projections?: readonly Projection[];
}): RunningProjectors => {
  const runners = (options.projections ?? PROJECTIONS).map(
    (projection) =>
      new ProjectorRunner({
        store: options.store,
        pool: options.pool,
        projection,
        ...(options.logger ? { logger: options.logger } : {}),
      }),
  );
  for (const runner of runners) runner.start();
  return {
    status: () => Promise.all(runners.map((runner) => runner.health())),
    stop: async () => {
      await Promise.all(runners.map((runner) => runner.stop()));
    },
  };
};
