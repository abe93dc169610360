import { isTelegramUserId, TELEGRAM_USER_ID_RULE } from '../../core/ids/index.js';
import { UsageError } from './withStore.js';

/**
 * A user id given on the command line (`<userId>`, `--user`), checked by the one definition (core/ids); else a usage
 * error (exit 2).
 */
export const userIdArgument = (name: string, value: string): string => {
  if (!isTelegramUserId(value))
    throw new UsageError(`${name}: expected ${TELEGRAM_USER_ID_RULE}, got ${JSON.stringify(value)}`);
  return value;
};
