import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  NotFound,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
  type _Object,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { ImageMimeType } from '../../core/sessions/index.js';
import {
  ImageNotFound,
  PURGE_MAX_DELETES_PER_RUN,
  StorageRejected,
  StorageUnavailable,
  assertKey,
  assertPrefix,
  assertSize,
  assertTtl,
  type ImageStore,
  type PurgeResult,
  type StoredImage,
} from './imageStore.js';

export interface R2Config {
  /** `https://<account>.r2.cloudflarestorage.com` (CLOUDFLARE_R2_ENDPOINT). */
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
  bucket: string;
}

/** Attempts per call, the first included (the SDK retries throttling and 5xx with backoff). */
export const R2_MAX_ATTEMPTS = 3;
export const R2_CONNECT_TIMEOUT_MS = 5_000;
export const R2_REQUEST_TIMEOUT_MS = 30_000;
/** Deletes in flight at once during a purge. */
export const R2_PURGE_CONCURRENCY = 8;

/** The R2 settings from the environment, or null when any is missing (image storage is then local). */
export const r2ConfigFromEnv = (env: Record<string, string | undefined>): R2Config | null => {
  const {
    CLOUDFLARE_R2_ENDPOINT: endpoint,
    CLOUDFLARE_R2_ACCESS_KEY: accessKeyId,
    CLOUDFLARE_R2_SECRET_KEY: secretAccessKey,
    CLOUDFLARE_R2_BUCKET: bucket,
  } = env;
  return endpoint && accessKeyId && secretAccessKey && bucket
    ? { endpoint, accessKeyId, secretAccessKey, bucket }
    : null;
};

/**
 * An S3 client set up for R2. R2 has one region, `auto`; it rejects the CRC checksums newer SDKs
 * add to every upload by default, so checksums are only sent (and checked) where the API
 * requires them; and buckets are addressed by path, not by subdomain.
 */
export const createR2Client = (config: R2Config): S3Client =>
  new S3Client({
    region: 'auto',
    endpoint: config.endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: R2_MAX_ATTEMPTS,
    requestHandler: {
      connectionTimeout: R2_CONNECT_TIMEOUT_MS,
      requestTimeout: R2_REQUEST_TIMEOUT_MS,
      throwOnRequestTimeout: true,
    },
  });

/** Sorts an SDK failure into the storage failure domains. */
const storageError = (error: unknown, what: string): Error => {
  if (error instanceof S3ServiceException) {
    return error.$fault === 'client'
      ? new StorageRejected(error.name, `${what}: R2 said ${error.name}: ${error.message}`, error)
      : new StorageUnavailable(`${what}: R2 failed with ${error.name}`, error);
  }
  return new StorageUnavailable(
    `${what}: R2 unreachable: ${error instanceof Error ? error.message : String(error)}`,
    error,
  );
};

/** Image storage in a Cloudflare R2 bucket through the S3 API. */
export class R2ImageStore implements ImageStore {
  readonly kind = 'r2' as const;
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly maxDeletesPerPurge: number;

  constructor(config: R2Config, options: { client?: S3Client; maxDeletesPerPurge?: number } = {}) {
    this.client = options.client ?? createR2Client(config);
    this.bucket = config.bucket;
    this.maxDeletesPerPurge = options.maxDeletesPerPurge ?? PURGE_MAX_DELETES_PER_RUN;
  }

  /** Uploads one object with its content type. */
  async put(key: string, bytes: Uint8Array, mimeType: ImageMimeType): Promise<void> {
    assertKey(key);
    assertSize(bytes);
    try {
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Body: bytes,
          ContentType: mimeType,
          ContentLength: bytes.length,
        }),
      );
    } catch (error) {
      throw storageError(error, `put ${key}`);
    }
  }

  /** Downloads one object; ImageNotFound when the key does not exist. */
  async get(key: string): Promise<StoredImage> {
    assertKey(key);
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      const bytes = out.Body ? await out.Body.transformToByteArray() : new Uint8Array(0);
      return {
        key,
        bytes,
        mimeType: out.ContentType ?? 'application/octet-stream',
        lastModified: out.LastModified ?? new Date(0),
      };
    } catch (error) {
      if (error instanceof NoSuchKey || error instanceof NotFound) throw new ImageNotFound(key);
      throw storageError(error, `get ${key}`);
    }
  }

  /** Deletes one object; S3 answers 204 for a missing key too, so this is idempotent. */
  async delete(key: string): Promise<void> {
    assertKey(key);
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
    } catch (error) {
      throw storageError(error, `delete ${key}`);
    }
  }

  /** A SigV4 query-signed GET URL that R2 refuses after `ttlSeconds`. */
  async presignedGetUrl(key: string, ttlSeconds: number): Promise<string> {
    assertKey(key);
    assertTtl(ttlSeconds);
    return getSignedUrl(this.client, new GetObjectCommand({ Bucket: this.bucket, Key: key }), {
      expiresIn: ttlSeconds,
    });
  }

  /** Lists `prefix` page by page and deletes what was last written before `cutoff`. */
  async deleteOlderThan(prefix: string, cutoff: Date): Promise<PurgeResult> {
    assertPrefix(prefix);
    let deleted = 0;
    let scanned = 0;
    let continuationToken: string | undefined;
    do {
      let page;
      try {
        page = await this.client.send(
          new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: continuationToken }),
        );
      } catch (error) {
        throw storageError(error, `list ${prefix}`);
      }
      const contents: _Object[] = page.Contents ?? [];
      scanned += contents.length;
      const old = contents
        .filter((o) => o.Key !== undefined && o.LastModified !== undefined && o.LastModified < cutoff)
        .slice(0, this.maxDeletesPerPurge - deleted);
      for (let i = 0; i < old.length; i += R2_PURGE_CONCURRENCY) {
        await Promise.all(old.slice(i, i + R2_PURGE_CONCURRENCY).map((o) => this.delete(o.Key!)));
      }
      deleted += old.length;
      if (deleted >= this.maxDeletesPerPurge) return { deleted, scanned, complete: false };
      continuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (continuationToken);
    return { deleted, scanned, complete: true };
  }

  /** Closes the client's connections. */
  close(): void {
    this.client.destroy();
  }
}
