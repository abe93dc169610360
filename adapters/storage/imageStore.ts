import { isSafeStorageKey } from '../../core/sessions/index.js';

/**
 * The limits and key checks of the image stores. The port they implement, and its errors, are
 * declared with the session use cases (app/sessions/imageStore.ts); re-exported for callers here.
 * Keys are checked again here, so no caller can address a path outside the store.
 */
export {
  ImageNotFound,
  StorageError,
  StorageRejected,
  StorageUnavailable,
  type ImageStore,
  type PurgeResult,
  type StorageErrorCode,
  type StoredImage,
} from '../../app/sessions/imageStore.js';

/** Shortest and longest life of a presigned URL. A day covers any AI job; S3 allows up to 7 days. */
export const PRESIGNED_URL_MIN_TTL_SECONDS = 1;
export const PRESIGNED_URL_MAX_TTL_SECONDS = 24 * 60 * 60;
/** Largest object a store takes: uploads are at most 10 MB, generated images are smaller. */
export const MAX_STORED_OBJECT_BYTES = 20 * 1024 * 1024;
/** Most objects one deleteOlderThan run deletes; a daily job catches up over a few runs. */
export const PURGE_MAX_DELETES_PER_RUN = 10_000;

/** Keys and prefixes outside the safe character set are a bug in the caller: crash. */
export const assertKey = (key: string): void => {
  if (!isSafeStorageKey(key)) throw new RangeError(`unsafe storage key: ${JSON.stringify(key.slice(0, 100))}`);
};

export const assertPrefix = (prefix: string): void => {
  if (!isSafeStorageKey(prefix, { prefix: true }))
    throw new RangeError(`unsafe storage prefix: ${JSON.stringify(prefix.slice(0, 100))}`);
};

export const assertTtl = (ttlSeconds: number): void => {
  if (
    !Number.isSafeInteger(ttlSeconds) ||
    ttlSeconds < PRESIGNED_URL_MIN_TTL_SECONDS ||
    ttlSeconds > PRESIGNED_URL_MAX_TTL_SECONDS
  ) {
    throw new RangeError(
      `presigned URL lifetime must be ${PRESIGNED_URL_MIN_TTL_SECONDS}..${PRESIGNED_URL_MAX_TTL_SECONDS} s, ` +
        `got ${ttlSeconds}`,
    );
  }
};

export const assertSize = (bytes: Uint8Array): void => {
  if (bytes.length > MAX_STORED_OBJECT_BYTES)
    throw new RangeError(`object of ${bytes.length} bytes exceeds ${MAX_STORED_OBJECT_BYTES}`);
};
