import { accept, invariant, reject, type Decision } from '../decider/index.js';
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
  type SessionRejection,
} from './sessionRules.js';
import { preferencesOf, preferencesProblem, samePreferences } from './stylistPreferences.js';
import { isValidShoppingList, isValidStyleResult } from './stylistResults.js';
import type { StylingResultData, StylistCommand, StylistEvent, StylistSession } from './stylistTypes.js';

/** The stylist session decider: `decide` answers a command with events or a rejection; pure. */

export type StylistDecision = Decision<StylistEvent, SessionRejection>;
type Command<T extends StylistCommand['type']> = Extract<StylistCommand, { type: T }>;

export const initialState = (): StylistSession => ({
  status: 'not_started',
  sessionId: '',
  userId: '',
  lastActivityAt: '1970-01-01T00:00:00.000Z',
  photo: null,
  preferences: null,
  hold: null,
  holdResolution: null,
  attempt: 0,
  result: null,
  failure: null,
  products: null,
  clickedProductIds: [],
});

const resultOf = (c: Command<'RecordStylingResult'>): StylingResultData => ({
  profile: c.profile,
  recommendations: c.recommendations,
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

const sameJson = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/** A command that repeats what the stream already says: success, no new event. */
const isRepeat = (c: Exclude<StylistCommand, Command<'StartStyling'>>, s: StylistSession): boolean => {
  switch (c.type) {
    case 'ProvideStylePhoto':
      return sameImage(s.photo, c);
    case 'SubmitPreferences':
      return samePreferences(s.preferences, c.preferences) && s.hold?.credits === c.credits;
    case 'RecordProcessingStarted':
      return repeatsProcessingStarted(c.attempt, s);
    case 'RecordReservationRejected':
      return repeatsReservationRejected(c.reason, s);
    case 'RecordStylingResult':
      return s.result !== null && sameJson(s.result, resultOf(c));
    case 'RecordStylingFailed':
      return repeatsFailure(c.reason, c.attempts, s);
    case 'OpenShopping':
      return s.products !== null && sameJson(s.products, c.products);
    case 'RecordProductClicked':
      return s.clickedProductIds.includes(c.productId);
    case 'FinishStyling':
      return s.status === 'completed';
    case 'CancelSession':
    case 'ExpireSession':
      return false; // decided by decideCancel / decideExpire
    default: {
      const _exhaustive: never = c;
      return _exhaustive;
    }
  }
};

const decidePhoto = (c: Command<'ProvideStylePhoto'>, s: StylistSession): StylistDecision => {
  const bad = checkImageStep(c, s, { provided: s.photo, status: 'stylist_waiting_photo', kind: 'style_input' });
  if (bad) return reject(bad);
  const { imageKey, mimeType, bytes, occurredAt } = c;
  return accept({ type: 'StylePhotoProvided', data: { imageKey, mimeType, bytes, occurredAt } });
};

/** The last input: with consent, the session goes to processing and asks for its credits. */
const decidePreferences = (c: Command<'SubmitPreferences'>, s: StylistSession): StylistDecision => {
  const blocked = guardOpen(s, c.occurredAt, { checkIdle: true });
  if (blocked) return reject(blocked);
  if (s.preferences !== null) return reject('preferences_already_provided');
  if (s.status !== 'stylist_preferences') return reject('wrong_state');
  const problem = preferencesProblem(c.preferences);
  if (problem) return reject('invalid_preferences', problem);
  const refused = checkSubmission(c);
  if (refused) return reject(refused);
  const hold = holdRequestOf(s, c.credits, 'styling');
  return accept(
    { type: 'StylePreferencesProvided', data: { preferences: preferencesOf(c.preferences), occurredAt: c.occurredAt } },
    { type: 'StylingSubmitted', data: { hold, occurredAt: c.occurredAt } },
  );
};

const decideWorker = (
  c: Command<'RecordProcessingStarted' | 'RecordReservationRejected' | 'RecordStylingResult' | 'RecordStylingFailed'>,
  s: StylistSession,
): StylistDecision => {
  const blocked = checkWorkerReport(s, c.occurredAt, 'stylist_processing');
  if (blocked) return reject(blocked);
  invariant(holdIsOpen(s), 'session', 'a processing session has an open hold');
  const { occurredAt } = c;
  switch (c.type) {
    case 'RecordProcessingStarted':
      if (!isNextAttempt(c.attempt, s.attempt)) return reject('invalid_attempt');
      return accept({ type: 'StylingProcessingStarted', data: { attempt: c.attempt, occurredAt } });
    case 'RecordReservationRejected':
      // A worker only starts once the credits are held: after that, the ledger cannot have refused.
      if (s.attempt > 0) return reject('wrong_state');
      if (!isReasonCode(c.reason)) return reject('invalid_reason');
      return accept({
        type: 'StylingFailed',
        data: {
          reason: c.reason,
          attempts: 0,
          holdResolution: notReservedOf(s.hold),
          occurredAt,
        },
      });
    case 'RecordStylingResult': {
      const result = resultOf(c);
      if (!isValidStyleResult(result.profile, result.recommendations) || !isValidReceipt(result))
        return reject('invalid_result');
      return accept({ type: 'StylingSucceeded', data: { ...result, holdResolution: captureOf(s.hold), occurredAt } });
    }
    case 'RecordStylingFailed':
      if (!isReasonCode(c.reason)) return reject('invalid_reason');
      if (!isAttemptCount(c.attempts)) return reject('invalid_attempt');
      return accept({
        type: 'StylingFailed',
        data: {
          reason: c.reason,
          attempts: c.attempts,
          holdResolution: releaseOf(s.hold, 'ai_failed'),
          occurredAt,
        },
      });
    default: {
      const _exhaustive: never = c;
      return _exhaustive;
    }
  }
};

const decideShopping = (
  c: Command<'OpenShopping' | 'RecordProductClicked' | 'FinishStyling'>,
  s: StylistSession,
): StylistDecision => {
  const blocked = guardOpen(s, c.occurredAt, { checkIdle: true });
  if (blocked) return reject(blocked);
  const { occurredAt } = c;
  switch (c.type) {
    case 'OpenShopping':
      if (s.status !== 'stylist_results' || s.result === null) return reject('wrong_state');
      if (!isValidShoppingList(c.products, s.result.recommendations.length)) return reject('invalid_shopping_links');
      return accept({ type: 'ShoppingOpened', data: { products: c.products.map((p) => ({ ...p })), occurredAt } });
    case 'RecordProductClicked':
      if (s.status !== 'stylist_shopping') return reject('wrong_state');
      if (!s.products?.some((p) => p.productId === c.productId)) return reject('unknown_product');
      return accept({ type: 'ShoppingProductClicked', data: { productId: c.productId, occurredAt } });
    case 'FinishStyling':
      if (s.status !== 'stylist_results' && s.status !== 'stylist_shopping') return reject('wrong_state');
      return accept({ type: 'StylingCompleted', data: { fromState: s.status, occurredAt } });
    default: {
      const _exhaustive: never = c;
      return _exhaustive;
    }
  }
};

export const decide = (command: StylistCommand, state: StylistSession): StylistDecision => {
  if (command.type === 'StartStyling') return decideStart('StylingStarted', command, state);
  if (state.status === 'not_started') return reject('session_not_found');
  if (isRepeat(command, state)) return accept();
  switch (command.type) {
    case 'ProvideStylePhoto':
      return decidePhoto(command, state);
    case 'SubmitPreferences':
      return decidePreferences(command, state);
    case 'RecordProcessingStarted':
    case 'RecordReservationRejected':
    case 'RecordStylingResult':
    case 'RecordStylingFailed':
      return decideWorker(command, state);
    case 'OpenShopping':
    case 'RecordProductClicked':
    case 'FinishStyling':
      return decideShopping(command, state);
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
