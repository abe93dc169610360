import { createHash } from 'node:crypto';
import {
  keyFor,
  validateImage,
  type ImageKind,
  type ImageMimeType,
  type ImageRejection,
} from '../../core/sessions/index.js';
import type { ImageStore } from './imageStore.js';

export interface StoredUpload {
  imageKey: string;
  mimeType: ImageMimeType;
  bytes: number;
  widthPx: number;
  heightPx: number;
  contentHash: string;
}

export type StoreUploadResult =
  { ok: true; image: StoredUpload } | { ok: false; rejection: ImageRejection; detail: string };

/** Lower-case hex SHA-256 of the bytes: the content part of an image key. */
export const contentHashOf = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/**
 * Validates an upload (size, type by magic bytes, dimensions) and stores it under its
 * content-addressed key. A refused image is a value and is never stored. The result carries the
 * fields of ProvideClothingImage / ProvidePersonImage / ProvideStylePhoto.
 */
export const storeUpload = async (
  store: ImageStore,
  upload: { kind: ImageKind; sessionId: string; bytes: Uint8Array },
): Promise<StoreUploadResult> => {
  const checked = validateImage(upload.bytes);
  if (!checked.ok) return checked;
  const { mimeType, widthPx, heightPx } = checked.image;
  const contentHash = contentHashOf(upload.bytes);
  const imageKey = keyFor({ kind: upload.kind, sessionId: upload.sessionId, contentHash, mimeType });
  await store.put(imageKey, upload.bytes, mimeType);
  return { ok: true, image: { imageKey, mimeType, bytes: upload.bytes.length, widthPx, heightPx, contentHash } };
};
