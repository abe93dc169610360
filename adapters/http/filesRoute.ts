import type { FastifyPluginAsync } from 'fastify';
import { HttpError } from './errors.js';

/** Signed links to local files are served briefly cacheable and private: they are user photos. */
export const FILE_CACHE_SECONDS = 300;

/** The local image store as the files route needs it; the composition root builds it from storage. */
export interface LocalFiles {
  /** The path the signed links live under (`/files/`). */
  pathPrefix: string;
  /** The key a signed link grants, or why it grants nothing. */
  verify(
    url: string,
    now: Date,
  ): { ok: true; key: string } | { ok: false; reason: 'malformed' | 'bad_signature' | 'expired' };
  /** The file under `key`, or undefined when there is none. */
  read(key: string): Promise<{ mimeType: string; bytes: Uint8Array } | undefined>;
}

/**
 * Serves the local image store's signed links (`/files/<key>?expires=&signature=`) when images
 * are kept in MODERA_DATA_DIR; with R2 the links point at R2 and `files` is undefined: the route
 * is not registered.
 */
export const filesRoute =
  (files: LocalFiles | undefined): FastifyPluginAsync =>
  async (app) => {
    if (!files) return;
    app.get(`${files.pathPrefix}*`, { schema: { hide: true } }, async (request, reply) => {
      const check = files.verify(request.url, new Date());
      if (!check.ok)
        throw new HttpError('forbidden', `this file link is ${check.reason === 'expired' ? 'expired' : 'not valid'}`);
      const file = await files.read(check.key);
      if (!file) throw new HttpError('not_found', 'no such file (inputs are deleted after 24 hours)');
      return reply
        .type(file.mimeType)
        .header('cache-control', `private, max-age=${FILE_CACHE_SECONDS}`)
        .send(file.bytes);
    });
  };
