export {
  INSTANT_MAX_LENGTH,
  INSTANT_REJECTION_MESSAGES,
  INSTANT_REJECTIONS,
  parseInstant,
  type InstantRejection,
  type InstantResult,
} from './instant.js';
export { JSON_MAX_DEPTH, jsonDepthExceeds } from './jsonDepth.js';
