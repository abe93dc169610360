export * from './imageStore.js';
export { R2ImageStore, createR2Client, r2ConfigFromEnv, R2_MAX_ATTEMPTS, type R2Config } from './r2ImageStore.js';
export { LocalImageStore, type LocalImageStoreOptions } from './localImageStore.js';
export {
  verifyLocalSignedUrl,
  signLocalPath,
  LOCAL_FILES_PATH,
  LOCAL_SIGNING_SECRET_MIN_BYTES,
  type LocalUrlCheck,
} from './localSignedUrl.js';
export { purgeExpiredInputs, INPUT_RETENTION_SECONDS } from './purgeExpiredInputs.js';
export {
  storeUpload,
  contentHashOf,
  type StoredUpload,
  type StoreUploadResult,
} from '../../app/sessions/storeUpload.js';
// Key layout and upload validation are pure and live in the core; re-exported for callers here.
export {
  keyFor,
  parseImageKey,
  validateImage,
  IMAGE_DIRECTORIES,
  USER_UPLOADS_PREFIX,
  GENERATED_IMAGES_PREFIX,
  MAX_IMAGE_BYTES,
  MIN_IMAGE_SIDE_PX,
  MAX_IMAGE_SIDE_PX,
  type ImageKind,
  type ImageMimeType,
  type ImageRejection,
} from '../../core/sessions/index.js';
