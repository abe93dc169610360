import { PNG_SIGNATURE, readJpegHeader, readPngHeader, readWebpHeader, type HeaderResult } from './imageHeaders.js';

/**
 * Validation of an uploaded image before anything is stored or spent: size, type by magic bytes
 * (never by file name or the client's claim), and pixel size read from the header. A refusal is a
 * value with a stable code; it costs the user nothing.
 */

/** "Image Upload: 10MB max file size" (architecture document, Rate Limiting). */
export const MAX_IMAGE_BYTES = 10 * 1024 * 1024;
/** Smaller than this is a thumbnail, not a photo the AI can work with. */
export const MIN_IMAGE_SIDE_PX = 64;
/** Larger than this is beyond what the providers take and a decompression risk. */
export const MAX_IMAGE_SIDE_PX = 8192;

export const IMAGE_MIME_TYPES = ['image/jpeg', 'image/png', 'image/webp'] as const;
export type ImageMimeType = (typeof IMAGE_MIME_TYPES)[number];

export type ImageRejection =
  'image_too_large' | 'unsupported_image_type' | 'image_dimensions_out_of_range' | 'image_corrupt';

export interface ImageInfo {
  mimeType: ImageMimeType;
  widthPx: number;
  heightPx: number;
  bytes: number;
}

export type ImageValidation = { ok: true; image: ImageInfo } | { ok: false; rejection: ImageRejection; detail: string };

const startsWith = (b: Uint8Array, signature: readonly number[], at = 0): boolean =>
  signature.every((byte, i) => b[at + i] === byte);

const JPEG_SIGNATURE = [0xff, 0xd8, 0xff] as const;
const RIFF = [0x52, 0x49, 0x46, 0x46] as const;
const WEBP = [0x57, 0x45, 0x42, 0x50] as const;

/** The type the bytes say they are; `truncated` when they are too short to tell but start like one. */
const sniff = (b: Uint8Array): ImageMimeType | 'truncated' | null => {
  if (startsWith(b, PNG_SIGNATURE)) return 'image/png';
  if (startsWith(b, JPEG_SIGNATURE)) return 'image/jpeg';
  if (startsWith(b, RIFF) && startsWith(b, WEBP, 8)) return 'image/webp';
  const prefixOf = (signature: readonly number[]) =>
    b.length < signature.length && startsWith(b, signature.slice(0, b.length));
  if (prefixOf(PNG_SIGNATURE) || prefixOf(JPEG_SIGNATURE) || (b.length < 12 && prefixOf(RIFF))) return 'truncated';
  return null;
};

const readHeader = (mimeType: ImageMimeType, b: Uint8Array): HeaderResult => {
  switch (mimeType) {
    case 'image/png':
      return readPngHeader(b);
    case 'image/jpeg':
      return readJpegHeader(b);
    case 'image/webp':
      return readWebpHeader(b);
    default: {
      const _exhaustive: never = mimeType;
      return _exhaustive;
    }
  }
};

const sideInRange = (px: number): boolean => px >= MIN_IMAGE_SIDE_PX && px <= MAX_IMAGE_SIDE_PX;

/** Checks an upload; pure, reads only headers, costs milliseconds even at the size limit. */
export const validateImage = (bytes: Uint8Array): ImageValidation => {
  if (bytes.length > MAX_IMAGE_BYTES) {
    return { ok: false, rejection: 'image_too_large', detail: `${bytes.length} bytes; at most ${MAX_IMAGE_BYTES}` };
  }
  if (bytes.length === 0) return { ok: false, rejection: 'image_corrupt', detail: 'empty file' };
  const mimeType = sniff(bytes);
  if (mimeType === 'truncated') return { ok: false, rejection: 'image_corrupt', detail: 'truncated signature' };
  if (mimeType === null) {
    return { ok: false, rejection: 'unsupported_image_type', detail: 'not a JPEG, PNG or WebP image' };
  }
  const header = readHeader(mimeType, bytes);
  if ('corrupt' in header) return { ok: false, rejection: 'image_corrupt', detail: header.corrupt };
  if (!sideInRange(header.widthPx) || !sideInRange(header.heightPx)) {
    return {
      ok: false,
      rejection: 'image_dimensions_out_of_range',
      detail: `${header.widthPx}×${header.heightPx} px; each side must be ${MIN_IMAGE_SIDE_PX}–${MAX_IMAGE_SIDE_PX}`,
    };
  }
  return { ok: true, image: { mimeType, widthPx: header.widthPx, heightPx: header.heightPx, bytes: bytes.length } };
};
