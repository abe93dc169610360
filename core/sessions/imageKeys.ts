import type { ImageMimeType } from './imageValidation.js';

/**
 * Storage keys for images. A key is built only from a session id (a UUID we made), a content
 * hash and a kind: never from anything the user typed or named, so keys cannot collide across
 * sessions, leak a file name, or climb out of their directory. Directories follow the
 * architecture document's R2 layout; everything under `user-uploads/` is deleted after a day.
 */

export const IMAGE_KINDS = ['clothing', 'person', 'style_input', 'tryon_result', 'style_asset'] as const;
export type ImageKind = (typeof IMAGE_KINDS)[number];

export const USER_UPLOADS_PREFIX = 'user-uploads/';
export const GENERATED_IMAGES_PREFIX = 'generated-images/';

export const IMAGE_DIRECTORIES = {
  clothing: 'user-uploads/clothing',
  person: 'user-uploads/persons',
  // The stylist's input is a photo of a person, kept (and purged) with the try-on persons.
  style_input: 'user-uploads/persons',
  tryon_result: 'generated-images/tryons',
  style_asset: 'generated-images/styles',
} as const satisfies Record<ImageKind, string>;
export type ImageDirectory = (typeof IMAGE_DIRECTORIES)[ImageKind];

const EXTENSIONS = { 'image/jpeg': 'jpg', 'image/png': 'png', 'image/webp': 'webp' } as const satisfies Record<
  ImageMimeType,
  string
>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const SHA256_HEX = /^[0-9a-f]{64}$/;

/** A canonical lower-case UUID (versions 1–8), the only session id form we issue. */
export const isUuid = (value: string): boolean => UUID.test(value);

export interface ImageKeyParts {
  kind: ImageKind;
  sessionId: string;
  /** Lower-case hex SHA-256 of the bytes. */
  contentHash: string;
  mimeType: ImageMimeType;
}

/** `user-uploads/clothing/<sessionId>/<sha256>.jpg` and the like. Throws on ids we never issue. */
export const keyFor = ({ kind, sessionId, contentHash, mimeType }: ImageKeyParts): string => {
  if (!isUuid(sessionId)) throw new RangeError(`image key: session id is not a UUID: ${JSON.stringify(sessionId)}`);
  if (!SHA256_HEX.test(contentHash)) throw new RangeError('image key: content hash is not lower-case hex SHA-256');
  const extension = EXTENSIONS[mimeType];
  if (extension === undefined) throw new RangeError(`image key: unsupported type ${JSON.stringify(mimeType)}`);
  return `${IMAGE_DIRECTORIES[kind]}/${sessionId}/${contentHash}.${extension}`;
};

export interface ParsedImageKey {
  directory: ImageDirectory;
  sessionId: string;
  contentHash: string;
  mimeType: ImageMimeType;
}

const DIRECTORIES = new Set<string>(Object.values(IMAGE_DIRECTORIES));
const MIME_BY_EXTENSION = new Map<string, ImageMimeType>(
  Object.entries(EXTENSIONS).map(([mime, ext]) => [ext, mime as ImageMimeType]),
);

/** The parts of a key made by `keyFor`; null for anything else. */
export const parseImageKey = (key: string): ParsedImageKey | null => {
  const match = /^([a-z-]+\/[a-z]+)\/([^/]+)\/([0-9a-f]{64})\.([a-z]+)$/.exec(key);
  if (!match) return null;
  const [, directory = '', sessionId = '', contentHash = '', extension = ''] = match;
  const mimeType = MIME_BY_EXTENSION.get(extension);
  if (!DIRECTORIES.has(directory) || !isUuid(sessionId) || mimeType === undefined) return null;
  return { directory: directory as ImageDirectory, sessionId, contentHash, mimeType };
};

/** Whether `key` is a key `keyFor` makes for this kind and session. */
export const isKeyOf = (key: string, kind: ImageKind, sessionId: string): ParsedImageKey | null => {
  const parsed = parseImageKey(key);
  return parsed && parsed.directory === IMAGE_DIRECTORIES[kind] && parsed.sessionId === sessionId ? parsed : null;
};

/** Longest key any store accepts (S3 allows 1024 bytes; ours are about 130). */
export const STORAGE_KEY_MAX_LENGTH = 512;

/**
 * The character set every store accepts for keys and prefixes: lower-case letters, digits,
 * `-`, `_`, `.`, `/`; no empty or dot-only segment, so a key can never name a parent directory.
 */
export const isSafeStorageKey = (key: string, options: { prefix?: boolean } = {}): boolean => {
  if (key.length === 0 || key.length > STORAGE_KEY_MAX_LENGTH || !/^[a-z0-9._/-]+$/.test(key)) return false;
  const segments = key.split('/');
  if (options.prefix && segments.at(-1) === '') segments.pop();
  return segments.every((s) => s !== '' && !/^\.+$/.test(s));
};
