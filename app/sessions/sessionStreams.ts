import {
  createCommandHandler,
  type CommandDecider,
  type CommandResult,
  type EventStore,
} from '../../core/eventstore/index.js';
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

/**
 * The session streams as the orchestration sees them: load a session by kind and id, and send it
 * the worker's commands. Both kinds share the hold fields and the worker's reports; only the
 * result and failure commands differ by name.
 */

export type SessionKind = SessionFeature;

export type LoadedSession =
  | { kind: 'tryon'; state: TryOnSession }
  | { kind: 'styling'; state: StylistSession };

/** Commands of the worker and the sweepers that both kinds take under the same name. */
export type SharedCommand =
  | { type: 'RecordProcessingStarted'; attempt: number; occurredAt: string }
  | { type: 'RecordReservationRejected'; reason: string; occurredAt: string }
  | { type: 'ExpireSession'; occurredAt: string };

export type SessionResult = CommandResult<SessionRejection>;

export interface SessionStreams {
  load(kind: SessionKind, sessionId: string): Promise<LoadedSession>;
  tryOn(sessionId: string, command: TryOnCommand): Promise<SessionResult>;
  styling(sessionId: string, command: StylistCommand): Promise<SessionResult>;
  shared(kind: SessionKind, sessionId: string, command: SharedCommand): Promise<SessionResult>;
  /** Records the AI failure: the session then asks for its hold to be released (`ai_failed`). */
  fail(kind: SessionKind, sessionId: string, failure: { reason: string; attempts: number; occurredAt: string }): Promise<SessionResult>;
}

const withMetadata = <C extends { occurredAt: string }, E extends { type: string; data: unknown }, S>(
  decider: Omit<CommandDecider<C, E, S, SessionRejection>, 'metadataOf'>,
  actor: string,
): CommandDecider<C, E, S, SessionRejection> => ({
  ...decider,
  metadataOf: (command) => ({ occurredAt: command.occurredAt, actor }),
});

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

/** Session streams over `store`; events carry `actor` in their metadata (`system:worker`, …). */
export const sessionStreams = (store: EventStore, actor: string): SessionStreams => {
  const tryOnHandler = createCommandHandler(withMetadata<TryOnCommand, TryOnEvent, TryOnSession>(tryOnDecider, actor), { store });
  const stylingHandler = createCommandHandler(
    withMetadata<StylistCommand, StylistEvent, StylistSession>(stylistDecider, actor), { store });

  const load = async (kind: SessionKind, sessionId: string): Promise<LoadedSession> => {
    const recorded = await store.readStream(streamOf(kind, sessionId));
    if (kind === 'tryon') {
      const events = recorded.map((r) => ({ type: r.type, data: r.data }) as TryOnEvent);
      return { kind, state: events.reduce(tryOnDecider.evolve, tryOnDecider.initialState()) };
    }
    const events = recorded.map((r) => ({ type: r.type, data: r.data }) as StylistEvent);
    return { kind, state: events.reduce(stylistDecider.evolve, stylistDecider.initialState()) };
  };

  const tryOn = (sessionId: string, command: TryOnCommand) => tryOnHandler(tryOnStream(sessionId), command);
  const styling = (sessionId: string, command: StylistCommand) => stylingHandler(stylingStream(sessionId), command);
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
