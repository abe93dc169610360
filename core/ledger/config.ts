import { z } from 'zod';
import { PACKAGE_IDS, type Feature, type PackageId } from './commands.js';
import {
  HOLD_TTL_CEILING_SECONDS,
  MAX_AMOUNT_MINOR,
  MAX_CREDITS_PER_COMMAND,
  MIN_HOLD_TTL_SECONDS,
  OPEN_HOLDS_CEILING,
} from './limits.js';

/**
 * The ledger's business configuration: prices, packages, the welcome grant, hold limits. It is
 * data validated with zod, never literals in the code, so finance can change a price without a
 * release. Loading it from the environment is the app's job; this module gives the schema and the
 * defaults.
 */

const credits = z.int().min(1).max(MAX_CREDITS_PER_COMMAND);
const amountMinor = z.int().min(1).max(MAX_AMOUNT_MINOR);

export const CreditPackageSchema = z.strictObject({
  id: z.enum(PACKAGE_IDS),
  credits,
  /** Prices in minor units: USD cents, RUB kopecks, whole Telegram Stars. */
  prices: z.strictObject({ USD: amountMinor, RUB: amountMinor, XTR: amountMinor }),
});
export type CreditPackage = z.infer<typeof CreditPackageSchema>;

export const LedgerConfigSchema = z.strictObject({
  /** Credits granted once when an account opens; 0 turns the welcome grant off. */
  welcomeCredits: z.int().min(0).max(MAX_CREDITS_PER_COMMAND).default(3),
  /** What each AI feature costs; the session deciders reserve this much. */
  featurePrices: z.strictObject({ tryon: credits, styling: credits, recommendations: credits }),
  /**
   * Every package id must be present, exactly once: a payment names its package, and a payment
   * must never be refused because its package was taken out of the configuration after the
   * invoice was made (money already taken is never refused). Stop selling a package in the API instead.
   */
  packages: z
    .array(CreditPackageSchema)
    .refine((packages) => PACKAGE_IDS.every((id) => packages.filter((p) => p.id === id).length === 1), {
      message: `packages must list each of ${PACKAGE_IDS.join(', ')} exactly once`,
    }),
  /** The longest hold a reservation may ask for: an AI session holds its credits for up to an hour
   *  (core/sessions PROCESSING_HOLD_TTL_SECONDS), longer than its 30-minute idle timeout. */
  maxHoldTtlSeconds: z
    .int()
    .min(MIN_HOLD_TTL_SECONDS)
    .max(HOLD_TTL_CEILING_SECONDS)
    .default(60 * 60),
  /** Open holds per account; a reservation beyond it is `too_many_open_holds`. */
  maxOpenHolds: z.int().min(1).max(OPEN_HOLDS_CEILING).default(32),
});

export type LedgerConfig = z.output<typeof LedgerConfigSchema>;
export type LedgerConfigInput = z.input<typeof LedgerConfigSchema>;

/** Validates a configuration; throws a ZodError naming every bad field (a startup failure). */
export const parseLedgerConfig = (input: unknown): LedgerConfig => LedgerConfigSchema.parse(input);

export const DEFAULT_LEDGER_CONFIG_INPUT: LedgerConfigInput = {
  welcomeCredits: 3,
  featurePrices: { tryon: 3, styling: 5, recommendations: 1 },
  packages: [
    { id: 'basic', credits: 10, prices: { USD: 199, RUB: 19_900, XTR: 100 } },
    { id: 'premium', credits: 50, prices: { USD: 799, RUB: 69_900, XTR: 400 } },
  ],
  maxHoldTtlSeconds: 60 * 60,
  maxOpenHolds: 32,
};

export const defaultLedgerConfig: LedgerConfig = parseLedgerConfig(DEFAULT_LEDGER_CONFIG_INPUT);

/** The price of a feature in credits. */
export const featurePrice = (config: LedgerConfig, feature: Feature): number => config.featurePrices[feature];

/** The configured package with this id (always present: the schema requires every id). */
export const packageById = (config: LedgerConfig, id: PackageId): CreditPackage => {
  const found = config.packages.find((p) => p.id === id);
  if (!found) throw new Error(`ledger config has no package ${id}: it was not parsed by LedgerConfigSchema`);
  return found;
};
