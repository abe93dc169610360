import { createHmac, timingSafeEqual } from 'node:crypto';
import { isSafeStorageKey } from '../../core/sessions/index.js';

/**
 * "Presigned" URLs for the local image store: `/files/<key>?expires=<unix s>&signature=<mac>`,
 * where the MAC is HMAC-SHA256 over the method, key and expiry. The HTTP layer serves a file only
 * when `verifyLocalSignedUrl` says so.
 */

export const LOCAL_FILES_PATH = '/files/';
/** A signing secret shorter than this is guessable. */
export const LOCAL_SIGNING_SECRET_MIN_BYTES = 32;

const mac = (secret: string | Uint8Array, key: string, expiresAtSeconds: number): Buffer =>
  createHmac('sha256', secret).update(`GET\n${key}\n${expiresAtSeconds}`).digest();

export const assertSigningSecret = (secret: string | Uint8Array): void => {
  const length = typeof secret === 'string' ? Buffer.byteLength(secret) : secret.length;
  if (length < LOCAL_SIGNING_SECRET_MIN_BYTES) {
    throw new RangeError(`local file signing secret must be at least ${LOCAL_SIGNING_SECRET_MIN_BYTES} bytes`);
  }
};

/** The path and query of a signed URL for `key` valid until `expiresAtSeconds` (Unix time). */
export const signLocalPath = (
  key: string,
  expiresAtSeconds: number,
  secret: string | Uint8Array,
  pathPrefix = LOCAL_FILES_PATH,
): string => {
  const signature = mac(secret, key, expiresAtSeconds).toString('base64url');
  return `${pathPrefix}${key}?expires=${expiresAtSeconds}&signature=${signature}`;
};

export type LocalUrlCheck =
  { ok: true; key: string; expiresAt: Date } | { ok: false; reason: 'malformed' | 'bad_signature' | 'expired' };

/**
 * Checks a signed local URL (absolute, or a path with its query as the HTTP layer sees it).
 * The signature is checked before the expiry, so a forged URL is never reported as "expired".
 */
export const verifyLocalSignedUrl = (
  url: string | URL,
  options: { secret: string | Uint8Array; now: Date; pathPrefix?: string },
): LocalUrlCheck => {
  const pathPrefix = options.pathPrefix ?? LOCAL_FILES_PATH;
  let parsed: URL;
  try {
    parsed = new URL(url, 'http://local.invalid');
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  if (!parsed.pathname.startsWith(pathPrefix)) return { ok: false, reason: 'malformed' };
  let key: string;
  try {
    key = decodeURIComponent(parsed.pathname.slice(pathPrefix.length));
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  const expires = parsed.searchParams.get('expires') ?? '';
  const signature = parsed.searchParams.get('signature') ?? '';
  if (!isSafeStorageKey(key) || !/^\d{1,12}$/.test(expires) || !/^[A-Za-z0-9_-]{43}$/.test(signature)) {
    return { ok: false, reason: 'malformed' };
  }
  const expiresAtSeconds = Number(expires);
  const expected = mac(options.secret, key, expiresAtSeconds);
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    return { ok: false, reason: 'bad_signature' };
  if (options.now.getTime() >= expiresAtSeconds * 1000) return { ok: false, reason: 'expired' };
  return { ok: true, key, expiresAt: new Date(expiresAtSeconds * 1000) };
};
