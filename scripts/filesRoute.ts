import type { FastifyPluginAsync } from 'fastify';
import { HttpError } from '../adapters/http/errors.js';
import { ImageNotFound, LOCAL_FILES_PATH, verifyLocalSignedUrl } from '../adapters/storage/index.js';
import type { Services } from './services.js';

/** Signed links to local files are served briefly cacheable and private: they are user photos. */
export const FILE_CACHE_SECONDS = 300;

/**
 * Serves the local image store's signed links (`/files/<key>?expires=&signature=`) when images
 * are kept in MODERA_DATA_DIR; with R2 the links point at R2 and this route is not registered.
 */
export const filesRoute = (services: Pick<Services, 'images' | 'localFilesSecret'>): FastifyPluginAsync => async (app) => {
  const secret = services.localFilesSecret;
  if (!secret) return;
  app.get(`${LOCAL_FILES_PATH}*`, { schema: { hide: true } }, async (request, reply) => {
    const check = verifyLocalSignedUrl(request.url, { secret, now: new Date() });
    if (!check.ok) throw new HttpError('forbidden', `this file link is ${check.reason === 'expired' ? 'expired' : 'not valid'}`);
    try {
      const file = await services.images.get(check.key);
      return reply.type(file.mimeType).header('cache-control', `private, max-age=${FILE_CACHE_SECONDS}`).send(file.bytes);
    } catch (error) {
      if (error instanceof ImageNotFound) throw new HttpError('not_found', 'no such file (inputs are deleted after 24 hours)');
      throw error;
    }
  });
};
