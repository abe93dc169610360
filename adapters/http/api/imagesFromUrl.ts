import type { ImageInput, ImageKind } from '../../../core/sessions/index.js';
import { MAX_IMAGE_BYTES } from '../../../core/sessions/index.js';

/**
 * The fashion routes take image URLs (the architecture document's `clothing_image_url`,
 * `person_image_url`). Fetching a URL a client names is a server-side request on its behalf, so
 * only hosts on an allowlist are fetched (Telegram's file host, our own bucket), over HTTPS,
 * with no redirects, a deadline and a size cap; the bytes then go through the same validation
 * and storage as a bot upload.
 */

/** An image fetch takes at most this long. */
export const IMAGE_FETCH_TIMEOUT_MS = 10_000;

export type ImageFromUrl = { ok: true; image: ImageInput } | { ok: false; rejection: string };

export interface ImagesFromUrlOptions {
  /** The bot's image port: validates by magic bytes and size, stores under a session key. */
  images: {
    store(
      kind: ImageKind,
      sessionId: string,
      bytes: Buffer,
    ): Promise<{ ok: true; image: ImageInput } | { ok: false; rejection: string }>;
  };
  /** Host names that may be fetched (exact match, lower case). */
  allowedHosts: readonly string[];
  /** Plain http too (tests against a local server only). */
  allowHttp?: boolean;
  fetch?: typeof fetch;
  timeoutMs?: number;
}

const readCapped = async (response: Response, maxBytes: number): Promise<Buffer | undefined> => {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
    total += chunk.length;
    if (total > maxBytes) return undefined;
    chunks.push(Buffer.from(chunk));
  }
  return Buffer.concat(chunks);
};

export const imagesFromUrl = (options: ImagesFromUrlOptions) => ({
  fromUrl: async (kind: ImageKind, sessionId: string, url: string): Promise<ImageFromUrl> => {
    const parsed = new URL(url);
    const schemeOk = parsed.protocol === 'https:' || (options.allowHttp === true && parsed.protocol === 'http:');
    if (!schemeOk || !options.allowedHosts.includes(parsed.hostname.toLowerCase()))
      return { ok: false, rejection: 'image_host_not_allowed' };
    let response: Response;
    try {
      response = await (options.fetch ?? fetch)(parsed, {
        redirect: 'manual',
        signal: AbortSignal.timeout(options.timeoutMs ?? IMAGE_FETCH_TIMEOUT_MS),
      });
    } catch {
      return { ok: false, rejection: 'image_fetch_failed' };
    }
    if (response.status !== 200 || !response.body) return { ok: false, rejection: 'image_fetch_failed' };
    const bytes = await readCapped(response, MAX_IMAGE_BYTES).catch(() => null);
    if (bytes === null) return { ok: false, rejection: 'image_fetch_failed' };
    if (bytes === undefined) return { ok: false, rejection: 'image_too_large' };
    return options.images.store(kind, sessionId, bytes);
  },
});
