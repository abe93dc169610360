import type { ImageMimeType } from '../../core/sessions/index.js';

/**
 * The image storage port. The session flows store uploads in it and the AI worker reads them and stores
 * its results. Implemented in adapters/storage: R2 (S3 API) in production and a local directory
 * when no R2 is configured. Keys come from `keyFor` (core/sessions/imageKeys.ts).
 */

export interface StoredImage {
  key: string;
  bytes: Uint8Array;
  mimeType: string;
  lastModified: Date;
}

export interface PurgeResult {
  deleted: number;
  /** Objects looked at under the prefix, deleted or not. */
  scanned: number;
  /** False when a limit stopped the run early; the next run carries on. */
  complete: boolean;
}

export interface ImageStore {
  readonly kind: 'r2' | 'local';
  /** Stores (or overwrites) one object. Keys are content-addressed, so a retry writes the same bytes. */
  put(key: string, bytes: Uint8Array, mimeType: ImageMimeType): Promise<void>;
  /** Reads one object; throws ImageNotFound when there is none. */
  get(key: string): Promise<StoredImage>;
  /** Deletes one object; deleting a missing one succeeds. */
  delete(key: string): Promise<void>;
  /** A URL that lets its holder GET the object until `ttlSeconds` from now, and not after. */
  presignedGetUrl(key: string, ttlSeconds: number): Promise<string>;
  /** Deletes objects under `prefix` last written before `cutoff`. */
  deleteOlderThan(prefix: string, cutoff: Date): Promise<PurgeResult>;
}

export type StorageErrorCode = 'not_found' | 'storage_rejected' | 'storage_unavailable';

/** Failures of a store, one class per failure domain; `code` is stable. */
export class StorageError extends Error {
  constructor(
    readonly code: StorageErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'StorageError';
  }
}

/** The object does not exist (S3 `NoSuchKey`, or no file). */
export class ImageNotFound extends StorageError {
  constructor(readonly key: string) {
    super('not_found', `no image at ${key}`);
    this.name = 'ImageNotFound';
  }
}

/** The service answered and said no (access denied, bad request): retrying will not help. */
export class StorageRejected extends StorageError {
  constructor(
    readonly serviceCode: string,
    message: string,
    cause?: unknown,
  ) {
    super('storage_rejected', message, { cause });
    this.name = 'StorageRejected';
  }
}

/** The service could not be reached or failed (5xx, timeout); a write's outcome is unknown. */
export class StorageUnavailable extends StorageError {
  constructor(message: string, cause?: unknown) {
    super('storage_unavailable', message, { cause });
    this.name = 'StorageUnavailable';
  }
}
