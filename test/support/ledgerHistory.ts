import type pg from 'pg';
import { deterministicUuid, type NewEvent } from '../../core/eventstore/index.js';
import type { AccountEvent, Currency, Provider } from '../../core/ledger/index.js';

/**
 * A synthetic but valid ledger history for tests and benchmarks: many users opening accounts,
 * buying, holding, capturing (sometimes partly), releasing, with a few grants, corrections and
 * clawbacks. Every event is one the decider could have made (`foldAccount` accepts each stream),
 * and the same seed gives the same history, ids included.
 */

export interface HistoryOptions {
  users: number;
  events: number;
  seed: number;
  /** occurredAt of the first event; later ones a millisecond apart. */
  start?: Date;
}

export interface HistoryEvent {
  stream: string;
  /** The stream's revision this event gets. */
  revision: number;
  event: NewEvent;
}

/** A small, fast, seedable PRNG (mulberry32). */
export const seededRandom = (seed: number): (() => number) => {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
};

interface Hold {
  reservationId: string;
  credits: number;
  feature: 'tryon' | 'styling';
  expiresAt: string;
}
const holdFacts = (hold: Hold) => ({
  reservationId: hold.reservationId,
  feature: hold.feature,
  heldCredits: hold.credits,
  ttlSeconds: HOLD_TTL_SECONDS,
  expiresAt: hold.expiresAt,
});
interface Purchase {
  paymentId: string;
  provider: Provider;
  credits: number;
  amountMinor: number;
  currency: Currency;
}
interface UserState {
  revision: number;
  balance: number;
  held: number;
  holds: Hold[];
  purchases: Purchase[];
  seq: number;
}

const PURCHASES: readonly Purchase[] = [
  { paymentId: '', provider: 'yookassa', credits: 10, amountMinor: 29_900, currency: 'RUB' },
  { paymentId: '', provider: 'stripe', credits: 50, amountMinor: 1_499, currency: 'USD' },
  { paymentId: '', provider: 'telegram_stars', credits: 10, amountMinor: 150, currency: 'XTR' },
];
const HOLD_TTL_SECONDS = 600;

const nextAction = (user: UserState, r: number): AccountEvent['type'] => {
  const available = user.balance - user.held;
  if (user.holds.length > 0 && r < 0.3) return r < 0.21 ? 'ReservationCaptured' : 'ReservationReleased';
  if (available >= 5 && user.holds.length < 3 && r < 0.75) return 'CreditsReserved';
  if (r < 0.77 && user.purchases.length > 0) return 'PurchaseRefunded';
  if (r < 0.79) return 'CreditsAdjusted';
  if (r < 0.81) return 'CreditsGranted';
  return 'CreditsPurchased';
};

/** The event a user's next step makes, and the user's state after it. */
const step = (user: UserState, userId: number, random: () => number, occurredAt: string): AccountEvent => {
  const id = (kind: string) => `${kind}-${userId}-${++user.seq}`;
  switch (nextAction(user, random())) {
    case 'ReservationCaptured': {
      const hold = user.holds.shift()!;
      const credits = random() < 0.2 ? Math.max(1, hold.credits - 2) : hold.credits;
      user.held -= hold.credits;
      user.balance -= credits;
      return {
        type: 'ReservationCaptured',
        data: { ...holdFacts(hold), credits, releasedCredits: hold.credits - credits, balanceAfter: user.balance },
      };
    }
    case 'ReservationReleased': {
      const hold = user.holds.shift()!;
      user.held -= hold.credits;
      return { type: 'ReservationReleased', data: { ...holdFacts(hold), reason: 'ai_failed' } };
    }
    case 'CreditsReserved': {
      const styling = random() < 0.4;
      const credits = styling ? 5 : 3;
      const expiresAt = new Date(Date.parse(occurredAt) + HOLD_TTL_SECONDS * 1000).toISOString();
      const hold: Hold = {
        reservationId: deterministicUuid('hold', String(userId), String(user.seq++)),
        credits,
        feature: styling ? 'styling' : 'tryon',
        expiresAt,
      };
      user.holds.push(hold);
      user.held += credits;
      return { type: 'CreditsReserved', data: holdFacts(hold) };
    }
    case 'PurchaseRefunded': {
      const purchase = user.purchases.splice(Math.floor(random() * user.purchases.length), 1)[0]!;
      user.balance -= purchase.credits;
      return {
        type: 'PurchaseRefunded',
        data: {
          paymentId: purchase.paymentId,
          provider: purchase.provider,
          packageId: 'basic',
          purchasedCredits: purchase.credits,
          purchasedAmountMinor: purchase.amountMinor,
          currency: purchase.currency,
          kind: random() < 0.5 ? 'refund' : 'chargeback',
          credits: purchase.credits,
          amountMinor: purchase.amountMinor,
          balanceAfter: user.balance,
        },
      };
    }
    case 'CreditsAdjusted': {
      const delta = random() < 0.5 ? -2 : 4;
      user.balance += delta;
      return {
        type: 'CreditsAdjusted',
        data: {
          adjustmentId: id('adj'),
          delta,
          reason: 'support correction',
          operator: 'support:ann',
          balanceAfter: user.balance,
        },
      };
    }
    case 'CreditsGranted':
      user.balance += 5;
      return {
        type: 'CreditsGranted',
        data: {
          grantId: id('grant'),
          credits: 5,
          reason: 'goodwill',
          operator: 'support:ann',
          balanceAfter: user.balance,
        },
      };
    default: {
      const purchase = { ...PURCHASES[Math.floor(random() * PURCHASES.length)]!, paymentId: id('pay') };
      user.purchases.push(purchase);
      user.balance += purchase.credits;
      return { type: 'CreditsPurchased', data: { ...purchase, packageId: 'basic', balanceAfter: user.balance } };
    }
  }
};

const opening = (userId: number, user: UserState): AccountEvent[] => {
  user.balance = 3;
  return [
    {
      type: 'AccountOpened',
      data: {
        userId: String(userId),
        openedBy: 'user',
        profile: { username: `user${userId}`, firstName: 'Test', languageCode: userId % 3 === 0 ? 'ru' : 'en' },
      },
    },
    {
      type: 'CreditsGranted',
      data: { grantId: 'welcome', credits: 3, reason: 'welcome', operator: 'system', balanceAfter: 3 },
    },
  ];
};

/** The history, event by event, in the order it is appended. */
export function* ledgerHistory(options: HistoryOptions): Generator<HistoryEvent> {
  const random = seededRandom(options.seed);
  const start = (options.start ?? new Date('2025-01-01T00:00:00Z')).getTime();
  const users = new Map<number, UserState>();
  const firstUserId = 1_000_000;
  for (let n = 0; n < options.events;) {
    // Users open in order at first, then any user acts.
    const index =
      users.size < options.users && (n < options.users * 2 || random() < 0.05)
        ? users.size
        : Math.floor(random() * users.size);
    const userId = firstUserId + index;
    const occurredAt = new Date(start + n).toISOString();
    let user = users.get(userId);
    const events = user
      ? []
      : opening(userId, (user = { revision: -1, balance: 0, held: 0, holds: [], purchases: [], seq: 0 }));
    users.set(userId, user);
    if (events.length === 0) events.push(step(user, userId, random, occurredAt));
    for (const event of events) {
      user.revision += 1;
      const stream = `account-${userId}`;
      yield {
        stream,
        revision: user.revision,
        event: {
          id: deterministicUuid(String(options.seed), stream, String(user.revision)),
          type: event.type,
          data: event.data,
          metadata: { occurredAt, actor: `user:${userId}` },
        },
      };
      n += 1;
    }
  }
}

/** Events written per transaction by `bulkAppend`. */
export const BULK_APPEND_CHUNK = 5_000;

/**
 * Writes a history straight into the PostgreSQL event store's tables (schema/001_eventstore.sql),
 * far faster than one append per command, for setting up large logs. It keeps the store's rules:
 * positions taken in order, one transaction per chunk (so transaction ids grow with positions),
 * stream revisions recorded. Only for a store nothing else writes to meanwhile.
 */
export const bulkAppend = async (pool: pg.Pool, history: Iterable<HistoryEvent>): Promise<number> => {
  let chunk: HistoryEvent[] = [];
  let written = 0;
  const flush = async () => {
    if (chunk.length === 0) return;
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      const { rows } = await client.query<{ first: number }>(`SELECT nextval('event_position_seq') AS first`);
      const first = Number(rows[0]!.first);
      await client.query(`SELECT setval('event_position_seq', $1)`, [first + chunk.length - 1]);
      await client.query(
        `INSERT INTO events (position, id, stream, revision, type, data, metadata, transaction_id)
         SELECT $1::bigint + u.n - 1, u.id, u.stream, u.revision, u.type, u.data, u.metadata, pg_current_xact_id()
         FROM unnest($2::uuid[], $3::text[], $4::bigint[], $5::text[], $6::json[], $7::json[])
              WITH ORDINALITY AS u (id, stream, revision, type, data, metadata, n)`,
        [
          first,
          chunk.map((h) => h.event.id),
          chunk.map((h) => h.stream),
          chunk.map((h) => h.revision),
          chunk.map((h) => h.event.type),
          chunk.map((h) => JSON.stringify(h.event.data)),
          chunk.map((h) => JSON.stringify(h.event.metadata)),
        ],
      );
      const revisions = new Map(chunk.map((h) => [h.stream, h.revision]));
      await client.query(
        `INSERT INTO streams (stream, revision) SELECT * FROM unnest($1::text[], $2::bigint[])
         ON CONFLICT (stream) DO UPDATE SET revision = EXCLUDED.revision`,
        [[...revisions.keys()], [...revisions.values()]],
      );
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
    written += chunk.length;
    chunk = [];
  };
  for (const item of history) {
    chunk.push(item);
    if (chunk.length >= BULK_APPEND_CHUNK) await flush();
  }
  await flush();
  return written;
};
