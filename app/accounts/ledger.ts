import type { CommandHandler } from '../../core/eventstore/index.js';
import type { AccountCommand, Rejection } from '../../core/ledger/index.js';

/**
 * The account command path: the ledger decider's command handler on `account-<userId>`, as the
 * composition root builds it (with its snapshot store and retries). Every use case that moves
 * credits sends its commands through one of these.
 */
export type LedgerHandler = CommandHandler<AccountCommand, Rejection>;
