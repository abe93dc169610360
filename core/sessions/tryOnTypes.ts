import type { AiReceipt, HoldRequest, HoldResolution, ImageInput } from './sessionRules.js';
import type { ImageMimeType } from './imageValidation.js';
import type { SessionCancelled, SessionExpired } from './sessionEndings.js';

/**
 * The virtual try-on session, stream `tryon-<sessionId>`: the bot's try-on FSM as events.
 * State names are the architecture document's; `not_started` is a stream with no events, and the
 * four terminal statuses replace its "return to default".
 */

export type TryOnStatus =
  | 'not_started'
  | 'tryon_waiting_clothing'
  | 'tryon_waiting_person'
  | 'tryon_processing'
  | 'tryon_result'
  | 'completed'
  | 'failed'
  | 'expired'
  | 'cancelled';

export const MIN_RATING = 1;
export const MAX_RATING = 5;
/** Quality scores are 0..1 with two decimals (`virtual_tryons.quality_score DECIMAL(3,2)`). */
export const MAX_QUALITY_SCORE = 1;

export type TryOnNext = 'new_tryon' | 'menu';

interface At {
  occurredAt: string;
}

export type TryOnCommand =
  | ({ type: 'StartTryOn'; sessionId: string; userId: string } & At)
  | ({ type: 'ProvideClothingImage'; imageKey: string; mimeType: ImageMimeType; bytes: number } & At)
  | ({
      type: 'ProvidePersonImage';
      imageKey: string;
      mimeType: ImageMimeType;
      bytes: number;
      /** The try-on price, from configuration. */
      credits: number;
      /** Set by the orchestrator from `consent-<userId>`. */
      hasConsent: boolean;
    } & At)
  | ({ type: 'RecordProcessingStarted'; attempt: number } & At)
  /** The ledger refused ReserveCredits (e.g. `insufficient_credits`): nothing is held. */
  | ({ type: 'RecordReservationRejected'; reason: string } & At)
  | ({ type: 'RecordTryOnResult'; resultImageKey: string; qualityScore: number } & AiReceipt & At)
  | ({ type: 'RecordTryOnFailed'; reason: string; attempts: number } & At)
  | ({ type: 'RateResult'; rating: number } & At)
  | ({ type: 'TryAgain' } & At)
  | ({ type: 'BackToMenu' } & At)
  | ({ type: 'CancelSession' } & At)
  | ({ type: 'ExpireSession' } & At);

export interface TryOnResultData extends AiReceipt {
  resultImageKey: string;
  qualityScore: number;
}

export type TryOnEvent =
  | { type: 'TryOnStarted'; data: { sessionId: string; userId: string } & At }
  | { type: 'ClothingImageProvided'; data: ImageInput & At }
  | { type: 'PersonImageProvided'; data: ImageInput & At }
  /** Inputs complete and consent given: the orchestrator reserves `hold.credits` now. */
  | { type: 'TryOnSubmitted'; data: { hold: HoldRequest } & At }
  | { type: 'TryOnProcessingStarted'; data: { attempt: number } & At }
  | { type: 'TryOnSucceeded'; data: TryOnResultData & { holdResolution: HoldResolution } & At }
  | { type: 'TryOnFailed'; data: { reason: string; attempts: number; holdResolution: HoldResolution } & At }
  | { type: 'TryOnRated'; data: { rating: number } & At }
  | { type: 'TryOnCompleted'; data: { next: TryOnNext } & At }
  | SessionCancelled<TryOnStatus>
  | SessionExpired<TryOnStatus>;

export interface TryOnSession {
  status: TryOnStatus;
  sessionId: string;
  userId: string;
  /** Time of the last event: the idle clock starts here. */
  lastActivityAt: string;
  clothing: ImageInput | null;
  person: ImageInput | null;
  hold: HoldRequest | null;
  holdResolution: HoldResolution | null;
  /** The last processing attempt a worker reported starting; 0 before the first. */
  attempt: number;
  result: TryOnResultData | null;
  failure: { reason: string; attempts: number } | null;
  rating: number | null;
  next: TryOnNext | null;
}
