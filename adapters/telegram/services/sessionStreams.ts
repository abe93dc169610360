import {
  createCommandHandler, READ_MAX_COUNT, type CommandHandler, type CommandResult, type EventStore,
} from '../../../core/eventstore/index.js';
import { accountStream, type AccountCommand, type Rejection } from '../../../core/ledger/index.js';
import type { HoldRequest } from '../../../core/sessions/index.js';
import type { Holds } from '../../worker/index.js';
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
  /** Position of the last event of `stream` (any stream), 0 when there is none. */
  lastPositionOf(stream: string): Promise<number>;
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
  const lastPositionOf = async (stream: string): Promise<number> =>
    (await store.readStream(stream, { direction: 'backwards', maxCount: 1 }))[0]?.position ?? 0;
  return { run, load, lastPositionOf };
};

export const outcomeOf = (result: CommandResult<string>): Outcome =>
  result.ok ? { ok: true, position: result.position } : { ok: false, rejection: result.rejection, position: result.position };

/**
 * After a session asked for its credits: reserve them at once (the worker does the same, and
 * both are idempotent by the reservation id, which is the session id), so the user hears now
 * whether they can afford it. If the ledger refuses, the refusal is recorded on the session
 * (nothing is held) and returned. Safe to repeat: a retried update finds the reservation made,
 * or the refusal recorded.
 */
export const reserveOrRecordRefusal = async <C extends { occurredAt: string }, S>(
  streams: SessionStreams<C, S>,
  stream: string,
  holds: Pick<Holds, 'reserve'>,
  hold: HoldRequest,
  occurredAt: string,
  refusal: (reason: string) => C,
): Promise<Outcome> => {
  const reserved = await holds.reserve(hold, occurredAt);
  if (!reserved.ok) {
    const recorded = await streams.run(stream, refusal(reserved.rejection));
    return { ok: false, rejection: reserved.rejection, position: recorded.position };
  }
  // The reservation's position is not returned: the account's last event is at or past it.
  return { ok: true, position: await streams.lastPositionOf(accountStream(hold.userId)) };
};

/** Statuses in which a session is waiting for the user; leaving the flow cancels these. */
export const WAITING_FOR_INPUT = new Set([
  'tryon_waiting_clothing', 'tryon_waiting_person', 'stylist_waiting_photo', 'stylist_preferences',
]);
