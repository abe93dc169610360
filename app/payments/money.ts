import { CURRENCIES, type Currency } from '../../core/ledger/commands.js';
import { MAX_AMOUNT_MINOR } from '../../core/ledger/limits.js';

/**
 * Money crosses provider APIs in two shapes: integers of minor units (Stripe, Telegram) and
 * decimal strings of major units (YooKassa: "199.00"). Conversions are done on the digits, never
 * through a float.
 */

const DECIMAL = /^(\d{1,13})(?:\.(\d{1,2}))?$/;

/** "199.00" → 19900 for a currency with two decimals; undefined when it is not such a string. */
export const minorFromDecimal = (value: string): number | undefined => {
  const match = DECIMAL.exec(value);
  if (!match) return undefined;
  const minor = Number(match[1]) * 100 + Number((match[2] ?? '').padEnd(2, '0'));
  return Number.isSafeInteger(minor) && minor <= MAX_AMOUNT_MINOR ? minor : undefined;
};

/** 19900 → "199.00". */
export const decimalFromMinor = (amountMinor: number): string => {
  if (!Number.isSafeInteger(amountMinor) || amountMinor < 0)
    throw new Error(`not an amount in minor units: ${amountMinor}`);
  const cents = amountMinor % 100;
  return `${(amountMinor - cents) / 100}.${String(cents).padStart(2, '0')}`;
};

/** A provider's currency code ("usd", "RUB") as a ledger currency, or undefined for any other. */
export const ledgerCurrency = (code: string | null | undefined): Currency | undefined => {
  const upper = code?.toUpperCase();
  return CURRENCIES.find((c) => c === upper);
};
