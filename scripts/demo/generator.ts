import { createCommandHandler, type EventStore } from '../../core/eventstore/index.js';
import {
  accountDecider,
  accountStream,
  guardAccountCommands,
  defaultLedgerConfig,
  featurePrice,
  type LedgerConfig,
  type PackageId,
  type Provider,
} from '../../core/ledger/index.js';
import {
  consentDecider,
  consentStream,
  type Consent,
  type ConsentCommand,
  type ConsentEvent,
} from '../../core/sessions/index.js';
import { goodwillGrant } from '../../app/support/actions.js';
import { DemoClock, SeededRandom } from './random.js';
import { must, runStyling, runTryOn, sessionHandlers, type SessionContext, type SessionOutcome } from './sessions.js';
import { purchase, type PurchaseTally } from './purchases.js';

/**
 * `modera demo`: a realistic history through the real command path (the ledger and session
 * deciders on the configured event store): purchases in three currencies with duplicate webhook
 * deliveries, try-ons and stylist sessions with AI failures and expiries, a refund, a chargeback
 * into debt, support grants. Everything is keyed by ids made from the seed, so running it again
 * with the same seed and start adds nothing.
 */

export const DEMO_MAX_USERS = 1_000;
export const DEMO_DEFAULT_USERS = 12;
/** The simulated history ends about now and spans this many days. */
export const DEMO_SPAN_DAYS = 14;

export interface DemoOptions {
  store: EventStore;
  users: number;
  seed: string;
  /** Start of the simulated history (occurredAt); default DEMO_SPAN_DAYS before today, at midnight UTC. */
  start?: Date;
  ledgerConfig?: LedgerConfig;
}

export type StoryKind =
  'chargeback_into_debt' | 'support_grant' | 'paid_before_start' | 'refund' | 'expired_api_hold' | 'out_of_credits';
const STORIES: readonly StoryKind[] = [
  'chargeback_into_debt',
  'support_grant',
  'paid_before_start',
  'refund',
  'expired_api_hold',
  'out_of_credits',
];

export interface DemoSummary {
  seed: string;
  start: string;
  users: Array<{ userId: string; story: StoryKind }>;
  purchases: PurchaseTally;
  sessions: Record<'tryon' | 'styling', Record<SessionOutcome, number>>;
  refunds: number;
  chargebacks: number;
  supportGrants: number;
  expiredHolds: number;
  eventsWritten: number;
  headPosition: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;
export const defaultDemoStart = (now = Date.now()): Date =>
  new Date(Math.floor(now / DAY_MS) * DAY_MS - DEMO_SPAN_DAYS * DAY_MS);

interface World extends SessionContext {
  config: LedgerConfig;
  summary: DemoSummary;
}

const PROVIDERS: readonly Provider[] = ['stripe', 'yookassa', 'telegram_stars'];

const session = async (
  world: World,
  userId: string,
  n: number,
  kind: 'tryon' | 'styling',
  wanted: SessionOutcome,
): Promise<void> => {
  const sessionId = world.random.uuid(userId, kind, n);
  const outcome =
    kind === 'tryon'
      ? await runTryOn(world, userId, sessionId, wanted)
      : await runStyling(world, userId, sessionId, wanted);
  world.summary.sessions[kind][outcome] += 1;
};

const randomOutcome = (random: SeededRandom): SessionOutcome => {
  const roll = random.next();
  return roll < 0.7 ? 'succeeded' : roll < 0.85 ? 'ai_failed' : 'expired';
};

/** Spends the user's credits the way the story wants; returns how many sessions were run. */
const spend = async (world: World, userId: string, story: StoryKind): Promise<number> => {
  const fixed: Partial<Record<StoryKind, Array<['tryon' | 'styling', SessionOutcome]>>> = {
    // 13 credits (welcome + basic), 11 spent: the chargeback of 10 leaves the account in debt.
    chargeback_into_debt: [
      ['tryon', 'succeeded'],
      ['tryon', 'succeeded'],
      ['styling', 'succeeded'],
    ],
    // The welcome credits cover a try-on but not the stylist, which is refused.
    out_of_credits: [
      ['styling', 'succeeded'],
      ['tryon', 'succeeded'],
    ],
    // Support's grant makes up for these.
    support_grant: [
      ['tryon', 'ai_failed'],
      ['styling', 'expired'],
      ['tryon', 'succeeded'],
    ],
  };
  const planned =
    fixed[story] ??
    Array.from({ length: world.random.int(1, 3) }, () => [
      world.random.pick(['tryon', 'styling'] as const),
      randomOutcome(world.random),
    ]);
  for (const [i, [kind, outcome]] of planned.entries()) {
    world.clock.advance(world.random.int(600, 7200));
    await session(world, userId, i, kind, outcome);
  }
  return planned.length;
};

const openAccount = async (world: World, userId: string, n: number): Promise<void> => {
  await must(
    'OpenAccount',
    world.ledger(accountStream(userId), {
      type: 'OpenAccount',
      userId,
      profile: { username: `demo_user_${n}`, firstName: `Demo ${n}`, languageCode: n % 2 === 0 ? 'ru' : 'en' },
      occurredAt: world.clock.advance(60),
      metadata: { actor: `user:${userId}` },
    }),
  );
  const consent = createCommandHandler<ConsentCommand, ConsentEvent, Consent, string>(
    { ...consentDecider, metadataOf: (c) => ({ occurredAt: c.occurredAt, actor: `user:${userId}` }) },
    { store: world.store },
  );
  await must(
    'GiveConsent',
    consent(consentStream(userId), { type: 'GiveConsent', userId, version: 1, occurredAt: world.clock.advance(20) }),
  );
};

const buy = (world: World, userId: string, n: number, k: number, packageId?: PackageId) =>
  purchase(
    world,
    userId,
    {
      provider: PROVIDERS[(n + k + Math.floor(n / STORIES.length)) % PROVIDERS.length]!,
      packageId: packageId ?? world.random.pick(['basic', 'premium'] as const),
      key: `${n}-${k}`,
    },
    world.summary.purchases,
  );

const story = async (world: World, userId: string, n: number, kind: StoryKind): Promise<void> => {
  if (kind === 'paid_before_start') await buy(world, userId, n, 0);
  await openAccount(world, userId, n);
  const first =
    kind === 'paid_before_start' || kind === 'out_of_credits'
      ? undefined
      : await buy(world, userId, n, 0, kind === 'chargeback_into_debt' ? 'basic' : undefined);
  if (world.random.chance(0.4) && kind !== 'out_of_credits' && kind !== 'chargeback_into_debt')
    await buy(world, userId, n, 1);
  await spend(world, userId, kind);
  await afterwards(world, userId, n, kind, first?.paymentId);
};

/** The payment refunded, or charged back (the account going into debt, a session refused). */
const refundOrChargeback = async (
  world: World,
  userId: string,
  kind: 'refund' | 'chargeback_into_debt',
  paymentId: string,
  occurredAt: string,
): Promise<void> => {
  const account = accountStream(userId);
  await must(
    'RefundPurchase',
    world.ledger(account, {
      type: 'RefundPurchase',
      paymentId,
      kind: kind === 'refund' ? 'refund' : 'chargeback',
      occurredAt,
      metadata: { actor: 'provider:demo', correlationId: paymentId },
    }),
  );
  if (kind === 'refund') world.summary.refunds += 1;
  else {
    world.summary.chargebacks += 1;
    await session(world, userId, 9, 'tryon', 'succeeded'); // refused: the account is in debt
  }
};

/** A goodwill grant from support. */
const grantGoodwill = async (
  world: World,
  userId: string,
  n: number,
  kind: 'support_grant' | 'out_of_credits',
  occurredAt: string,
): Promise<void> => {
  const executeAccount = (id: string, command: Parameters<typeof world.ledger>[1]) =>
    world.ledger(accountStream(id), command);
  await goodwillGrant(
    { store: world.store, executeAccount, now: () => new Date(occurredAt) },
    {
      userId,
      operator: 'demo-support',
      role: 'support',
      reason: kind === 'out_of_credits' ? 'first try-on on us' : 'slow result last week',
      credits: 5,
      actionId: world.random.uuid(userId, 'goodwill', n),
    },
  );
  world.summary.supportGrants += 1;
};

/** An API hold that nobody captures: the sweeper releases it as expired. */
const expireApiHold = async (world: World, userId: string, n: number, occurredAt: string): Promise<void> => {
  const account = accountStream(userId);
  const reservationId = `use-${world.random.uuid(userId, 'use', n)}`;
  const reserved = await world.ledger(account, {
    type: 'ReserveCredits',
    reservationId,
    credits: featurePrice(world.config, 'recommendations'),
    feature: 'recommendations',
    ttlSeconds: 300,
    occurredAt,
  });
  if (!reserved.ok) return;
  await must(
    'release (expired)',
    world.ledger(account, {
      type: 'ReleaseReservation',
      reservationId,
      reason: 'expired',
      occurredAt: world.clock.advance(600),
      metadata: { actor: 'system:sweeper' },
    }),
  );
  world.summary.expiredHolds += 1;
};

/** What happens after the user spent: the story's twist. */
const afterwards = async (
  world: World,
  userId: string,
  n: number,
  kind: StoryKind,
  paymentId: string | undefined,
): Promise<void> => {
  const occurredAt = world.clock.advance(world.random.int(3600, 86_400));
  switch (kind) {
    case 'chargeback_into_debt':
    case 'refund':
      return refundOrChargeback(world, userId, kind, paymentId!, occurredAt);
    case 'support_grant':
    case 'out_of_credits':
      return grantGoodwill(world, userId, n, kind, occurredAt);
    case 'expired_api_hold':
      return expireApiHold(world, userId, n, occurredAt);
    case 'paid_before_start':
      return;
    default: {
      const _exhaustive: never = kind;
      throw new Error(`unknown story ${String(_exhaustive)}`);
    }
  }
};

const emptyOutcomes = (): Record<SessionOutcome, number> => ({ succeeded: 0, ai_failed: 0, expired: 0, no_credits: 0 });

/** Fills the store with `users` users' histories. */
export const runDemo = async (options: DemoOptions): Promise<DemoSummary> => {
  if (!Number.isSafeInteger(options.users) || options.users < 1 || options.users > DEMO_MAX_USERS) {
    throw new RangeError(`--users must be 1..${DEMO_MAX_USERS}`);
  }
  const config = options.ledgerConfig ?? defaultLedgerConfig;
  const start = options.start ?? defaultDemoStart();
  const headBefore = await options.store.headPosition();
  const random = new SeededRandom(options.seed);
  const ledger = guardAccountCommands(createCommandHandler(accountDecider(config), { store: options.store }));
  const summary: DemoSummary = {
    seed: options.seed,
    start: start.toISOString(),
    users: [],
    purchases: { count: 0, deliveries: 0, duplicatesIgnored: 0, byCurrency: { USD: 0, RUB: 0, XTR: 0 } },
    sessions: { tryon: emptyOutcomes(), styling: emptyOutcomes() },
    refunds: 0,
    chargebacks: 0,
    supportGrants: 0,
    expiredHolds: 0,
    eventsWritten: 0,
    headPosition: 0,
  };
  const spacingMs = (DEMO_SPAN_DAYS * DAY_MS) / options.users;
  for (let n = 0; n < options.users; n++) {
    const userId = String(100_000_000 + random.int(0, 899_999_999));
    const kind = STORIES[n % STORIES.length]!;
    const clock = new DemoClock(new Date(start.getTime() + n * spacingMs));
    const world: World = {
      store: options.store,
      config,
      summary,
      ledger,
      ...sessionHandlers(options.store),
      random,
      clock,
      maxHoldTtlSeconds: config.maxHoldTtlSeconds,
      prices: { tryon: featurePrice(config, 'tryon'), styling: featurePrice(config, 'styling') },
    };
    await story(world, userId, n, kind);
    summary.users.push({ userId, story: kind });
  }
  summary.headPosition = await options.store.headPosition();
  summary.eventsWritten = await countWritten(options.store, headBefore);
  return summary;
};

const countWritten = async (store: EventStore, after: number): Promise<number> => {
  let count = 0;
  for (let from = after; ;) {
    const page = await store.readAll({ after: from, maxCount: 10_000 });
    count += page.length;
    if (page.length < 10_000) return count;
    from = page[page.length - 1]!.position;
  }
};
