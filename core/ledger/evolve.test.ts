import t from 'tap';
import { initialState, type Account } from './account.js';
import type { AccountEvent } from './events.js';
import { evolve, foldAccount } from './evolve.js';
import { InvariantViolation } from '../decider/index.js';

const opened: AccountEvent = { type: 'AccountOpened', data: { userId: '42', openedBy: 'user', profile: {} } };
const bought = (paymentId: string, credits: number, balanceAfter: number): AccountEvent => ({
  type: 'CreditsPurchased',
  data: { paymentId, provider: 'stripe', packageId: 'basic', credits, amountMinor: 199, currency: 'USD', balanceAfter },
});
const hold = (reservationId: string, heldCredits: number) => ({
  reservationId,
  feature: 'tryon' as const,
  heldCredits,
  ttlSeconds: 60,
  expiresAt: '2025-01-01T00:01:00.000Z',
});
const reserved = (id: string, credits: number): AccountEvent => ({ type: 'CreditsReserved', data: hold(id, credits) });
const captured = (id: string, held: number, credits: number, balanceAfter: number): AccountEvent => ({
  type: 'ReservationCaptured',
  data: { ...hold(id, held), credits, releasedCredits: held - credits, balanceAfter },
});
const refunded = (paymentId: string, credits: number, balanceAfter: number): AccountEvent => ({
  type: 'PurchaseRefunded',
  data: {
    paymentId,
    provider: 'stripe',
    packageId: 'basic',
    purchasedCredits: 10,
    purchasedAmountMinor: 199,
    currency: 'USD',
    kind: 'refund',
    credits,
    amountMinor: 199,
    balanceAfter,
  },
});
const welcome = (balanceAfter: number): AccountEvent => ({
  type: 'CreditsGranted',
  data: { grantId: `w${balanceAfter}`, credits: 3, reason: 'welcome', operator: 'system', balanceAfter },
});

// Each row: a valid history, then a fact that must never be in a stream.
const broken: Array<{ name: string; given: AccountEvent[]; when: AccountEvent }> = [
  { name: 'a purchase before the account opened', given: [], when: bought('p', 10, 10) },
  { name: 'an account opened twice', given: [opened], when: opened },
  { name: 'a payment recorded twice', given: [opened, bought('p', 10, 10)], when: bought('p', 10, 20) },
  { name: 'a balanceAfter that does not add up', given: [opened], when: bought('p', 10, 11) },
  { name: 'a second welcome grant', given: [opened, welcome(3)], when: welcome(6) },
  { name: 'a hold for more than is available', given: [opened, bought('p', 10, 10)], when: reserved('r', 11) },
  {
    name: 'a hold while in debt',
    given: [opened, bought('p', 10, 10), reserved('r', 10), refunded('p', 10, 0)],
    when: reserved('s', 1),
  },
  { name: 'a hold recorded twice', given: [opened, bought('p', 10, 10), reserved('r', 1)], when: reserved('r', 1) },
  { name: 'a capture of a hold that is not open', given: [opened, bought('p', 10, 10)], when: captured('r', 3, 3, 7) },
  {
    name: 'a capture of more than the hold',
    given: [opened, bought('p', 10, 10), reserved('r', 3)],
    when: captured('r', 3, 4, 6),
  },
  {
    name: 'a capture that disagrees on the held credits',
    given: [opened, bought('p', 10, 10), reserved('r', 3)],
    when: captured('r', 4, 4, 6),
  },
  {
    name: 'a release of a hold that is not open',
    given: [opened],
    when: { type: 'ReservationReleased', data: { ...hold('r', 3), reason: 'expired' } },
  },
  { name: 'a refund of an unknown payment', given: [opened], when: refunded('p', 10, -10) },
  {
    name: 'a payment refunded twice',
    given: [opened, bought('p', 10, 10), refunded('p', 10, 0)],
    when: refunded('p', 10, -10),
  },
  {
    name: 'an unknown event type',
    given: [opened],
    when: { type: 'CreditsStolen', data: {} } as unknown as AccountEvent,
  },
];

for (const row of broken) {
  t.test(`crashes on ${row.name}`, async (t) => {
    const state = foldAccount(row.given);
    t.throws(() => evolve(state, row.when), InvariantViolation);
    t.throws(() => foldAccount([row.when], state), InvariantViolation);
  });
}

t.test(
  'a state loaded from a snapshot does not know every payment, so a refund of an unloaded one is accepted',
  async (t) => {
    const full = foldAccount([opened, bought('p', 10, 10)]);
    const partial: Account = { core: full.core, index: { complete: false, entries: new Map() } };
    t.equal(evolve(partial, refunded('p', 10, 0)).core.balance, 0);
  },
);

t.test('foldAccount is evolve reduced, and evolve leaves its input alone', async (t) => {
  const events = [
    opened,
    welcome(3),
    bought('p', 10, 13),
    reserved('r', 5),
    captured('r', 5, 2, 11),
    refunded('p', 10, 1),
  ];
  const before = initialState();
  const reduced = events.reduce(evolve, before);
  t.same(foldAccount(events), reduced);
  t.same(before, initialState());
  t.same(reduced.core, { ...reduced.core, balance: 1, held: 0, capturedCredits: 2, clawedBackCredits: 10 });
});
