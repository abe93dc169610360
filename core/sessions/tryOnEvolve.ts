import { invariant } from '../decider/index.js';
import { evolveFailed, evolveProcessingStarted, evolveSubmitted, evolveSucceeded } from './sessionCommon.js';
import { evolveEnding } from './sessionEndings.js';
import { laterOf, type ImageInput } from './sessionRules.js';
import type { TryOnEvent, TryOnSession } from './tryOnTypes.js';

const imageOf = (d: ImageInput): ImageInput => ({ imageKey: d.imageKey, mimeType: d.mimeType, bytes: d.bytes });

/**
 * Applies one try-on event. It checks no business rule (`decide` did); it asserts the facts fit
 * together and crashes when they do not, since a stream that breaks them is corrupt.
 */
export const evolve = (state: TryOnSession, event: TryOnEvent): TryOnSession => {
  const s = { ...state, lastActivityAt: laterOf(state.lastActivityAt, event.data.occurredAt) };
  const expect = (condition: boolean) => invariant(condition, 'session', `${event.type} in state ${state.status}`);
  switch (event.type) {
    case 'TryOnStarted':
      expect(state.status === 'not_started');
      return { ...s, status: 'tryon_waiting_clothing', sessionId: event.data.sessionId, userId: event.data.userId };
    case 'ClothingImageProvided':
      expect(state.status === 'tryon_waiting_clothing');
      return { ...s, status: 'tryon_waiting_person', clothing: imageOf(event.data) };
    case 'PersonImageProvided':
      expect(state.status === 'tryon_waiting_person' && state.person === null);
      return { ...s, person: imageOf(event.data) };
    case 'TryOnSubmitted':
      expect(state.status === 'tryon_waiting_person' && state.clothing !== null && state.person !== null);
      return evolveSubmitted(state, s, event, 'tryon_processing');
    case 'TryOnProcessingStarted':
      return evolveProcessingStarted(state, event, 'tryon_processing');
    case 'TryOnSucceeded':
      return evolveSucceeded(state, s, event, 'tryon_processing', 'tryon_result');
    case 'TryOnFailed':
      return evolveFailed(state, s, event, 'tryon_processing');
    case 'TryOnRated':
      expect(state.status === 'tryon_result' && state.rating === null);
      return { ...s, rating: event.data.rating };
    case 'TryOnCompleted':
      expect(state.status === 'tryon_result');
      return { ...s, status: 'completed', next: event.data.next };
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
