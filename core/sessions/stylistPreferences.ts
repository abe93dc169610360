/**
 * What the stylist asks before it works: a style, an occasion and a budget. Each is a choice
 * from a closed list or a bounded range, so the bot can offer them as buttons and the AI prompt
 * never carries free text from the user.
 */

export const STYLE_CHOICES = [
  'casual',
  'classic',
  'business',
  'streetwear',
  'sporty',
  'romantic',
  'minimalist',
  'bohemian',
  'evening',
] as const;
export type StyleChoice = (typeof STYLE_CHOICES)[number];

export const OCCASION_CHOICES = ['everyday', 'work', 'date', 'party', 'wedding', 'vacation', 'sport'] as const;
export type OccasionChoice = (typeof OCCASION_CHOICES)[number];

export const BUDGET_CURRENCIES = ['RUB', 'USD'] as const;
export type BudgetCurrency = (typeof BUDGET_CURRENCIES)[number];

/** Highest budget the stylist takes, in minor units: 1 000 000 RUB, 10 000 USD. */
export const MAX_BUDGET_MINOR: Record<BudgetCurrency, number> = { RUB: 100_000_000, USD: 1_000_000 };

export interface BudgetRange {
  currency: BudgetCurrency;
  /** Inclusive, minor units (kopecks, cents). */
  minMinor: number;
  maxMinor: number;
}

export interface StylePreferences {
  style: StyleChoice;
  occasion: OccasionChoice;
  budget: BudgetRange;
}

const oneOf = <T extends string>(choices: readonly T[], value: unknown): value is T =>
  typeof value === 'string' && (choices as readonly string[]).includes(value);

/** Why the preferences are refused (one field at a time), or null when they are fine. */
export const preferencesProblem = (p: StylePreferences): string | null => {
  if (!oneOf(STYLE_CHOICES, p.style)) return `style must be one of ${STYLE_CHOICES.join(', ')}`;
  if (!oneOf(OCCASION_CHOICES, p.occasion)) return `occasion must be one of ${OCCASION_CHOICES.join(', ')}`;
  const budget = p.budget as Partial<BudgetRange> | undefined;
  if (!budget || !oneOf(BUDGET_CURRENCIES, budget.currency)) return 'budget currency must be RUB or USD';
  const { minMinor, maxMinor } = budget;
  const ceiling = MAX_BUDGET_MINOR[budget.currency];
  if (!Number.isSafeInteger(minMinor) || !Number.isSafeInteger(maxMinor))
    return 'budget bounds must be integers (minor units)';
  if (minMinor! < 0 || maxMinor! <= 0 || minMinor! > maxMinor! || maxMinor! > ceiling) {
    return `budget must satisfy 0 <= min <= max, 0 < max <= ${ceiling}`;
  }
  return null;
};

/** Compares a stored (valid) choice with a command's (not yet validated) one. */
export const samePreferences = (a: StylePreferences | null, b: StylePreferences): boolean => {
  const budget = b.budget as BudgetRange | undefined;
  return (
    a !== null &&
    budget !== undefined &&
    a.style === b.style &&
    a.occasion === b.occasion &&
    a.budget.currency === budget.currency &&
    a.budget.minMinor === budget.minMinor &&
    a.budget.maxMinor === budget.maxMinor
  );
};

export const preferencesOf = (p: StylePreferences): StylePreferences => ({
  style: p.style,
  occasion: p.occasion,
  budget: { currency: p.budget.currency, minMinor: p.budget.minMinor, maxMinor: p.budget.maxMinor },
});
