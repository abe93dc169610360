import { InvalidAiInput } from '../../app/worker/aiErrors.js';
import type { ImageMimeType } from '../../app/worker/aiPorts.js';

/** Largest photo we send to a provider (the architecture's upload limit). */
export const MAX_INPUT_IMAGE_BYTES = 10 * 1024 * 1024;
/** Largest image we accept back; a 1536×1024 PNG is ~3 MB, so this is generous. */
export const MAX_OUTPUT_IMAGE_BYTES = 25 * 1024 * 1024;

const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** The format the bytes say they are (magic numbers), or undefined if none we support. */
export const sniffImageType = (bytes: Buffer): ImageMimeType | undefined => {
  if (bytes.length >= 8 && bytes.subarray(0, 8).equals(PNG_MAGIC)) return 'image/png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg';
  if (bytes.length >= 12 && bytes.toString('latin1', 0, 4) === 'RIFF' && bytes.toString('latin1', 8, 12) === 'WEBP') {
    return 'image/webp';
  }
  return undefined;
};

/**
 * Checks a photo before any provider sees it, and returns its real type. A photo a provider
 * would refuse anyway is refused here, once, instead of once per provider in the chain.
 */
export const checkInputImage = (label: string, bytes: Buffer): ImageMimeType => {
  if (bytes.length > MAX_INPUT_IMAGE_BYTES) {
    throw new InvalidAiInput('input_too_large', `${label}: ${bytes.length} bytes, limit ${MAX_INPUT_IMAGE_BYTES}`);
  }
  const type = sniffImageType(bytes);
  if (!type) throw new InvalidAiInput('unsupported_image', `${label}: not a PNG, JPEG or WebP image`);
  return type;
};

export const extensionOf = (mimeType: ImageMimeType): string =>
  mimeType === 'image/jpeg' ? 'jpg' : mimeType === 'image/webp' ? 'webp' : 'png';

/** A `data:` URL, the form the Responses API takes inline images in. */
export const dataUrl = (bytes: Buffer, mimeType: ImageMimeType): string =>
  `data:${mimeType};base64,${bytes.toString('base64')}`;
