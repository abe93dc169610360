import type { EventStore } from '../../core/eventstore/index.js';
import {
  stylingStream,
  stylistDecider,
  tryOnDecider,
  tryOnStream,
  type StylistCommand,
  type StylistEvent,
  type StylistSession,
  type TryOnCommand,
  type TryOnEvent,
  type TryOnSession,
} from '../../core/sessions/index.js';
import { outcomeOf, reserveOrRecordRefusal, sessionCommandPath, WAITING_FOR_INPUT } from './commandPath.js';
import type { Actor, ConsentPort, HoldReserver, Outcome, Prices, StylistPort, TryOnPort } from './ports.js';

/**
 * The user's side of the session orchestration, for the bot and the HTTP API: each user step is a
 * session command; the last input submits the session, and its credits are reserved on the
 * account right away. What comes after (the worker's result, capture or release) is driven by the
 * session events elsewhere (app/worker).
 */

export interface SessionServiceDependencies {
  store: EventStore;
  /** The worker's holds: the same ReserveCredits (ttl within the ledger's limit) the worker sends. */
  holds: HoldReserver;
  consent: Pick<ConsentPort, 'has'>;
  prices: Prices;
  /**
   * Who a command is from when the caller does not say (the bot's handlers always say: the user;
   * the HTTP API's services are made with `service:api`).
   */
  actor?: Actor;
}

/** The actor of commands whose caller names none. */
export const DEFAULT_SESSION_ACTOR: Actor = 'system:bot';

const noChange = (position: number): Outcome => ({ ok: true, position });

/** A submitted session whose hold was decided by an earlier attempt: answer as that attempt did. */
const settled = (session: TryOnSession | StylistSession, position: number): Outcome =>
  session.holdResolution?.action === 'none'
    ? { ok: false, rejection: session.failure?.reason ?? 'reservation_rejected', position }
    : { ok: true, position };

export const createTryOnService = (deps: SessionServiceDependencies): TryOnPort => {
  const streams = sessionCommandPath<TryOnCommand, TryOnEvent, TryOnSession>(deps.store, tryOnDecider);
  const byDefault = deps.actor ?? DEFAULT_SESSION_ACTOR;
  const run = async (sessionId: string, command: TryOnCommand, actor: Actor = byDefault) =>
    outcomeOf(await streams.run(tryOnStream(sessionId), { ...command, actor }));

  return {
    start: (userId, sessionId, occurredAt) =>
      run(sessionId, { type: 'StartTryOn', sessionId, userId, occurredAt }, `user:${userId}`),
    status: async (sessionId) => (await streams.load(tryOnStream(sessionId))).status,
    ownerOf: async (sessionId) => (await streams.load(tryOnStream(sessionId))).userId || undefined,
    provideClothing: (sessionId, image, occurredAt, actor) =>
      run(sessionId, { type: 'ProvideClothingImage', ...image, occurredAt }, actor),
    providePerson: async (sessionId, image, occurredAt, actor = byDefault) => {
      const stream = tryOnStream(sessionId);
      const { userId } = await streams.load(stream);
      const hasConsent = userId !== '' && (await deps.consent.has(userId));
      const provided = await streams.run(stream, {
        type: 'ProvidePersonImage',
        ...image,
        credits: deps.prices.tryon,
        hasConsent,
        occurredAt,
        actor,
      });
      if (!provided.ok) return outcomeOf(provided);
      const session = await streams.load(stream);
      // Submitted now, or by an earlier attempt of this update that stopped before reserving.
      if (session.hold === null || session.holdResolution !== null) return settled(session, provided.position);
      return reserveOrRecordRefusal(streams, stream, deps.holds, session.hold, occurredAt, (reason) => ({
        type: 'RecordReservationRejected' as const,
        reason,
        occurredAt,
        actor,
      }));
    },
    rate: (sessionId, rating, occurredAt, actor) => run(sessionId, { type: 'RateResult', rating, occurredAt }, actor),
    finish: (sessionId, next, occurredAt, actor) =>
      run(sessionId, { type: next === 'menu' ? 'BackToMenu' : 'TryAgain', occurredAt }, actor),
    abandon: async (sessionId, occurredAt, actor) => {
      const stream = tryOnStream(sessionId);
      const session = await streams.load(stream);
      if (session.status === 'tryon_result') return run(sessionId, { type: 'BackToMenu', occurredAt }, actor);
      if (!WAITING_FOR_INPUT.has(session.status)) return noChange(0);
      return run(sessionId, { type: 'CancelSession', occurredAt }, actor);
    },
    expire: (sessionId, occurredAt, actor) => run(sessionId, { type: 'ExpireSession', occurredAt }, actor),
  };
};

export const createStylistService = (deps: SessionServiceDependencies): StylistPort => {
  const streams = sessionCommandPath<StylistCommand, StylistEvent, StylistSession>(deps.store, stylistDecider);
  const byDefault = deps.actor ?? DEFAULT_SESSION_ACTOR;
  const run = async (sessionId: string, command: StylistCommand, actor: Actor = byDefault) =>
    outcomeOf(await streams.run(stylingStream(sessionId), { ...command, actor }));

  return {
    start: (userId, sessionId, occurredAt) =>
      run(sessionId, { type: 'StartStyling', sessionId, userId, occurredAt }, `user:${userId}`),
    status: async (sessionId) => (await streams.load(stylingStream(sessionId))).status,
    ownerOf: async (sessionId) => (await streams.load(stylingStream(sessionId))).userId || undefined,
    providePhoto: (sessionId, image, occurredAt, actor) =>
      run(sessionId, { type: 'ProvideStylePhoto', ...image, occurredAt }, actor),
    submitPreferences: async (sessionId, preferences, occurredAt, actor = byDefault) => {
      const stream = stylingStream(sessionId);
      const { userId } = await streams.load(stream);
      const hasConsent = userId !== '' && (await deps.consent.has(userId));
      const submitted = await streams.run(stream, {
        type: 'SubmitPreferences',
        preferences,
        credits: deps.prices.styling,
        hasConsent,
        occurredAt,
        actor,
      });
      if (!submitted.ok) return outcomeOf(submitted);
      const session = await streams.load(stream);
      if (session.hold === null || session.holdResolution !== null) return settled(session, submitted.position);
      return reserveOrRecordRefusal(streams, stream, deps.holds, session.hold, occurredAt, (reason) => ({
        type: 'RecordReservationRejected' as const,
        reason,
        occurredAt,
        actor,
      }));
    },
    finish: (sessionId, occurredAt, actor) => run(sessionId, { type: 'FinishStyling', occurredAt }, actor),
    abandon: async (sessionId, occurredAt, actor) => {
      const session = await streams.load(stylingStream(sessionId));
      if (session.status === 'stylist_results' || session.status === 'stylist_shopping') {
        return run(sessionId, { type: 'FinishStyling', occurredAt }, actor);
      }
      if (!WAITING_FOR_INPUT.has(session.status)) return noChange(0);
      return run(sessionId, { type: 'CancelSession', occurredAt }, actor);
    },
    expire: (sessionId, occurredAt, actor) => run(sessionId, { type: 'ExpireSession', occurredAt }, actor),
  };
};
