import { accept, invariant, reject, type Decision } from '../decider/index.js';
import { isUuid, type ImageKind } from './imageKeys.js';
import {
  MAX_PROCESSING_ATTEMPTS,
  PROCESSING_HOLD_TTL_SECONDS,
  checkImageInput,
  guardOpen,
  holdIsOpen,
  isNonNegativeInt,
  isUserId,
  isValidPrice,
  type HoldRequest,
  type HoldResolution,
  type HoldState,
  type ImageInput,
  type SessionFeature,
  type SessionRejection,
} from './sessionRules.js';

/**
 * Steps the try-on and stylist deciders and evolvers take alike: starting a session, the gate of
 * an image upload, the credit hold of a submission, and the processing bookkeeping (attempts, the
 * one outcome). Each session's FSM (its states and which command moves between them) stays in its
 * own decider and evolver; these only do the part that is the same for both.
 */

interface At {
  occurredAt: string;
}

/** What every started session knows about itself. */
interface SessionHeader {
  status: string;
  sessionId: string;
  userId: string;
  lastActivityAt: string;
}

/** The fields a session keeps about its AI job. */
interface ProcessingState<Result> extends HoldState {
  status: string;
  sessionId: string;
  attempt: number;
  result: Result | null;
  failure: { reason: string; attempts: number } | null;
}

// ---------------------------------------------------------------------------------------------
// Deciding

/** Starts a session with its `Started` event; repeating the same start is a no-op. */
export const decideStart = <Type extends string>(
  type: Type,
  c: { sessionId: string; userId: string } & At,
  s: SessionHeader,
): Decision<{ type: Type; data: { sessionId: string; userId: string } & At }, SessionRejection> => {
  if (s.status !== 'not_started') {
    return s.sessionId === c.sessionId && s.userId === c.userId ? accept() : reject('session_already_exists');
  }
  if (!isUuid(c.sessionId)) return reject('invalid_session_id');
  if (!isUserId(c.userId)) return reject('invalid_user_id');
  return accept({ type, data: { sessionId: c.sessionId, userId: c.userId, occurredAt: c.occurredAt } });
};

/**
 * The gate of an image upload: the session is open, this image was not given yet, the session
 * waits for it (`status`), and the upload is one of `kind` for this session. Null: accepted.
 */
export const checkImageStep = (
  c: ImageInput & At,
  s: SessionHeader,
  step: { provided: ImageInput | null; status: string; kind: ImageKind },
): SessionRejection | null => {
  const blocked = guardOpen(s, c.occurredAt, { checkIdle: true });
  if (blocked) return blocked;
  if (step.provided !== null) return 'image_already_provided';
  if (s.status !== step.status) return 'wrong_state';
  return checkImageInput(c, { kind: step.kind, sessionId: s.sessionId });
};

/** The last input's price and consent, checked in that order. Null: accepted. */
export const checkSubmission = (c: { credits: number; hasConsent: boolean }): SessionRejection | null => {
  if (!isValidPrice(c.credits)) return 'invalid_price';
  if (c.hasConsent !== true) return 'consent_required';
  return null;
};

/** The credit hold a submitted session asks for: the session id is the reservation id. */
export const holdRequestOf = (
  s: { userId: string; sessionId: string },
  credits: number,
  feature: SessionFeature,
): HoldRequest => ({
  userId: s.userId,
  reservationId: s.sessionId,
  credits,
  feature,
  ttlSeconds: PROCESSING_HOLD_TTL_SECONDS,
});

/** Shared gate of the worker's reports: one outcome per session, only while `processing`. */
export const checkWorkerReport = <Result>(
  s: ProcessingState<Result> & { lastActivityAt: string },
  occurredAt: string,
  processing: string,
): SessionRejection | null => {
  if (s.result !== null || s.failure !== null) return 'outcome_already_recorded';
  const blocked = guardOpen(s, occurredAt, { checkIdle: true });
  if (blocked) return blocked;
  return s.status === processing ? null : 'wrong_state';
};

/** A worker's next attempt: later than the last one reported, and within the retry budget. */
export const isNextAttempt = (attempt: number, lastAttempt: number): boolean =>
  Number.isSafeInteger(attempt) && attempt > lastAttempt && attempt <= MAX_PROCESSING_ATTEMPTS;

/** How many attempts a failed job made: none (refused before starting) up to the retry budget. */
export const isAttemptCount = (attempts: number): boolean => isNonNegativeInt(attempts, MAX_PROCESSING_ATTEMPTS);

/** Worker reports that repeat what the stream already says (see each decider's `isRepeat`). */
export const repeatsProcessingStarted = (attempt: number, s: { attempt: number }): boolean =>
  Number.isSafeInteger(attempt) && attempt >= 1 && attempt <= s.attempt;

export const repeatsReservationRejected = (reason: string, s: ProcessingState<unknown>): boolean =>
  s.holdResolution?.action === 'none' && s.failure?.reason === reason;

export const repeatsFailure = (reason: string, attempts: number, s: ProcessingState<unknown>): boolean =>
  s.holdResolution?.action === 'release' && s.failure?.reason === reason && s.failure.attempts === attempts;

// ---------------------------------------------------------------------------------------------
// Evolving: `state` is the state before the event, `s` the same with its activity time moved on.
// Invariant messages are `<event type> in state <status>`, as in each evolver's own `expect`.

const expectIn = (condition: boolean, eventType: string, state: { status: string }): void =>
  invariant(condition, 'session', `${eventType} in state ${state.status}`);

/** Inputs complete (the caller checked which): the session asks for its hold and processes. */
export const evolveSubmitted = <S extends ProcessingState<unknown>>(
  state: S,
  s: S,
  event: { type: string; data: { hold: HoldRequest } },
  processing: S['status'],
): S => {
  expectIn(state.hold === null && event.data.hold.reservationId === state.sessionId, event.type, state);
  return { ...s, status: processing, hold: event.data.hold };
};

export const evolveProcessingStarted = <S extends ProcessingState<unknown>>(
  state: S,
  event: { type: string; data: { attempt: number } },
  processing: S['status'],
): S => {
  expectIn(state.status === processing && event.data.attempt > state.attempt, event.type, state);
  // Not activity: a worker retrying must not keep a session (and its hold) alive forever.
  return { ...state, attempt: event.data.attempt };
};

export const evolveSucceeded = <Result, S extends ProcessingState<Result>>(
  state: S,
  s: S,
  event: { type: string; data: Result & { holdResolution: HoldResolution } & At },
  processing: S['status'],
  succeeded: S['status'],
): S => {
  expectIn(state.status === processing && holdIsOpen(state), event.type, state);
  const { holdResolution, occurredAt: _at, ...result } = event.data;
  return { ...s, status: succeeded, result, holdResolution };
};

export const evolveFailed = <S extends ProcessingState<unknown>>(
  state: S,
  s: S,
  event: { type: string; data: { reason: string; attempts: number; holdResolution: HoldResolution } },
  processing: S['status'],
): S => {
  expectIn(state.status === processing && holdIsOpen(state), event.type, state);
  const { reason, attempts, holdResolution } = event.data;
  return { ...s, status: 'failed', failure: { reason, attempts }, holdResolution };
};
