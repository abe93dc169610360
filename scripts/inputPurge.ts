import { loopSettings, startLoop, type DurableLoop, type LoopServices } from '../app/loop/index.js';
import { purgeExpiredInputs, type ImageStore } from '../adapters/storage/index.js';

/** The input purge's loop: one instance across processes holds its lease. */
export const INPUT_PURGE_LOOP = 'input-purge';
/**
 * How often users' photos past their retention are deleted, ms. Retention is a day
 * (INPUT_RETENTION_SECONDS), so an hour keeps a photo at most 25 h; one listing an hour is cheap.
 */
export const INPUT_PURGE_INTERVAL_MS = 60 * 60_000;
/** First pass this long after start: a crash-looping process does not list the bucket at every start. */
export const INPUT_PURGE_FIRST_DELAY_MS = 60_000;
/** A purge that failed (storage away) is tried again from this, doubling up to the interval. */
export const INPUT_PURGE_RETRY_MIN_MS = 10_000;

export interface InputPurgeOptions {
  loops?: LoopServices | undefined;
  intervalMs?: number;
  firstDelayMs?: number;
  clock?: () => Date;
}

/**
 * Deletes users' uploaded photos past their retention, on the durable loop. A purge stopped at
 * its per-run limit goes on at once; deleting what is already gone is harmless, so a holder
 * that lost its lease needs no fence.
 */
export const startInputPurge = (images: ImageStore, options: InputPurgeOptions = {}): DurableLoop => {
  const intervalMs = options.intervalMs ?? INPUT_PURGE_INTERVAL_MS;
  const clock = options.clock ?? (() => new Date());
  return startLoop<never>({
    ...loopSettings(options.loops, true),
    name: INPUT_PURGE_LOOP,
    idleMs: intervalMs,
    initialDelayMs: options.firstDelayMs ?? INPUT_PURGE_FIRST_DELAY_MS,
    backoff: { baseMs: Math.min(INPUT_PURGE_RETRY_MIN_MS, intervalMs), ceilingMs: intervalMs, jitter: 'equal' },
    step: async () => {
      const result = await purgeExpiredInputs(images, clock());
      options.loops?.logger?.info({ loop: INPUT_PURGE_LOOP, ...result }, 'expired inputs purged');
      return { more: !result.complete };
    },
  });
};
