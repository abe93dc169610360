import { invariant } from '../decider/index.js';
import { evolveFailed, evolveProcessingStarted, evolveSubmitted, evolveSucceeded } from './sessionCommon.js';
import { evolveEnding } from './sessionEndings.js';
import { laterOf } from './sessionRules.js';
import type { StylistEvent, StylistSession } from './stylistTypes.js';

/**
 * Applies one stylist event. It checks no business rule (`decide` did); it asserts the facts fit
 * together and crashes when they do not, since a stream that breaks them is corrupt.
 */
export const evolve = (state: StylistSession, event: StylistEvent): StylistSession => {
  const s = { ...state, lastActivityAt: laterOf(state.lastActivityAt, event.data.occurredAt) };
  const expect = (condition: boolean) => invariant(condition, 'session', `${event.type} in state ${state.status}`);
  switch (event.type) {
    case 'StylingStarted':
      expect(state.status === 'not_started');
      return { ...s, status: 'stylist_waiting_photo', sessionId: event.data.sessionId, userId: event.data.userId };
    case 'StylePhotoProvided': {
      expect(state.status === 'stylist_waiting_photo');
      const { imageKey, mimeType, bytes } = event.data;
      return { ...s, status: 'stylist_preferences', photo: { imageKey, mimeType, bytes } };
    }
    case 'StylePreferencesProvided':
      expect(state.status === 'stylist_preferences' && state.preferences === null);
      return { ...s, preferences: event.data.preferences };
    case 'StylingSubmitted':
      expect(state.status === 'stylist_preferences' && state.photo !== null && state.preferences !== null);
      return evolveSubmitted(state, s, event, 'stylist_processing');
    case 'StylingProcessingStarted':
      return evolveProcessingStarted(state, event, 'stylist_processing');
    case 'StylingSucceeded':
      return evolveSucceeded(state, s, event, 'stylist_processing', 'stylist_results');
    case 'StylingFailed':
      return evolveFailed(state, s, event, 'stylist_processing');
    case 'ShoppingOpened':
      expect(state.status === 'stylist_results');
      return { ...s, status: 'stylist_shopping', products: event.data.products };
    case 'ShoppingProductClicked':
      expect(state.status === 'stylist_shopping' && !state.clickedProductIds.includes(event.data.productId));
      return { ...s, clickedProductIds: [...state.clickedProductIds, event.data.productId] };
    case 'StylingCompleted':
      expect(state.status === 'stylist_results' || state.status === 'stylist_shopping');
      return { ...s, status: 'completed' };
    case 'SessionCancelled':
      return evolveEnding(s, event, 'cancelled');
    case 'SessionExpired':
      return evolveEnding(s, event, 'expired');
    default: {
      const _exhaustive: never = event;
      return _exhaustive;
    }
  }
};
