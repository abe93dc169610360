import type { Decision } from '../decider/index.js';
import type { AccountEvent } from './events.js';
import type { Rejection } from './rejections.js';

/** The account's `Decision`: its events, or one of the ledger's rejection codes. */
export type AccountDecision = Decision<AccountEvent, Rejection>;
