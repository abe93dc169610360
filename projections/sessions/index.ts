export {
  sessionsProjection,
  SESSIONS_PROJECTION,
  virtualTryOnId,
  styleAnalysisId,
  productRecommendationId,
} from './sessionsProjection.js';
export { SESSION_EVENT_TYPES, SESSION_CATEGORIES, SESSION_ENDING_TYPES } from './sessionEvents.js';
