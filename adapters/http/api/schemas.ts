import { z } from 'zod';
import {
  CURRENCIES,
  FEATURES,
  ID_MAX_LENGTH,
  MAX_CREDITS_PER_COMMAND,
  PACKAGE_IDS,
  PROVIDERS,
} from '../../../core/ledger/index.js';
import { HTTP_ERRORS, type HttpErrorCode } from '../errors.js';
import { UserIdFieldSchema, UserIdParamSchema } from '../userIds.js';

/**
 * Zod schemas of the service API: every body, query, parameter and reply. Requests use the
 * architecture document's snake_case fields; replies use camelCase like the rest of the API.
 */

/** A Telegram user id (core/ids): the seed sends a number, some clients a string; both become the decimal string. */
export const UserIdSchema = UserIdFieldSchema;

export const UserIdParamsSchema = z.strictObject({ userId: UserIdParamSchema });

export const ErrorReplySchema = z.object({
  error: z.object({
    code: z.enum(Object.keys(HTTP_ERRORS) as [HttpErrorCode, ...HttpErrorCode[]]),
    message: z.string(),
    rejection: z.string().optional(),
    details: z.unknown().optional(),
    requestId: z.string().optional(),
  }),
});

/** The error replies a route documents, by status. */
export const errorReplies = (...statuses: number[]) => Object.fromEntries(statuses.map((s) => [s, ErrorReplySchema]));

export const BalanceReplySchema = z.object({
  userId: z.string(),
  /** Credits the user can spend now (available = balance - held). */
  credits: z.int(),
  /** Credits on hold for AI work in progress. */
  reserved: z.int(),
});

const minor = z.int().positive();
export const PackagesReplySchema = z.object({
  packages: z.array(
    z.object({
      id: z.enum(PACKAGE_IDS),
      credits: z.int().positive(),
      prices: z.object({ USD: minor, RUB: minor, XTR: minor }).describe('minor units: cents, kopecks, whole Stars'),
    }),
  ),
});

export const PurchaseBodySchema = z.strictObject({
  user_id: UserIdSchema,
  package_type: z.enum(PACKAGE_IDS),
  currency: z.enum(CURRENCIES),
  payment_provider: z.enum(PROVIDERS),
  /** YooKassa sends the 54-FZ receipt here. */
  email: z.email().max(254).optional(),
});

export const InvoiceBodySchema = z.strictObject({
  user_id: UserIdSchema,
  package_type: z.enum(PACKAGE_IDS),
});

export const PaymentReplySchema = z.object({
  userId: z.string(),
  packageId: z.enum(PACKAGE_IDS),
  credits: z.int().positive(),
  amountMinor: z.int().positive(),
  currency: z.enum(CURRENCIES),
  provider: z.enum(PROVIDERS),
  /** Where the user pays: the provider's checkout page, or the Stars invoice link. */
  paymentUrl: z.url(),
  /** The provider's id of what was created (session, payment); absent for Stars. */
  reference: z.string().optional(),
});

export const USE_ACTIONS = ['charge', 'reserve', 'capture', 'release'] as const;

export const UseBodySchema = z
  .strictObject({
    user_id: UserIdSchema,
    credits_amount: z.int().min(1).max(MAX_CREDITS_PER_COMMAND),
    feature_used: z.enum(FEATURES),
    session_id: z
      .string()
      .min(1)
      .max(ID_MAX_LENGTH)
      .regex(/^[\x21-\x7e]+$/, 'printable, no spaces'),
    /** charge: reserve and capture at once; reserve: hold only; capture / release: end a hold. */
    action: z.enum(USE_ACTIONS).default('charge'),
    /** For capture and release: the `reservationId` a reserve answered with. */
    reservation_id: z
      .string()
      .min(1)
      .max(ID_MAX_LENGTH)
      .regex(/^[\x21-\x7e]+$/)
      .optional(),
    /** For reserve: how long the hold lives; default and ceiling from the ledger configuration. */
    ttl_seconds: z.int().min(1).optional(),
  })
  .refine((b) => (b.action === 'capture' || b.action === 'release') === (b.reservation_id !== undefined), {
    message: 'reservation_id is required for capture and release, and only for them',
    path: ['reservation_id'],
  });

export const UseReplySchema = z.object({
  userId: z.string(),
  action: z.enum(USE_ACTIONS),
  reservationId: z.string(),
  status: z.enum(['held', 'captured', 'released']),
  credits: z.int(),
  /** Position of the last event the command wrote or saw: read tables include it once they pass it. */
  position: z.int().nonnegative(),
});

export const IdempotencyHeadersSchema = z.object({
  'idempotency-key': z
    .string()
    .optional()
    .describe('required on /credits/use: the same key and body replay the first answer'),
});
