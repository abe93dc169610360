import { accept, invariant, reject, type Decision } from '../decider/index.js';
import { isKeyOf } from './imageKeys.js';
import {
  checkImageStep,
  checkSubmission,
  checkWorkerReport,
  decideStart,
  holdRequestOf,
  isAttemptCount,
  isNextAttempt,
  repeatsFailure,
  repeatsProcessingStarted,
  repeatsReservationRejected,
} from './sessionCommon.js';
import { decideCancel, decideExpire } from './sessionEndings.js';
import {
  captureOf,
  guardOpen,
  holdIsOpen,
  isReasonCode,
  isValidReceipt,
  notReservedOf,
  releaseOf,
  sameImage,
  type ImageInput,
  type SessionRejection,
} from './sessionRules.js';
import {
  MAX_QUALITY_SCORE,
  MAX_RATING,
  MIN_RATING,
  type TryOnCommand,
  type TryOnEvent,
  type TryOnNext,
  type TryOnResultData,
  type TryOnSession,
} from './tryOnTypes.js';

/** The try-on session decider: `decide` answers a command with events or a rejection; pure. */

export type TryOnDecision = Decision<TryOnEvent, SessionRejection>;
type Command<T extends TryOnCommand['type']> = Extract<TryOnCommand, { type: T }>;

export const initialState = (): TryOnSession => ({
  status: 'not_started',
  sessionId: '',
  userId: '',
  lastActivityAt: '1970-01-01T00:00:00.000Z',
  clothing: null,
  person: null,
  hold: null,
  holdResolution: null,
  attempt: 0,
  result: null,
  failure: null,
  rating: null,
  next: null,
});

const imageOf = (c: ImageInput): ImageInput => ({ imageKey: c.imageKey, mimeType: c.mimeType, bytes: c.bytes });

const resultOf = (c: Command<'RecordTryOnResult'>): TryOnResultData => ({
  resultImageKey: c.resultImageKey,
  qualityScore: c.qualityScore,
  provider: c.provider,
  model: c.model,
  usage: {
    inputTokens: c.usage.inputTokens,
    outputTokens: c.usage.outputTokens,
    inputImageTokens: c.usage.inputImageTokens,
    outputImageTokens: c.usage.outputImageTokens,
  },
  costMicroUsd: c.costMicroUsd,
  processingMs: c.processingMs,
});

/** A command that repeats what the stream already says: success, no new event. */
const isRepeat = (c: Exclude<TryOnCommand, Command<'StartTryOn'>>, s: TryOnSession): boolean => {
  switch (c.type) {
    case 'ProvideClothingImage':
      return sameImage(s.clothing, c);
    case 'ProvidePersonImage':
      return sameImage(s.person, c) && s.hold?.credits === c.credits;
    case 'RecordProcessingStarted':
      return repeatsProcessingStarted(c.attempt, s);
    case 'RecordReservationRejected':
      return repeatsReservationRejected(c.reason, s);
    case 'RecordTryOnResult':
      return s.result !== null && JSON.stringify(s.result) === JSON.stringify(resultOf(c));
    case 'RecordTryOnFailed':
      return repeatsFailure(c.reason, c.attempts, s);
    case 'RateResult':
      return s.rating !== null && s.rating === c.rating;
    case 'TryAgain':
      return s.status === 'completed' && s.next === 'new_tryon';
    case 'BackToMenu':
      return s.status === 'completed' && s.next === 'menu';
    case 'CancelSession':
    case 'ExpireSession':
      return false; // decided by decideCancel / decideExpire
    default: {
      const _exhaustive: never = c;
      return _exhaustive;
    }
  }
};

const decideClothing = (c: Command<'ProvideClothingImage'>, s: TryOnSession): TryOnDecision => {
  const bad = checkImageStep(c, s, { provided: s.clothing, status: 'tryon_waiting_clothing', kind: 'clothing' });
  if (bad) return reject(bad);
  return accept({ type: 'ClothingImageProvided', data: { ...imageOf(c), occurredAt: c.occurredAt } });
};

/** The last input: with consent, the session goes to processing and asks for its credits. */
const decidePerson = (c: Command<'ProvidePersonImage'>, s: TryOnSession): TryOnDecision => {
  const bad = checkImageStep(c, s, { provided: s.person, status: 'tryon_waiting_person', kind: 'person' });
  if (bad) return reject(bad);
  const refused = checkSubmission(c);
  if (refused) return reject(refused);
  const hold = holdRequestOf(s, c.credits, 'tryon');
  return accept(
    { type: 'PersonImageProvided', data: { ...imageOf(c), occurredAt: c.occurredAt } },
    { type: 'TryOnSubmitted', data: { hold, occurredAt: c.occurredAt } },
  );
};

/** Shared gate of the worker's reports: one outcome per session, only while processing. */
const guardWorker = (s: TryOnSession, occurredAt: string): TryOnDecision | null => {
  const blocked = checkWorkerReport(s, occurredAt, 'tryon_processing');
  return blocked ? reject(blocked) : null;
};

const decideProcessingStarted = (c: Command<'RecordProcessingStarted'>, s: TryOnSession): TryOnDecision => {
  const blocked = guardWorker(s, c.occurredAt);
  if (blocked) return blocked;
  if (!isNextAttempt(c.attempt, s.attempt)) return reject('invalid_attempt');
  return accept({ type: 'TryOnProcessingStarted', data: { attempt: c.attempt, occurredAt: c.occurredAt } });
};

const decideReservationRejected = (c: Command<'RecordReservationRejected'>, s: TryOnSession): TryOnDecision => {
  const blocked = guardWorker(s, c.occurredAt);
  if (blocked) return blocked;
  // A worker only starts once the credits are held: after that, the ledger cannot have refused.
  if (s.attempt > 0) return reject('wrong_state');
  if (!isReasonCode(c.reason)) return reject('invalid_reason');
  invariant(holdIsOpen(s), 'session', 'a processing session has an open hold');
  const holdResolution = notReservedOf(s.hold);
  return accept({
    type: 'TryOnFailed',
    data: {
      reason: c.reason,
      attempts: 0,
      holdResolution,
      occurredAt: c.occurredAt,
    },
  });
};

const decideResult = (c: Command<'RecordTryOnResult'>, s: TryOnSession): TryOnDecision => {
  const blocked = guardWorker(s, c.occurredAt);
  if (blocked) return blocked;
  const result = resultOf(c);
  const scoreOk =
    Number.isFinite(result.qualityScore) && result.qualityScore >= 0 && result.qualityScore <= MAX_QUALITY_SCORE;
  if (!isKeyOf(result.resultImageKey, 'tryon_result', s.sessionId) || !scoreOk || !isValidReceipt(result)) {
    return reject('invalid_result');
  }
  invariant(holdIsOpen(s), 'session', 'a processing session has an open hold');
  const holdResolution = captureOf(s.hold);
  return accept({ type: 'TryOnSucceeded', data: { ...result, holdResolution, occurredAt: c.occurredAt } });
};

const decideFailed = (c: Command<'RecordTryOnFailed'>, s: TryOnSession): TryOnDecision => {
  const blocked = guardWorker(s, c.occurredAt);
  if (blocked) return blocked;
  if (!isReasonCode(c.reason)) return reject('invalid_reason');
  if (!isAttemptCount(c.attempts)) return reject('invalid_attempt');
  invariant(holdIsOpen(s), 'session', 'a processing session has an open hold');
  const holdResolution = releaseOf(s.hold, 'ai_failed');
  return accept({
    type: 'TryOnFailed',
    data: {
      reason: c.reason,
      attempts: c.attempts,
      holdResolution,
      occurredAt: c.occurredAt,
    },
  });
};

const decideRating = (c: Command<'RateResult'>, s: TryOnSession): TryOnDecision => {
  const blocked = guardOpen(s, c.occurredAt, { checkIdle: true });
  if (blocked) return reject(blocked);
  if (!Number.isSafeInteger(c.rating) || c.rating < MIN_RATING || c.rating > MAX_RATING)
    return reject('invalid_rating');
  if (s.rating !== null) return reject('already_rated');
  if (s.status !== 'tryon_result') return reject('wrong_state');
  return accept({ type: 'TryOnRated', data: { rating: c.rating, occurredAt: c.occurredAt } });
};

const decideFinish = (occurredAt: string, s: TryOnSession, next: TryOnNext): TryOnDecision => {
  const blocked = guardOpen(s, occurredAt, { checkIdle: true });
  if (blocked) return reject(blocked);
  if (s.status !== 'tryon_result') return reject('wrong_state');
  return accept({ type: 'TryOnCompleted', data: { next, occurredAt } });
};

export const decide = (command: TryOnCommand, state: TryOnSession): TryOnDecision => {
  if (command.type === 'StartTryOn') return decideStart('TryOnStarted', command, state);
  if (state.status === 'not_started') return reject('session_not_found');
  if (isRepeat(command, state)) return accept();
  switch (command.type) {
    case 'ProvideClothingImage':
      return decideClothing(command, state);
    case 'ProvidePersonImage':
      return decidePerson(command, state);
    case 'RecordProcessingStarted':
      return decideProcessingStarted(command, state);
    case 'RecordReservationRejected':
      return decideReservationRejected(command, state);
    case 'RecordTryOnResult':
      return decideResult(command, state);
    case 'RecordTryOnFailed':
      return decideFailed(command, state);
    case 'RateResult':
      return decideRating(command, state);
    case 'TryAgain':
      return decideFinish(command.occurredAt, state, 'new_tryon');
    case 'BackToMenu':
      return decideFinish(command.occurredAt, state, 'menu');
    case 'CancelSession':
      return decideCancel(state, command.occurredAt);
    case 'ExpireSession':
      return decideExpire(state, command.occurredAt);
    default: {
      const _exhaustive: never = command;
      return _exhaustive;
    }
  }
};
