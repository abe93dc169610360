import type pg from 'pg';
import { sleep } from './batches.js';
import { ProjectionWaitTimeout } from './errors.js';

/** Default bound of a read-your-writes wait, ms: past it the caller answers "still processing". */
export const WAIT_FOR_POSITION_DEFAULT_MS = 2_000;
/** First and longest pause between two looks at the checkpoint, ms. */
const POLL_MIN_MS = 5;
const POLL_MAX_MS = 50;

/**
 * Read-your-writes: resolves once projection `name` has applied everything up to `position`
 * (the position a command returned), so a read of its tables sees that command's effect.
 * Throws `ProjectionWaitTimeout` when the bound runs out first. Polls the checkpoint row (one
 * indexed read), quickly at first, then backing off.
 */
export const waitForPosition = async (
  pool: pg.Pool,
  name: string,
  position: number,
  timeoutMs: number = WAIT_FOR_POSITION_DEFAULT_MS,
): Promise<number> => {
  const deadline = performance.now() + timeoutMs;
  let pauseMs = POLL_MIN_MS;
  for (;;) {
    const { rows } = await pool.query<{ position: number }>(
      'SELECT position FROM projection_checkpoints WHERE name = $1',
      [name],
    );
    const reached = Number(rows[0]?.position ?? 0);
    if (reached >= position) return reached;
    const left = deadline - performance.now();
    if (left <= 0) throw new ProjectionWaitTimeout(name, position, reached, timeoutMs);
    await sleep(Math.min(pauseMs, left));
    pauseMs = Math.min(pauseMs * 2, POLL_MAX_MS);
  }
};
