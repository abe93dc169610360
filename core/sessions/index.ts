import * as consent from './consent.js';
import { evolve as evolveStylist } from './stylistEvolve.js';
import { decide as decideStylist, initialState as initialStylistState } from './stylistSession.js';
import { evolve as evolveTryOn } from './tryOnEvolve.js';
import { decide as decideTryOn, initialState as initialTryOnState } from './tryOnSession.js';

/** The session deciders, each as `{ decide, evolve, initialState }` for the command handler. */
export const tryOnDecider = { decide: decideTryOn, evolve: evolveTryOn, initialState: initialTryOnState };
export const stylistDecider = { decide: decideStylist, evolve: evolveStylist, initialState: initialStylistState };
export const consentDecider = { decide: consent.decide, evolve: consent.evolve, initialState: consent.initialState };

export { hasConsent, type Consent, type ConsentCommand, type ConsentEvent, type ConsentRejection } from './consent.js';
export type { TryOnDecision } from './tryOnSession.js';
export type { StylistDecision } from './stylistSession.js';
export * from './tryOnTypes.js';
export * from './stylistTypes.js';
export * from './stylistPreferences.js';
export * from './stylistResults.js';
export type { SessionCancelled, SessionExpired } from './sessionEndings.js';
export {
  SESSION_IDLE_TIMEOUT_SECONDS,
  PROCESSING_HOLD_TTL_SECONDS,
  MAX_PROCESSING_ATTEMPTS,
  MAX_FEATURE_CREDITS,
  isTerminal,
  type SessionRejection,
  type SessionFeature,
  type HoldRequest,
  type HoldResolution,
  type HoldReleaseReason,
  type ImageInput,
  type AiReceipt,
  type TokenUsage,
  type TerminalStatus,
} from './sessionRules.js';
export * from './imageKeys.js';
export * from './imageValidation.js';
export * from './streams.js';
