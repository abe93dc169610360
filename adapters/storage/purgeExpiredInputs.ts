import { USER_UPLOADS_PREFIX } from '../../core/sessions/index.js';
import type { ImageStore, PurgeResult } from './imageStore.js';

/** Photos users send are kept a day (architecture document: "temporary storage with auto-deletion"). */
export const INPUT_RETENTION_SECONDS = 24 * 60 * 60;

/**
 * Deletes everything under `user-uploads/` written more than INPUT_RETENTION_SECONDS before
 * `now`. Generated images are left alone. For a scheduled job; safe to run at any time and
 * again after a partial run.
 */
export const purgeExpiredInputs = (store: ImageStore, now: Date): Promise<PurgeResult> =>
  store.deleteOlderThan(USER_UPLOADS_PREFIX, new Date(now.getTime() - INPUT_RETENTION_SECONDS * 1000));
