import type { ImageMimeType } from './imageValidation.js';
import type { SessionCancelled, SessionExpired } from './sessionEndings.js';
import type { AiReceipt, HoldRequest, HoldResolution, ImageInput } from './sessionRules.js';
import type { StylePreferences } from './stylistPreferences.js';
import type { ShoppingProduct, StyleProfile, StyleRecommendation } from './stylistResults.js';

/**
 * The AI stylist session, stream `styling-<sessionId>`: photo, preferences, analysis, results,
 * shopping. State names are the architecture document's.
 */

export type StylistStatus =
  | 'not_started'
  | 'stylist_waiting_photo'
  | 'stylist_preferences'
  | 'stylist_processing'
  | 'stylist_results'
  | 'stylist_shopping'
  | 'completed'
  | 'failed'
  | 'expired'
  | 'cancelled';

interface At {
  occurredAt: string;
}

export type StylistCommand =
  | ({ type: 'StartStyling'; sessionId: string; userId: string } & At)
  | ({ type: 'ProvideStylePhoto'; imageKey: string; mimeType: ImageMimeType; bytes: number } & At)
  | ({
      type: 'SubmitPreferences';
      preferences: StylePreferences;
      /** The stylist price, from configuration. */
      credits: number;
      /** Set by the orchestrator from `consent-<userId>`. */
      hasConsent: boolean;
    } & At)
  | ({ type: 'RecordProcessingStarted'; attempt: number } & At)
  | ({ type: 'RecordReservationRejected'; reason: string } & At)
  | ({ type: 'RecordStylingResult'; profile: StyleProfile; recommendations: StyleRecommendation[] } & AiReceipt & At)
  | ({ type: 'RecordStylingFailed'; reason: string; attempts: number } & At)
  | ({ type: 'OpenShopping'; products: ShoppingProduct[] } & At)
  | ({ type: 'RecordProductClicked'; productId: string } & At)
  | ({ type: 'FinishStyling' } & At)
  | ({ type: 'CancelSession' } & At)
  | ({ type: 'ExpireSession' } & At);

export interface StylingResultData extends AiReceipt {
  profile: StyleProfile;
  recommendations: StyleRecommendation[];
}

export type StylistEvent =
  | { type: 'StylingStarted'; data: { sessionId: string; userId: string } & At }
  | { type: 'StylePhotoProvided'; data: ImageInput & At }
  | { type: 'StylePreferencesProvided'; data: { preferences: StylePreferences } & At }
  /** Inputs complete and consent given: the orchestrator reserves `hold.credits` now. */
  | { type: 'StylingSubmitted'; data: { hold: HoldRequest } & At }
  | { type: 'StylingProcessingStarted'; data: { attempt: number } & At }
  | { type: 'StylingSucceeded'; data: StylingResultData & { holdResolution: HoldResolution } & At }
  | { type: 'StylingFailed'; data: { reason: string; attempts: number; holdResolution: HoldResolution } & At }
  | { type: 'ShoppingOpened'; data: { products: ShoppingProduct[] } & At }
  | { type: 'ShoppingProductClicked'; data: { productId: string } & At }
  | { type: 'StylingCompleted'; data: { fromState: 'stylist_results' | 'stylist_shopping' } & At }
  | SessionCancelled<StylistStatus>
  | SessionExpired<StylistStatus>;

export interface StylistSession {
  status: StylistStatus;
  sessionId: string;
  userId: string;
  lastActivityAt: string;
  photo: ImageInput | null;
  preferences: StylePreferences | null;
  hold: HoldRequest | null;
  holdResolution: HoldResolution | null;
  attempt: number;
  result: StylingResultData | null;
  failure: { reason: string; attempts: number } | null;
  products: ShoppingProduct[] | null;
  clickedProductIds: string[];
}
