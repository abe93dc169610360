import type { EventStore } from '../../../core/eventstore/index.js';
import {
  stylingStream, stylistDecider, tryOnDecider, tryOnStream, type StylistCommand, type StylistEvent, type StylistSession,
  type TryOnCommand, type TryOnEvent, type TryOnSession,
} from '../../../core/sessions/index.js';
import type { ConsentPort, Outcome, Prices, StylistPort, TryOnPort } from '../ports.js';
import type { Holds } from '../../worker/index.js';
import { outcomeOf, reserveOrRecordRefusal, sessionStreams, WAITING_FOR_INPUT } from './sessionStreams.js';

/**
 * The bot's side of the session orchestration: each user step is a session command; the last
 * input submits the session, and its credits are reserved on the account right away. What comes
 * after (the worker's result, capture or release) is driven by the session events elsewhere.
 */

export interface SessionServiceDependencies {
  store: EventStore;
  /** The worker's holds: the same ReserveCredits (ttl within the ledger's limit) the worker sends. */
  holds: Pick<Holds, 'reserve'>;
  consent: Pick<ConsentPort, 'has'>;
  prices: Prices;
}

const noChange = (position: number): Outcome => ({ ok: true, position });

/** A submitted session whose hold was decided by an earlier attempt: answer as that attempt did. */
const settled = (session: TryOnSession | StylistSession, position: number): Outcome =>
  session.holdResolution?.action === 'none'
    ? { ok: false, rejection: session.failure?.reason ?? 'reservation_rejected', position }
    : { ok: true, position };

export const createTryOnService = (deps: SessionServiceDependencies): TryOnPort => {
  const streams = sessionStreams<TryOnCommand, TryOnEvent, TryOnSession>(deps.store, tryOnDecider);
  const run = async (sessionId: string, command: TryOnCommand) => outcomeOf(await streams.run(tryOnStream(sessionId), command));

  return {
    start: (userId, sessionId, occurredAt) => run(sessionId, { type: 'StartTryOn', sessionId, userId, occurredAt }),
    status: async (sessionId) => (await streams.load(tryOnStream(sessionId))).status,
    provideClothing: (sessionId, image, occurredAt) => run(sessionId, { type: 'ProvideClothingImage', ...image, occurredAt }),
    providePerson: async (sessionId, image, occurredAt) => {
      const stream = tryOnStream(sessionId);
      const { userId } = await streams.load(stream);
      const hasConsent = userId !== '' && (await deps.consent.has(userId));
      const provided = await streams.run(stream, {
        type: 'ProvidePersonImage', ...image, credits: deps.prices.tryon, hasConsent, occurredAt,
      });
      if (!provided.ok) return outcomeOf(provided);
      const session = await streams.load(stream);
      // Submitted now, or by an earlier attempt of this update that stopped before reserving.
      if (session.hold === null || session.holdResolution !== null) return settled(session, provided.position);
      return reserveOrRecordRefusal(streams, stream, deps.holds, session.hold, occurredAt,
        (reason) => ({ type: 'RecordReservationRejected' as const, reason, occurredAt }));
    },
    rate: (sessionId, rating, occurredAt) => run(sessionId, { type: 'RateResult', rating, occurredAt }),
    finish: (sessionId, next, occurredAt) => run(sessionId, { type: next === 'menu' ? 'BackToMenu' : 'TryAgain', occurredAt }),
    abandon: async (sessionId, occurredAt) => {
      const stream = tryOnStream(sessionId);
      const session = await streams.load(stream);
      if (session.status === 'tryon_result') return run(sessionId, { type: 'BackToMenu', occurredAt });
      if (!WAITING_FOR_INPUT.has(session.status)) return noChange(0);
      return run(sessionId, { type: 'CancelSession', occurredAt });
    },
    expire: (sessionId, occurredAt) => run(sessionId, { type: 'ExpireSession', occurredAt }),
  };
};

export const createStylistService = (deps: SessionServiceDependencies): StylistPort => {
  const streams = sessionStreams<StylistCommand, StylistEvent, StylistSession>(deps.store, stylistDecider);
  const run = async (sessionId: string, command: StylistCommand) => outcomeOf(await streams.run(stylingStream(sessionId), command));

  return {
    start: (userId, sessionId, occurredAt) => run(sessionId, { type: 'StartStyling', sessionId, userId, occurredAt }),
    status: async (sessionId) => (await streams.load(stylingStream(sessionId))).status,
    providePhoto: (sessionId, image, occurredAt) => run(sessionId, { type: 'ProvideStylePhoto', ...image, occurredAt }),
    submitPreferences: async (sessionId, preferences, occurredAt) => {
      const stream = stylingStream(sessionId);
      const { userId } = await streams.load(stream);
      const hasConsent = userId !== '' && (await deps.consent.has(userId));
      const submitted = await streams.run(stream, {
        type: 'SubmitPreferences', preferences, credits: deps.prices.styling, hasConsent, occurredAt,
      });
      if (!submitted.ok) return outcomeOf(submitted);
      const session = await streams.load(stream);
      if (session.hold === null || session.holdResolution !== null) return settled(session, submitted.position);
      return reserveOrRecordRefusal(streams, stream, deps.holds, session.hold, occurredAt,
        (reason) => ({ type: 'RecordReservationRejected' as const, reason, occurredAt }));
    },
    finish: (sessionId, occurredAt) => run(sessionId, { type: 'FinishStyling', occurredAt }),
    abandon: async (sessionId, occurredAt) => {
      const session = await streams.load(stylingStream(sessionId));
      if (session.status === 'stylist_results' || session.status === 'stylist_shopping') {
        return run(sessionId, { type: 'FinishStyling', occurredAt });
      }
      if (!WAITING_FOR_INPUT.has(session.status)) return noChange(0);
      return run(sessionId, { type: 'CancelSession', occurredAt });
    },
    expire: (sessionId, occurredAt) => run(sessionId, { type: 'ExpireSession', occurredAt }),
  };
};
