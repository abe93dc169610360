import { accept, invariant, reject, type Decision } from '../decider/index.js';
import {
  guardOpen,
  holdIsOpen,
  isIdle,
  isTerminal,
  releaseOf,
  secondsBetween,
  type HoldResolution,
  type HoldState,
  type SessionRejection,
} from './sessionRules.js';

/**
 * Cancel and expiry, the same for both session kinds: either ends an open session, and a session
 * whose hold is still open records that the hold must be released (the orchestrator then issues
 * ReleaseReservation with the reason given here).
 */

export interface EndableSession<Status extends string> extends HoldState {
  status: Status;
  lastActivityAt: string;
}

export interface SessionCancelled<Status extends string> {
  type: 'SessionCancelled';
  data: { fromState: Status; holdResolution: HoldResolution | null; occurredAt: string };
}

export interface SessionExpired<Status extends string> {
  type: 'SessionExpired';
  data: { fromState: Status; idleSeconds: number; holdResolution: HoldResolution | null; occurredAt: string };
}

/** The user (or the bot on their behalf) ends the session; allowed however long it sat idle. */
export const decideCancel = <Status extends string>(
  state: EndableSession<Status>,
  occurredAt: string,
): Decision<SessionCancelled<Status>, SessionRejection> => {
  if (state.status === 'cancelled') return accept();
  const blocked = guardOpen(state, occurredAt, { checkIdle: false });
  if (blocked) return reject(blocked);
  const holdResolution = holdIsOpen(state) ? releaseOf(state.hold, 'cancelled') : null;
  return accept({ type: 'SessionCancelled', data: { fromState: state.status, holdResolution, occurredAt } });
};

/** The sweeper ends a session idle for SESSION_IDLE_TIMEOUT_SECONDS, judged at `occurredAt`. */
export const decideExpire = <Status extends string>(
  state: EndableSession<Status>,
  occurredAt: string,
): Decision<SessionExpired<Status>, SessionRejection> => {
  if (state.status === 'expired') return accept();
  const blocked = guardOpen(state, occurredAt, { checkIdle: false });
  if (blocked) return reject(blocked);
  if (!isIdle(state.lastActivityAt, occurredAt)) return reject('session_not_idle');
  const idleSeconds = secondsBetween(state.lastActivityAt, occurredAt);
  const holdResolution = holdIsOpen(state) ? releaseOf(state.hold, 'expired') : null;
  return accept({ type: 'SessionExpired', data: { fromState: state.status, idleSeconds, holdResolution, occurredAt } });
};

/** Applies SessionCancelled or SessionExpired; a release must match the hold still open. */
export const evolveEnding = <Status extends string, S extends EndableSession<Status>>(
  state: S,
  event: SessionCancelled<Status> | SessionExpired<Status>,
  endedStatus: Status,
): S => {
  invariant(!isTerminal(state.status), 'session', `${event.type} on a ${state.status} session`);
  const { holdResolution } = event.data;
  invariant(
    (holdResolution !== null) === holdIsOpen(state),
    'session',
    `${event.type} must resolve exactly the open hold`,
  );
  return { ...state, status: endedStatus, holdResolution: holdResolution ?? state.holdResolution };
};
