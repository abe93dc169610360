import type { HoldResolution, StylistEvent, TryOnEvent } from '../../core/sessions/index.js';
import type { SessionEvent } from './sessionEvents.js';

/**
 * What one session event changes in its `fashion_sessions` row, worked out without IO. `null`
 * fields are left as they are. The document's coarse `status` is `active` until the session
 * ends; a session that delivered its result is `completed` even if it later idles out (its FSM
 * `state` then says `expired`).
 */
export interface SessionRowChange {
  state: string | null;
  /** `completed`, `failed`, `cancelled`, `expired`; applied unless the row is already completed. */
  status: string | null;
  /** Merged into input_data / result_data. */
  input: Record<string, unknown> | null;
  result: Record<string, unknown> | null;
  creditsUsed: number | null;
  submitted: boolean;
  /** Sets completed_at (first time) and processing_time from submitted_at. */
  ends: boolean;
}

const NONE: SessionRowChange = {
  state: null,
  status: null,
  input: null,
  result: null,
  creditsUsed: null,
  submitted: false,
  ends: false,
};

const capturedCredits = (resolution: HoldResolution): number =>
  resolution.action === 'capture' ? resolution.credits : 0;

const change = (patch: Partial<SessionRowChange>): SessionRowChange => ({ ...NONE, ...patch });

const tryOnChange = (event: TryOnEvent): SessionRowChange => {
  switch (event.type) {
    case 'TryOnStarted':
      return change({ state: 'tryon_waiting_clothing' });
    case 'ClothingImageProvided': {
      const { imageKey, mimeType, bytes } = event.data;
      return change({ state: 'tryon_waiting_person', input: { clothing: { imageKey, mimeType, bytes } } });
    }
    case 'PersonImageProvided': {
      const { imageKey, mimeType, bytes } = event.data;
      return change({ input: { person: { imageKey, mimeType, bytes } } });
    }
    case 'TryOnSubmitted':
      return change({ state: 'tryon_processing', submitted: true, input: { hold: event.data.hold } });
    case 'TryOnProcessingStarted':
      return change({ result: { attempts: event.data.attempt } });
    case 'TryOnSucceeded': {
      const { holdResolution, occurredAt: _at, ...result } = event.data;
      return change({
        state: 'tryon_result',
        status: 'completed',
        ends: true,
        creditsUsed: capturedCredits(holdResolution),
        result: { ...result, holdResolution },
      });
    }
    case 'TryOnFailed': {
      const { reason, attempts, holdResolution } = event.data;
      return change({
        state: 'failed',
        status: 'failed',
        ends: true,
        creditsUsed: 0,
        result: { failure: { reason, attempts }, holdResolution },
      });
    }
    case 'TryOnRated':
      return change({ result: { rating: event.data.rating } });
    case 'TryOnCompleted':
      return change({ state: 'completed', status: 'completed', result: { next: event.data.next } });
    case 'SessionCancelled':
      return change({ state: 'cancelled', status: 'cancelled', ends: true });
    case 'SessionExpired':
      return change({ state: 'expired', status: 'expired', ends: true });
    default: {
      const _exhaustive: never = event;
      return _exhaustive;
    }
  }
};

const stylistChange = (event: StylistEvent): SessionRowChange => {
  switch (event.type) {
    case 'StylingStarted':
      return change({ state: 'stylist_waiting_photo' });
    case 'StylePhotoProvided': {
      const { imageKey, mimeType, bytes } = event.data;
      return change({ state: 'stylist_preferences', input: { photo: { imageKey, mimeType, bytes } } });
    }
    case 'StylePreferencesProvided':
      return change({ input: { preferences: event.data.preferences } });
    case 'StylingSubmitted':
      return change({ state: 'stylist_processing', submitted: true, input: { hold: event.data.hold } });
    case 'StylingProcessingStarted':
      return change({ result: { attempts: event.data.attempt } });
    case 'StylingSucceeded': {
      const { holdResolution, provider, model, usage, costMicroUsd, processingMs } = event.data;
      return change({
        state: 'stylist_results',
        status: 'completed',
        ends: true,
        creditsUsed: capturedCredits(holdResolution),
        result: {
          provider,
          model,
          usage,
          costMicroUsd,
          processingMs,
          holdResolution,
          recommendations: event.data.recommendations.length,
        },
      });
    }
    case 'StylingFailed': {
      const { reason, attempts, holdResolution } = event.data;
      return change({
        state: 'failed',
        status: 'failed',
        ends: true,
        creditsUsed: 0,
        result: { failure: { reason, attempts }, holdResolution },
      });
    }
    case 'ShoppingOpened':
      return change({ state: 'stylist_shopping', result: { products: event.data.products.length } });
    case 'ShoppingProductClicked':
      return NONE;
    case 'StylingCompleted':
      return change({ state: 'completed', status: 'completed' });
    case 'SessionCancelled':
      return change({ state: 'cancelled', status: 'cancelled', ends: true });
    case 'SessionExpired':
      return change({ state: 'expired', status: 'expired', ends: true });
    default: {
      const _exhaustive: never = event;
      return _exhaustive;
    }
  }
};

export const sessionRowChange = (e: SessionEvent): SessionRowChange =>
  e.kind === 'tryon' ? tryOnChange(e.event) : stylistChange(e.event);
