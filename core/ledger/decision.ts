import type { AccountEvent } from './events.js';
import type { Rejection } from './rejections.js';

/** What `decide` answers: the new facts (none for a retry of an accepted command), or a rejection. */
export type Decision =
  | { ok: true; events: AccountEvent[] }
  | { ok: false; rejection: Rejection };

export const accept = (...events: AccountEvent[]): Decision => ({ ok: true, events });
export const reject = (rejection: Rejection): Decision => ({ ok: false, rejection });
