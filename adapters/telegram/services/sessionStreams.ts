import {
  createCommandHandler, READ_MAX_COUNT, type CommandHandler, type CommandResult, type EventStore,
} from '../../../core/eventstore/index.js';
import { accountStream, type AccountCommand, type Rejection } from '../../../core/ledger/index.js';
import type { HoldRequest } from '../../../core/sessions/index.js';
import type { Outcome } from '../ports.js';

/** What the try-on and stylist services share: loading a session, running its commands, reserving. */

export type LedgerHandler = CommandHandler<AccountCommand, Rejection>;

export interface SessionDecider<C, E, S> {
  decide(command: C, state: S): { ok: true; events: E[] } | { ok: false; rejection: string };
  evolve(state: S, event: E): S;
  initialState(): S;
}

export interface SessionStreams<C extends { occurredAt: string }, S> {
  run(stream: string, command: C): Promise<CommandResult<string>>;
  load(stream: string): Promise<S>;
}

/** The command handler and a loader for one kind of session stream. */
export const sessionStreams = <C extends { occurredAt: string }, E extends { type: string; data: unknown }, S>(
  store: EventStore,
  decider: SessionDecider<C, E, S>,
): SessionStreams<C, S> => {
  const run = createCommandHandler<C, E, S, string>(
    { ...decider, metadataOf: (command) => ({ occurredAt: command.occurredAt }) },
    { store },
  );
  const load = async (stream: string): Promise<S> => {
    // A session has a few dozen events at most; one read covers it.
    const recorded = await store.readStream(stream, { maxCount: READ_MAX_COUNT });
    return recorded.reduce((state, r) => decider.evolve(state, { type: r.type, data: r.data } as E), decider.initialState());
  };
  return { run, load };
};

export const outcomeOf = (result: CommandResult<string>): Outcome =>
  result.ok ? { ok: true, position: result.position } : { ok: false, rejection: result.rejection, position: result.position };

/** ReserveCredits for a session's hold; idempotent by the reservation id (the session id). */
export const reserveHold = (ledger: LedgerHandler, hold: HoldRequest, occurredAt: string): Promise<CommandResult<Rejection>> =>
  ledger(accountStream(hold.userId), {
    type: 'ReserveCredits',
    reservationId: hold.reservationId,
    credits: hold.credits,
    feature: hold.feature,
    ttlSeconds: hold.ttlSeconds,
    occurredAt,
    metadata: { actor: `user:${hold.userId}`, correlationId: hold.reservationId },
  });

/**
 * After a session asked for its credits: reserve them; if the ledger refuses, record that on the
 * session (nothing is held) and answer with the ledger's rejection. Safe to repeat: a retried
 * update finds the reservation made, or the refusal recorded.
 */
export const reserveOrRecordRefusal = async <C extends { occurredAt: string }, S>(
  streams: SessionStreams<C, S>,
  stream: string,
  ledger: LedgerHandler,
  hold: HoldRequest,
  occurredAt: string,
  refusal: (reason: string) => C,
): Promise<Outcome> => {
  const reserved = await reserveHold(ledger, hold, occurredAt);
  if (reserved.ok) return { ok: true, position: reserved.position };
  const recorded = await streams.run(stream, refusal(reserved.rejection));
  return { ok: false, rejection: reserved.rejection, position: recorded.position };
};

/** Statuses in which a session is waiting for the user; leaving the flow cancels these. */
export const WAITING_FOR_INPUT = new Set([
  'tryon_waiting_clothing', 'tryon_waiting_person', 'stylist_waiting_photo', 'stylist_preferences',
]);
