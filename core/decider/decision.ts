/**
 * What every decider's `decide` answers: the new facts (none for a command that changes nothing,
 * such as a retry of an accepted one), or a rejection. A rejection is a value from the decider's
 * closed list of snake_case codes, never an exception; `detail` says more to a human when the
 * code alone does not (which preference was invalid, say).
 */
export type Decision<Event, Rejection> =
  { ok: true; events: Event[] } | { ok: false; rejection: Rejection; detail?: string };

/** Accepts a command with the events it produces; `accept()` accepts it without new events. */
export const accept = <Event>(...events: Event[]): { ok: true; events: Event[] } => ({ ok: true, events });

export const reject = <Rejection extends string>(
  rejection: Rejection,
  detail?: string,
): { ok: false; rejection: Rejection; detail?: string } =>
  detail === undefined ? { ok: false, rejection } : { ok: false, rejection, detail };
