export {
  sessionStreams, streamOf, resolutionIn, type SessionStreams, type SessionKind, type LoadedSession, type SharedCommand, type SessionResult,
} from './sessionStreams.js';
export { ImageNotFound, StorageError, StorageRejected, StorageUnavailable, type ImageStore, type PurgeResult } from './imageStore.js';
export { storeUpload, contentHashOf, type StoredUpload, type StoreUploadResult } from './storeUpload.js';
