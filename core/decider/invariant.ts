/** Which decider's invariant broke: the account ledger, a session FSM, or the consent record. */
export type InvariantScope = 'ledger' | 'session' | 'consent';

/**
 * A fact in a stream contradicts what must hold (a duplicate payment, a capture of a hold that
 * is not open, an event the session's state cannot take). It is never a business rule: `decide`
 * refuses those with a rejection. A violation means a bug or a damaged stream, so we stop rather
 * than go on with a wrong balance or a wrong session.
 */
export class InvariantViolation extends Error {
  readonly code = 'invariant_violation';

  constructor(
    readonly scope: InvariantScope,
    readonly detail: string,
  ) {
    super(`${scope} invariant broken: ${detail}`);
    this.name = 'InvariantViolation';
  }
}

/**
 * Throws `InvariantViolation` unless `condition` holds. Pass the message as a function where
 * building it costs something: `evolve` checks on every event of every fold.
 */
export function invariant(
  condition: boolean,
  scope: InvariantScope,
  message: string | (() => string),
): asserts condition {
  if (!condition) throw new InvariantViolation(scope, typeof message === 'string' ? message : message());
}
