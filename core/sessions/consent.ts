import { invariant, type Decision } from '../decider/index.js';
import { isUserId } from './sessionRules.js';

/**
 * The user's explicit consent to AI processing of their photos, stream `consent-<userId>`.
 * Asked once before the first AI job; it can be withdrawn and given again. Versions number the
 * consent text: a new text needs a new consent. The orchestrator reads this stream and passes
 * `hasConsent` to the session commands.
 */

export type ConsentCommand =
  | { type: 'GiveConsent'; userId: string; version: number; occurredAt: string }
  | { type: 'WithdrawConsent'; userId: string; occurredAt: string };

export type ConsentEvent =
  | { type: 'ConsentGiven'; data: { userId: string; version: number; occurredAt: string } }
  | { type: 'ConsentWithdrawn'; data: { userId: string; version: number; occurredAt: string } };

export type ConsentRejection = 'invalid_user_id' | 'invalid_consent_version' | 'wrong_user';

export interface Consent {
  userId: string | null;
  status: 'never_given' | 'given' | 'withdrawn';
  /** The version last consented to; null before the first consent. */
  version: number | null;
  givenAt: string | null;
  withdrawnAt: string | null;
}

export type ConsentDecision = Decision<ConsentEvent, ConsentRejection>;

export const initialState = (): Consent => ({
  userId: null,
  status: 'never_given',
  version: null,
  givenAt: null,
  withdrawnAt: null,
});

/** Whether AI processing may start: consent given to `requiredVersion` or a later text. */
export const hasConsent = (state: Consent, requiredVersion: number): boolean =>
  state.status === 'given' && state.version !== null && state.version >= requiredVersion;

export const decide = (command: ConsentCommand, state: Consent): ConsentDecision => {
  if (!isUserId(command.userId)) return { ok: false, rejection: 'invalid_user_id' };
  if (state.userId !== null && state.userId !== command.userId) return { ok: false, rejection: 'wrong_user' };
  const { userId, occurredAt } = command;
  switch (command.type) {
    case 'GiveConsent': {
      const { version } = command;
      if (!Number.isSafeInteger(version) || version < 1) return { ok: false, rejection: 'invalid_consent_version' };
      // Consent already covering this text: a repeat, nothing to record.
      if (state.status === 'given' && state.version !== null && state.version >= version)
        return { ok: true, events: [] };
      return { ok: true, events: [{ type: 'ConsentGiven', data: { userId, version, occurredAt } }] };
    }
    case 'WithdrawConsent':
      if (state.status !== 'given' || state.version === null) return { ok: true, events: [] };
      return { ok: true, events: [{ type: 'ConsentWithdrawn', data: { userId, version: state.version, occurredAt } }] };
    default: {
      const _exhaustive: never = command;
      return _exhaustive;
    }
  }
};

export const evolve = (state: Consent, event: ConsentEvent): Consent => {
  switch (event.type) {
    case 'ConsentGiven':
      return {
        ...state,
        userId: event.data.userId,
        status: 'given',
        version: event.data.version,
        givenAt: event.data.occurredAt,
      };
    case 'ConsentWithdrawn':
      invariant(state.status === 'given', 'consent', 'ConsentWithdrawn without consent');
      return { ...state, status: 'withdrawn', withdrawnAt: event.data.occurredAt };
    default: {
      const _exhaustive: never = event;
      return _exhaustive;
    }
  }
};
