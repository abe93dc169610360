import type { CommandResult, EventStore } from '../../core/eventstore/index.js';
import {
  stylingStream,
  stylistDecider,
  tryOnDecider,
  tryOnStream,
  type HoldResolution,
  type SessionFeature,
  type SessionRejection,
  type StylistCommand,
  type StylistEvent,
  type StylistSession,
  type TryOnCommand,
  type TryOnEvent,
  type TryOnSession,
} from '../../core/sessions/index.js';
import { sessionCommandPath, type NOT_SESSION_OWNER } from './commandPath.js';
import type { Actor } from './ports.js';

/**
 * The session streams as the orchestration (worker, sweepers) sees them: load a session by kind
 * and id, and send it the worker's commands. Both kinds share the hold fields and the worker's reports; only the
 * result and failure commands differ by name.
 */

export type SessionKind = SessionFeature;

export type LoadedSession = { kind: 'tryon'; state: TryOnSession } | { kind: 'styling'; state: StylistSession };

/** Commands of the worker and the sweepers that both kinds take under the same name. */
export type SharedCommand =
  | { type: 'RecordProcessingStarted'; attempt: number; occurredAt: string }
  | { type: 'RecordReservationRejected'; reason: string; occurredAt: string }
  | { type: 'ExpireSession'; occurredAt: string };

/** A session's refusal; `not_session_owner` only ever for a person's command. */
export type SessionResultRejection = SessionRejection | typeof NOT_SESSION_OWNER;
export type SessionResult = CommandResult<SessionResultRejection>;

export interface SessionStreams {
  load(kind: SessionKind, sessionId: string): Promise<LoadedSession>;
  tryOn(sessionId: string, command: TryOnCommand): Promise<SessionResult>;
  styling(sessionId: string, command: StylistCommand): Promise<SessionResult>;
  shared(kind: SessionKind, sessionId: string, command: SharedCommand): Promise<SessionResult>;
  /** Records the AI failure: the session then asks for its hold to be released (`ai_failed`). */
  fail(
    kind: SessionKind,
    sessionId: string,
    failure: { reason: string; attempts: number; occurredAt: string },
  ): Promise<SessionResult>;
}

export const streamOf = (kind: SessionKind, sessionId: string): string =>
  kind === 'tryon' ? tryOnStream(sessionId) : stylingStream(sessionId);

/** The hold resolution an appended SessionExpired / SessionCancelled carries, if any. */
export const resolutionIn = (result: SessionResult): HoldResolution | null => {
  if (!result.ok) return null;
  for (const event of result.events) {
    const data = event.data as { holdResolution?: HoldResolution | null };
    if (data.holdResolution) return data.holdResolution;
  }
  return null;
};

/** A try-on's state, folded from its stream (`not_started` for an unknown id). */
export const loadTryOn = (store: EventStore, sessionId: string): Promise<TryOnSession> =>
  sessionCommandPath(store, tryOnDecider).load(tryOnStream(sessionId));

/** A stylist session's state, folded from its stream (`not_started` for an unknown id). */
export const loadStyling = (store: EventStore, sessionId: string): Promise<StylistSession> =>
  sessionCommandPath(store, stylistDecider).load(stylingStream(sessionId));

/**
 * Session streams over `store`, through the one session command path: every command is sent as
 * `actor`, and its events carry it in their metadata (`system:worker`, `system:sweeper`, …).
 */
export const sessionStreams = (store: EventStore, actor: Actor): SessionStreams => {
  const tryOnPath = sessionCommandPath<TryOnCommand, TryOnEvent, TryOnSession, SessionRejection>(store, tryOnDecider);
  const stylingPath = sessionCommandPath<StylistCommand, StylistEvent, StylistSession, SessionRejection>(
    store,
    stylistDecider,
  );

  const load = async (kind: SessionKind, sessionId: string): Promise<LoadedSession> =>
    kind === 'tryon'
      ? { kind, state: await tryOnPath.load(tryOnStream(sessionId)) }
      : { kind, state: await stylingPath.load(stylingStream(sessionId)) };

  const tryOn = (sessionId: string, command: TryOnCommand) =>
    tryOnPath.run(tryOnStream(sessionId), { ...command, actor });
  const styling = (sessionId: string, command: StylistCommand) =>
    stylingPath.run(stylingStream(sessionId), { ...command, actor });
  return {
    load,
    tryOn,
    styling,
    shared: (kind, sessionId, command) => (kind === 'tryon' ? tryOn(sessionId, command) : styling(sessionId, command)),
    fail: (kind, sessionId, failure) =>
      kind === 'tryon'
        ? tryOn(sessionId, { type: 'RecordTryOnFailed', ...failure })
        : styling(sessionId, { type: 'RecordStylingFailed', ...failure }),
  };
};
