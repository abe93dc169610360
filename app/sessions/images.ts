import { IMAGE_DIRECTORIES } from '../../core/sessions/index.js';
import type { ImageStore } from './imageStore.js';
import { storeUpload } from './storeUpload.js';
import type { ImagesPort } from './ports.js';

/** Every directory a session's images live in (uploads and generated), from the key layout. */
const SESSION_DIRECTORIES = [...new Set(Object.values(IMAGE_DIRECTORIES))];

/** Photos of at most this many sessions are deleted per request; the rest on the next press. */
export const DELETE_MAX_SESSIONS = 500;

/** The bot's image port over the storage adapter: validated uploads, reads, deletion by session. */
export const createImages = (store: ImageStore, now: () => Date = () => new Date()): ImagesPort => ({
  store: async (kind, sessionId, bytes) => {
    const stored = await storeUpload(store, { kind, sessionId, bytes });
    if (!stored.ok) return { ok: false, rejection: stored.rejection };
    const { imageKey, mimeType, bytes: size } = stored.image;
    return { ok: true, image: { imageKey, mimeType, bytes: size } };
  },
  read: async (imageKey) => Buffer.from((await store.get(imageKey)).bytes),
  deletePhotos: async (sessionIds) => {
    // Everything written up to now: a cutoff a minute ahead covers clock skew with the store.
    const cutoff = new Date(now().getTime() + 60_000);
    let deleted = 0;
    for (const sessionId of sessionIds.slice(-DELETE_MAX_SESSIONS)) {
      for (const directory of SESSION_DIRECTORIES) {
        deleted += (await store.deleteOlderThan(`${directory}/${sessionId}/`, cutoff)).deleted;
      }
    }
    return deleted;
  },
});
