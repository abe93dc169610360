import { z } from 'zod';
import { isTelegramUserId, parseTelegramUserId, TELEGRAM_USER_ID_RULE } from '../../core/ids/index.js';

/**
 * User ids at the HTTP edge: every route's `userId` parameter and `user_id` field goes through
 * these schemas (the one definition is core/ids), and a fault in such a field is answered
 * `invalid_user_id` (400) before any handler runs.
 */

/** A `:userId` path parameter: the canonical decimal string. */
export const UserIdParamSchema = z
  .string()
  .refine(isTelegramUserId, TELEGRAM_USER_ID_RULE)
  .describe(TELEGRAM_USER_ID_RULE);

/** A `user_id` in a body or query: the seed sends a number, some clients a string; both become the decimal string. */
export const UserIdFieldSchema = z
  .union([z.string(), z.number()])
  .transform((value, context) => {
    const id = parseTelegramUserId(value);
    if (id === undefined) context.addIssue({ code: 'custom', message: TELEGRAM_USER_ID_RULE });
    return id ?? z.NEVER;
  })
  .describe(TELEGRAM_USER_ID_RULE);

// The names a user id goes by in our routes: `:userId` in paths, `user_id` in bodies and queries.
const USER_ID_PATH = /\/(userId|user_id)$/;

/** True when a schema validation failure is about a user id field (then the code is `invalid_user_id`). */
export const isUserIdFailure = (validation: ReadonlyArray<{ instancePath: string }>): boolean =>
  validation.some((issue) => USER_ID_PATH.test(issue.instancePath));
