import type pg from 'pg';
import type { ProjectionHealth } from './health.js';
import type { EventStore } from '../core/eventstore/index.js';
import { isLockHeld } from './advisoryLock.js';
import { readCheckpoint } from './checkpoints.js';
import { readQuarantine } from './quarantine.js';

/**
 * How far behind the head of the log a checkpoint is: in positions (positions are dense but for
 * the rare rolled-back append, so this is the count of events, give or take), and in seconds:
 * now minus the recording time of the oldest event not yet projected (0 when caught up).
 */
export const lagOf = async (
  store: EventStore,
  position: number,
  now: number = Date.now(),
): Promise<{ head: number; lagEvents: number; lagSeconds: number }> => {
  const head = await store.headPosition();
  if (position >= head) return { head, lagEvents: 0, lagSeconds: 0 };
  const [oldest] = await store.readAll({ after: position, maxCount: 1 });
  const lagSeconds = oldest ? Math.max(0, (now - Date.parse(oldest.recordedAt)) / 1000) : 0;
  return { head, lagEvents: head - position, lagSeconds: Math.round(lagSeconds * 1000) / 1000 };
};

/**
 * A projection's state as any process sees it from the database: `failed` when its checkpoint
 * records an error, `running` when some instance holds its lock, else `stopped`.
 */
export const projectionStatus = async (store: EventStore, pool: pg.Pool, name: string): Promise<ProjectionHealth> => {
  const checkpoint = await readCheckpoint(pool, name);
  const position = checkpoint?.position ?? 0;
  const lag = await lagOf(store, position);
  const running = await isLockHeld(pool, name);
  const state = checkpoint?.lastError ? 'failed' : running ? 'running' : 'stopped';
  const quarantined = (await readQuarantine(pool, name)).map(
    ({ stream, fromPosition, eventType, reason, quarantinedAt }) => ({
      stream,
      fromPosition,
      eventType,
      reason,
      quarantinedAt,
    }),
  );
  return {
    name,
    position,
    ...lag,
    state,
    ...(checkpoint?.lastError ? { error: checkpoint.lastError } : {}),
    quarantined,
  };
};
