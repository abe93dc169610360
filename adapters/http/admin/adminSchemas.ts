import { z } from 'zod';
import { INSTANT_MAX_LENGTH, INSTANT_REJECTION_MESSAGES, parseInstant } from '../../../core/input/index.js';
import { CURRENCIES, ID_MAX_LENGTH, PROVIDERS, TEXT_MAX_LENGTH } from '../../../core/ledger/index.js';
import { MOVEMENT_TYPES } from '../../../app/reports/financeExport.js';
import { UserIdParamSchema } from '../userIds.js';

/** Schemas of the support and finance routes (`/admin/…`). */

/** The most credits one goodwill grant may give; larger corrections go through finance. */
export const GOODWILL_MAX_CREDITS = 500;

/**
 * An instant with a time zone, or a date (midnight UTC), through the one strict parser the CLI
 * uses too (core/input): an impossible date is refused, never rolled over. Normalised to UTC.
 */
export const InstantSchema = z
  .string()
  .max(INSTANT_MAX_LENGTH)
  .transform((value, context) => {
    const parsed = parseInstant(value);
    if (parsed.ok) return parsed.iso;
    const message = `${INSTANT_REJECTION_MESSAGES[parsed.rejection]} (${parsed.rejection})`;
    context.addIssue({ code: 'custom', message });
    return z.NEVER;
  })
  .describe('ISO 8601 time with a zone, or a date');

export const UserParamsSchema = z.strictObject({ userId: UserIdParamSchema });
export const HoldParamsSchema = UserParamsSchema.extend({
  reservationId: z
    .string()
    .min(1)
    .max(ID_MAX_LENGTH)
    .regex(/^[\x21-\x7e]+$/),
});
export const TimelineQuerySchema = z.strictObject({ asOf: InstantSchema.optional() });

const StateSchema = z.object({ balance: z.int(), available: z.int(), held: z.int(), inDebt: z.boolean() });

export const TimelineReplySchema = z.object({
  userId: z.string(),
  asOf: z.string(),
  state: StateSchema,
  events: z.array(
    z.object({
      position: z.int(),
      stream: z.string(),
      revision: z.int(),
      type: z.string(),
      data: z.unknown(),
      occurredAt: z.string(),
      recordedAt: z.string(),
      stateAfter: StateSchema,
    }),
  ),
});

const reason = z.string().trim().min(3).max(TEXT_MAX_LENGTH).describe('why, for the audit trail');
const actionId = z.uuid().optional().describe('made by the caller: a retried action is done once');

export const GrantBodySchema = z.strictObject({ credits: z.int().min(1).max(GOODWILL_MAX_CREDITS), reason, actionId });
export const RefundBodySchema = z.strictObject({ paymentId: z.string().min(1).max(ID_MAX_LENGTH), reason, actionId });
export const ActionBodySchema = z.strictObject({ reason, actionId });

export const ActionReplySchema = z.object({
  actionId: z.string(),
  action: z.string(),
  outcome: z.string(),
  ledgerPosition: z.int().nullable(),
  auditPosition: z.int(),
});

export const PeriodQuerySchema = z
  .strictObject({ from: InstantSchema, to: InstantSchema, format: z.enum(['json', 'csv']).default('json') })
  .refine((q) => Date.parse(q.from) < Date.parse(q.to), { message: 'from must be before to', path: ['from'] });

export const ReportQuerySchema = z
  .strictObject({ from: InstantSchema, to: InstantSchema })
  .refine((q) => Date.parse(q.from) < Date.parse(q.to), { message: 'from must be before to', path: ['from'] });

export const BalancesQuerySchema = z.strictObject({ asOf: InstantSchema.optional() });

export const LedgerReplySchema = z.object({
  from: z.string(),
  to: z.string(),
  rows: z.array(
    z.object({
      position: z.int(),
      eventId: z.string(),
      userId: z.string(),
      type: z.enum(MOVEMENT_TYPES),
      credits: z.int(),
      amountMinor: z.int().nullable(),
      currency: z.enum(CURRENCIES).nullable(),
      provider: z.enum(PROVIDERS).nullable(),
      paymentId: z.string().nullable(),
      occurredAt: z.string(),
      recordedAt: z.string(),
    }),
  ),
  totals: z.array(
    z.object({
      type: z.enum(MOVEMENT_TYPES),
      currency: z.enum(CURRENCIES).nullable(),
      provider: z.enum(PROVIDERS).nullable(),
      count: z.int(),
      credits: z.int(),
      amountMinor: z.int(),
    }),
  ),
});

const money = z.object({ RUB: z.int(), USD: z.int(), XTR: z.int() });
export const ReportReplySchema = z.object({
  from: z.string(),
  to: z.string(),
  days: z.array(
    z.object({
      day: z.string(),
      revenueMinor: money,
      refundsMinor: money,
      chargebacksMinor: money,
      creditsSold: z.int(),
      creditsGranted: z.int(),
      creditsConsumed: z.int(),
      creditsRefunded: z.int(),
      creditsChargedBack: z.int(),
      creditsAdjusted: z.int(),
      liabilityCredits: z.int(),
      debtCredits: z.int(),
      aiCostMicroUsd: z.object({ tryon: z.int(), styling: z.int() }),
    }),
  ),
});

export const BalancesReplySchema = z.object({
  asOf: z.string(),
  accounts: z.array(StateSchema.extend({ userId: z.string() })),
  totals: z.object({
    accounts: z.int(),
    balance: z.int(),
    held: z.int(),
    available: z.int(),
    liabilityCredits: z.int(),
    debtCredits: z.int(),
  }),
});

export const ReconcileReplySchema = z.object({
  checkedUsers: z.int().describe('users whose rows were compared with their events'),
  differences: z.array(
    z.object({ userId: z.string(), field: z.string(), fromEvents: z.unknown(), inTable: z.unknown() }),
  ),
  verifiedPosition: z.int().describe('every user was compared with their events up to this position'),
  headPosition: z.int(),
  pendingUsers: z.int().describe('users with nothing projected yet: not compared'),
  quarantinedUsers: z.array(z.string()).describe('users of quarantined streams: not compared'),
  projections: z.array(
    z.object({
      name: z.string(),
      position: z.int(),
      headPosition: z.int(),
      lagEvents: z.int(),
      state: z.string(),
      error: z.string().optional(),
      quarantined: z.array(z.object({ stream: z.string(), fromPosition: z.int(), reason: z.string() })),
    }),
  ),
  ok: z.boolean().describe('no difference, and no projection failed, quarantined or too far behind'),
  problems: z.array(z.string()),
});
