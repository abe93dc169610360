import type { CommandHandler, CommandResult } from '../eventstore/index.js';
import { isTelegramUserId } from '../ids/index.js';
import { ACCOUNT_STREAM_PREFIX } from './accountDecider.js';
import type { AccountCommand } from './commands.js';
import type { Rejection } from './rejections.js';

// What a handler answers for a stream it never read: no revision, no position (commandHandler.ts).
const refused = (rejection: Rejection): CommandResult<Rejection> => ({
  ok: false,
  rejection,
  revision: -1,
  position: 0,
});

/**
 * The ledger's command path, guarded: a command is sent only to `account-<Telegram user id>`
 * (core/ids), and a command that names a user (OpenAccount, PurchaseCredits) only to that user's
 * stream. Anything else is refused before the stream is read, so no caller, whatever it checked
 * or forgot, can append to an account stream the projections could not apply (one once froze the ledger projection).
 */
export const guardAccountCommands =
  (handler: CommandHandler<AccountCommand, Rejection>): CommandHandler<AccountCommand, Rejection> =>
  async (stream, command) => {
    const userId = stream.startsWith(ACCOUNT_STREAM_PREFIX) ? stream.slice(ACCOUNT_STREAM_PREFIX.length) : undefined;
    if (!isTelegramUserId(userId)) return refused('invalid_user_id');
    if ('userId' in command && command.userId !== userId)
      return refused(isTelegramUserId(command.userId) ? 'wrong_account' : 'invalid_user_id');
    return handler(stream, command);
  };
