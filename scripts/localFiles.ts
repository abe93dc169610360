import type { LocalFiles } from '../adapters/http/filesRoute.js';
import { ImageNotFound, LOCAL_FILES_PATH, verifyLocalSignedUrl } from '../adapters/storage/index.js';
import type { Services } from './services.js';

/**
 * The local image store behind the HTTP files route; undefined when images are kept in R2 (no
 * local signing secret), so the route is not registered.
 */
export const localFiles = (services: Pick<Services, 'images' | 'localFilesSecret'>): LocalFiles | undefined => {
  const secret = services.localFilesSecret;
  if (!secret) return undefined;
  return {
    pathPrefix: LOCAL_FILES_PATH,
    verify: (url, now) => verifyLocalSignedUrl(url, { secret, now }),
    read: async (key) => {
      try {
        return await services.images.get(key);
      } catch (error) {
        if (error instanceof ImageNotFound) return undefined;
        throw error;
      }
    },
  };
};
