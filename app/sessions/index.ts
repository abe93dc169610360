export {
  sessionCommandPath,
  outcomeOf,
  reserveOrRecordRefusal,
  userOf,
  NOT_SESSION_OWNER,
  WAITING_FOR_INPUT,
  type Acting,
  type SessionCommandPath,
  type SessionDecider,
} from './commandPath.js';
export {
  sessionStreams,
  loadStyling,
  loadTryOn,
  streamOf,
  resolutionIn,
  type LoadedSession,
  type SessionKind,
  type SessionResult,
  type SessionResultRejection,
  type SessionStreams,
  type SharedCommand,
} from './sessionStreams.js';
export {
  createStylistService,
  createTryOnService,
  DEFAULT_SESSION_ACTOR,
  type SessionServiceDependencies,
} from './services.js';
export { createImages, DELETE_MAX_SESSIONS } from './images.js';
export type {
  Actor,
  ConsentPort,
  HoldReserver,
  ImagesPort,
  Outcome,
  Prices,
  StoredImage,
  StylistPort,
  TryOnPort,
  Written,
} from './ports.js';
export {
  ImageNotFound,
  StorageError,
  StorageRejected,
  StorageUnavailable,
  type ImageStore,
  type PurgeResult,
  type StorageErrorCode,
  type StoredImage as StoredObject,
} from './imageStore.js';
export { storeUpload, contentHashOf, type StoredUpload, type StoreUploadResult } from './storeUpload.js';
