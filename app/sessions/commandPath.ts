import {
  createCommandHandler,
  READ_MAX_COUNT,
  type CommandResult,
  type EventStore,
} from '../../core/eventstore/index.js';
import { accountStream } from '../../core/ledger/index.js';
import type { HoldRequest } from '../../core/sessions/index.js';
import type { Actor, HoldReserver, Outcome } from './ports.js';

/**
 * The one command path of the session streams (try-on, stylist, consent), for the bot, the HTTP
 * API and the worker alike: every command names its actor, a person may act only on sessions of
 * their own, and every event keeps the actor in its metadata.
 */

export interface SessionDecider<C, E, S, R extends string = string> {
  decide(command: C, state: S): { ok: true; events: E[] } | { ok: false; rejection: R };
  evolve(state: S, event: E): S;
  initialState(): S;
}

/** A person's command on a session someone else started. */
export const NOT_SESSION_OWNER = 'not_session_owner';

/** The user an actor speaks for, if it is a person. */
export const userOf = (actor: Actor): string | undefined =>
  actor.startsWith('user:') ? actor.slice('user:'.length) : undefined;

/** A session command with the actor who sent it (the deciders ignore the extra field). */
export type Acting<C> = C & { actor: Actor };

export interface SessionCommandPath<C extends { occurredAt: string }, S, R extends string = string> {
  run(stream: string, command: Acting<C>): Promise<CommandResult<R | typeof NOT_SESSION_OWNER>>;
  load(stream: string): Promise<S>;
  /** Position of the last event of `stream` (any stream), 0 when there is none. */
  lastPositionOf(stream: string): Promise<number>;
}

/** The command handler and a loader for one kind of session stream. */
export const sessionCommandPath = <
  C extends { occurredAt: string },
  E extends { type: string; data: unknown },
  S extends { userId: string | null },
  R extends string = string,
>(
  store: EventStore,
  decider: SessionDecider<C, E, S, R>,
): SessionCommandPath<C, S, R> => {
  const run = createCommandHandler<Acting<C>, E, S, R | typeof NOT_SESSION_OWNER>(
    {
      ...decider,
      // Decided on the stream with the rest: a user's command on a session someone else started changes nothing.
      decide: (command, state) => {
        const user = userOf(command.actor);
        if (user !== undefined && state.userId && state.userId !== user) {
          return { ok: false, rejection: NOT_SESSION_OWNER };
        }
        return decider.decide(command, state);
      },
      metadataOf: (command) => ({ occurredAt: command.occurredAt, actor: command.actor }),
    },
    { store },
  );
  const load = async (stream: string): Promise<S> => {
    // A session has a few dozen events at most; one read covers it.
    const recorded = await store.readStream(stream, { maxCount: READ_MAX_COUNT });
    return recorded.reduce(
      (state, r) => decider.evolve(state, { type: r.type, data: r.data } as E),
      decider.initialState(),
    );
  };
  const lastPositionOf = async (stream: string): Promise<number> =>
    (await store.readStream(stream, { direction: 'backwards', maxCount: 1 }))[0]?.position ?? 0;
  return { run, load, lastPositionOf };
};

export const outcomeOf = (result: CommandResult<string>): Outcome =>
  result.ok
    ? { ok: true, position: result.position }
    : { ok: false, rejection: result.rejection, position: result.position };

/**
 * After a session asked for its credits: reserve them at once (the worker does the same, and
 * both are idempotent by the reservation id, which is the session id), so the user hears now
 * whether they can afford it. If the ledger refuses, the refusal is recorded on the session
 * (nothing is held) and returned. Safe to repeat: a retried update finds the reservation made,
 * or the refusal recorded.
 */
export const reserveOrRecordRefusal = async <C extends { occurredAt: string }, S>(
  path: SessionCommandPath<C, S>,
  stream: string,
  holds: HoldReserver,
  hold: HoldRequest,
  occurredAt: string,
  refusal: (reason: string) => Acting<C>,
): Promise<Outcome> => {
  const reserved = await holds.reserve(hold, occurredAt);
  if (!reserved.ok) {
    const recorded = await path.run(stream, refusal(reserved.rejection));
    return { ok: false, rejection: reserved.rejection, position: recorded.position };
  }
  // The reservation's position is not returned: the account's last event is at or past it.
  return { ok: true, position: await path.lastPositionOf(accountStream(hold.userId)) };
};

/** Statuses in which a session is waiting for the user; leaving the flow cancels these. */
export const WAITING_FOR_INPUT = new Set([
  'tryon_waiting_clothing',
  'tryon_waiting_person',
  'stylist_waiting_photo',
  'stylist_preferences',
]);
