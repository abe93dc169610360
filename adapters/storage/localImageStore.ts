import { randomUUID } from 'node:crypto';
import { mkdir, readFile, readdir, rename, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ImageMimeType } from '../../core/sessions/index.js';
import {
  ImageNotFound,
  PURGE_MAX_DELETES_PER_RUN,
  StorageUnavailable,
  assertKey,
  assertPrefix,
  assertSize,
  assertTtl,
  type ImageStore,
  type PurgeResult,
  type StoredImage,
} from './imageStore.js';
import { LOCAL_FILES_PATH, assertSigningSecret, signLocalPath } from './localSignedUrl.js';

const MIME_BY_EXTENSION: Record<string, ImageMimeType> = {
  '.jpg': 'image/jpeg',
  '.png': 'image/png',
  '.webp': 'image/webp',
};
const TEMP_SUFFIX = '.tmp';

export interface LocalImageStoreOptions {
  /** Key for the HMAC of signed URLs; at least 32 bytes. */
  signingSecret: string | Uint8Array;
  /** Prepended to signed paths, e.g. `https://modera.example`; default: none (a path). */
  urlBase?: string;
  /** Path the HTTP layer serves files under; default `/files/`. */
  pathPrefix?: string;
  clock?: () => Date;
  /** Default PURGE_MAX_DELETES_PER_RUN. */
  maxDeletesPerPurge?: number;
}

const isMissing = (error: unknown): boolean => (error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';

/**
 * Image storage in a directory (`MODERA_DATA_DIR/files`) for running without R2. Same contract
 * as R2: keys are paths under the root, writes are atomic (temp file, then rename), signed URLs
 * expire, and "last modified" is the file's mtime.
 */
export class LocalImageStore implements ImageStore {
  readonly kind = 'local' as const;
  private readonly root: string;
  private readonly clock: () => Date;

  constructor(
    rootDir: string,
    private readonly options: LocalImageStoreOptions,
  ) {
    assertSigningSecret(options.signingSecret);
    this.root = path.resolve(rootDir);
    this.clock = options.clock ?? (() => new Date());
  }

  private pathOf(key: string): string {
    assertKey(key);
    const file = path.resolve(this.root, ...key.split('/'));
    // isSafeStorageKey already rules out `..`; this is the belt to its braces.
    if (!file.startsWith(this.root + path.sep)) throw new RangeError(`key escapes the store: ${key}`);
    return file;
  }

  /** Writes the file atomically; a key's extension must agree with the type. */
  async put(key: string, bytes: Uint8Array, mimeType: ImageMimeType): Promise<void> {
    const file = this.pathOf(key);
    assertSize(bytes);
    const declared = MIME_BY_EXTENSION[path.extname(key)];
    if (declared !== undefined && declared !== mimeType)
      throw new RangeError(`key ${key} does not fit type ${mimeType}`);
    try {
      await mkdir(path.dirname(file), { recursive: true });
      const temp = `${file}.${randomUUID()}${TEMP_SUFFIX}`;
      await writeFile(temp, bytes);
      await rename(temp, file);
    } catch (error) {
      throw new StorageUnavailable(`put ${key}: ${(error as Error).message}`, error);
    }
  }

  /** Reads the file; ImageNotFound when it does not exist. */
  async get(key: string): Promise<StoredImage> {
    const file = this.pathOf(key);
    try {
      const [bytes, info] = await Promise.all([readFile(file), stat(file)]);
      return {
        key,
        bytes: new Uint8Array(bytes),
        mimeType: MIME_BY_EXTENSION[path.extname(key)] ?? 'application/octet-stream',
        lastModified: info.mtime,
      };
    } catch (error) {
      if (isMissing(error)) throw new ImageNotFound(key);
      throw new StorageUnavailable(`get ${key}: ${(error as Error).message}`, error);
    }
  }

  /** Removes the file; a missing one is fine. */
  async delete(key: string): Promise<void> {
    const file = this.pathOf(key);
    try {
      await rm(file, { force: true });
    } catch (error) {
      throw new StorageUnavailable(`delete ${key}: ${(error as Error).message}`, error);
    }
  }

  /** A path (or URL, with `urlBase`) carrying an HMAC and an expiry; see verifyLocalSignedUrl. */
  async presignedGetUrl(key: string, ttlSeconds: number): Promise<string> {
    assertKey(key);
    assertTtl(ttlSeconds);
    const expiresAtSeconds = Math.floor(this.clock().getTime() / 1000) + ttlSeconds;
    const signed = signLocalPath(
      key,
      expiresAtSeconds,
      this.options.signingSecret,
      this.options.pathPrefix ?? LOCAL_FILES_PATH,
    );
    return `${this.options.urlBase ?? ''}${signed}`;
  }

  /** Walks the directory under `prefix`, deletes files older than `cutoff`, then empty directories. */
  async deleteOlderThan(prefix: string, cutoff: Date): Promise<PurgeResult> {
    assertPrefix(prefix);
    const directory = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/')) : '';
    const result: PurgeResult = { deleted: 0, scanned: 0, complete: true };
    await this.purgeDirectory(directory, prefix, cutoff, result);
    return result;
  }

  private async purgeDirectory(directory: string, prefix: string, cutoff: Date, result: PurgeResult): Promise<void> {
    const absolute = directory === '' ? this.root : path.join(this.root, ...directory.split('/'));
    let entries;
    try {
      entries = await readdir(absolute, { withFileTypes: true });
    } catch (error) {
      if (isMissing(error)) return;
      throw new StorageUnavailable(`list ${prefix}: ${(error as Error).message}`, error);
    }
    for (const entry of entries) {
      if (result.deleted >= (this.options.maxDeletesPerPurge ?? PURGE_MAX_DELETES_PER_RUN)) {
        result.complete = false;
        return;
      }
      const key = directory === '' ? entry.name : `${directory}/${entry.name}`;
      if (entry.isDirectory()) {
        if (!`${key}/`.startsWith(prefix) && !prefix.startsWith(`${key}/`)) continue;
        await this.purgeDirectory(key, prefix, cutoff, result);
        // Leave no empty session directories behind; rmdir fails (harmlessly) if any file is left.
        await rmdir(path.join(absolute, entry.name)).catch(() => undefined);
      } else if (entry.isFile() && key.startsWith(prefix)) {
        result.scanned++;
        const file = path.join(absolute, entry.name);
        const info = await stat(file).catch(() => null);
        if (info && info.mtime < cutoff) {
          await rm(file, { force: true });
          result.deleted++;
        }
      }
    }
  }
}
