import t from 'tap';
import { MAX_CREDITS_PER_COMMAND } from './limits.js';
import { REJECTIONS, type Rejection } from './rejections.js';
import { parseLedgerConfig, DEFAULT_LEDGER_CONFIG_INPUT } from './config.js';
import { summaryOf } from './account.js';
import {
  adjust,
  at,
  capture,
  grant,
  open,
  purchase,
  refund,
  release,
  reserve,
  runGiven,
} from '../../test/ledger/fixtures.js';
import { decide } from './decide.js';
import type { AccountCommand } from './commands.js';
import type { AccountEvent } from './events.js';

type Then = AccountEvent[] | Rejection | { summary: Partial<ReturnType<typeof summaryOf>> };
interface Row {
  name: string;
  given: AccountCommand[];
  when: AccountCommand;
  then: Then;
  config?: Partial<typeof DEFAULT_LEDGER_CONFIG_INPUT>;
}

const welcome = (balanceAfter = 3): AccountEvent => ({
  type: 'CreditsGranted',
  data: { grantId: 'welcome', credits: 3, reason: 'welcome', operator: 'system', balanceAfter },
});
const opened = (
  openedBy: 'user' | 'payment' = 'user',
  profile = openedBy === 'user' ? { username: 'ann' } : {},
): AccountEvent => ({ type: 'AccountOpened', data: { userId: '42', openedBy, profile } });
const bought = (balanceAfter: number, o: Partial<{ paymentId: string; credits: number }> = {}): AccountEvent => ({
  type: 'CreditsPurchased',
  data: {
    paymentId: 'pay-1',
    provider: 'stripe',
    packageId: 'basic',
    credits: 10,
    amountMinor: 199,
    currency: 'USD',
    ...o,
    balanceAfter,
  },
});
const hold = { reservationId: 'r-1', feature: 'tryon' as const, heldCredits: 3, ttlSeconds: 60, expiresAt: at(60) };
const refunded = (
  credits: number,
  amountMinor: number,
  balanceAfter: number,
  kind: 'refund' | 'chargeback' = 'refund',
): AccountEvent => ({
  type: 'PurchaseRefunded',
  data: {
    paymentId: 'pay-1',
    provider: 'stripe',
    packageId: 'basic',
    purchasedCredits: 10,
    purchasedAmountMinor: 199,
    currency: 'USD',
    kind,
    credits,
    amountMinor,
    balanceAfter,
  },
});
const funded = [open(), purchase()]; // balance 13

const rows: Row[] = [
  // OpenAccount
  { name: 'opening gives the welcome grant', given: [], when: open(), then: [opened(), welcome()] },
  {
    name: 'no welcome grant when configured to 0',
    given: [],
    when: open(),
    then: [opened()],
    config: { welcomeCredits: 0 },
  },
  {
    name: 'opening twice is a no-op, even with another profile',
    given: [open()],
    when: open({ profile: { username: 'bob' } }),
    then: [],
  },
  { name: "opening someone else's account", given: [open()], when: open({ userId: '43' }), then: 'wrong_account' },
  { name: 'a user id that is not a Telegram id', given: [], when: open({ userId: '04x' }), then: 'invalid_user_id' },
  {
    name: 'a profile field too long',
    given: [],
    when: open({ profile: { firstName: 'x'.repeat(300) } }),
    then: 'invalid_profile',
  },
  { name: 'a time that is not ISO', given: [], when: open({ occurredAt: 'yesterday' }), then: 'invalid_occurred_at' },
  // PurchaseCredits
  { name: 'a purchase adds its credits', given: [open()], when: purchase(), then: [bought(13)] },
  {
    name: 'a purchase opens an unknown account, with the welcome grant',
    given: [],
    when: purchase(),
    then: [opened('payment'), welcome(), bought(13)],
  },
  { name: 'the same payment twice is one purchase', given: funded, when: purchase(), then: [] },
  {
    name: 'the same payment with another amount',
    given: funded,
    when: purchase({ amountMinor: 299 }),
    then: 'payment_exists_with_different_amount',
  },
  {
    name: 'the same payment in another currency',
    given: funded,
    when: purchase({ currency: 'RUB' }),
    then: 'payment_exists_with_different_amount',
  },
  {
    name: 'the same payment with other credits',
    given: funded,
    when: purchase({ credits: 50 }),
    then: 'payment_exists_with_different_credits',
  },
  {
    name: 'the same payment id from another provider',
    given: funded,
    when: purchase({ provider: 'yookassa', currency: 'USD' }),
    then: 'payment_exists_with_different_provider',
  },
  {
    name: 'an unknown provider',
    given: [open()],
    when: purchase({ provider: 'paypal' as never }),
    then: 'invalid_provider',
  },
  {
    name: 'an unknown package',
    given: [open()],
    when: purchase({ packageId: 'gold' as never }),
    then: 'unknown_package',
  },
  {
    name: 'an unknown currency',
    given: [open()],
    when: purchase({ currency: 'EUR' as never }),
    then: 'invalid_currency',
  },
  {
    name: 'Stars paid in dollars',
    given: [open()],
    when: purchase({ provider: 'telegram_stars', currency: 'USD' }),
    then: 'invalid_currency',
  },
  { name: 'zero credits', given: [open()], when: purchase({ credits: 0 }), then: 'invalid_credits' },
  { name: 'fractional credits', given: [open()], when: purchase({ credits: 1.5 }), then: 'invalid_credits' },
  { name: 'credits as text', given: [open()], when: purchase({ credits: '10' as never }), then: 'invalid_credits' },
  {
    name: 'credits over the per-command limit',
    given: [open()],
    when: purchase({ credits: MAX_CREDITS_PER_COMMAND + 1 }),
    then: 'invalid_credits',
  },
  { name: 'a negative amount', given: [open()], when: purchase({ amountMinor: -1 }), then: 'invalid_amount' },
  { name: 'an empty payment id', given: [open()], when: purchase({ paymentId: '' }), then: 'invalid_id' },
  { name: 'a payment id with a space', given: [open()], when: purchase({ paymentId: 'pay 1' }), then: 'invalid_id' },
  { name: 'a payment for another user', given: [open()], when: purchase({ userId: '43' }), then: 'wrong_account' },
  {
    name: 'a purchase is accepted in debt, and repays it',
    given: [...funded, reserve({ credits: 13 }), capture({ credits: 13 }), refund()],
    when: purchase({ paymentId: 'pay-2' }),
    then: { summary: { balance: 0, inDebt: false } },
  },
  // GrantCredits
  {
    name: 'a goodwill grant',
    given: [open()],
    when: grant(),
    then: [
      {
        type: 'CreditsGranted',
        data: { grantId: 'g-1', credits: 5, reason: 'goodwill', operator: 'ops:kate', balanceAfter: 8 },
      },
    ],
  },
  { name: 'the same grant twice', given: [open(), grant()], when: grant(), then: [] },
  {
    name: 'the same grant with other credits',
    given: [open(), grant()],
    when: grant({ credits: 6 }),
    then: 'grant_exists_with_different_credits',
  },
  {
    name: 'the same grant with another reason',
    given: [open(), grant()],
    when: grant({ reason: 'promo' }),
    then: 'grant_exists_with_different_reason',
  },
  {
    name: 'a second welcome grant',
    given: [open()],
    when: grant({ reason: 'welcome' }),
    then: 'welcome_already_granted',
  },
  { name: 'a grant to no account', given: [], when: grant(), then: 'account_not_found' },
  {
    name: 'a grant with an unknown reason',
    given: [open()],
    when: grant({ reason: 'birthday' as never }),
    then: 'invalid_reason',
  },
  { name: 'a grant without an operator', given: [open()], when: grant({ operator: '  ' }), then: 'invalid_operator' },
  // ReserveCredits
  { name: 'a hold', given: funded, when: reserve(), then: [{ type: 'CreditsReserved', data: hold }] },
  { name: 'the same hold twice', given: [...funded, reserve()], when: reserve({ occurredAt: at(5) }), then: [] },
  {
    name: 'a retried hold after its capture spent everything',
    given: [open(), reserve(), capture()],
    when: reserve(),
    then: [],
  },
  {
    name: 'the same hold with other credits',
    given: [...funded, reserve()],
    when: reserve({ credits: 5 }),
    then: 'reservation_exists_with_different_credits',
  },
  {
    name: 'the same hold with other credits beats insufficient',
    given: [open(), reserve()],
    when: reserve({ credits: 500 }),
    then: 'reservation_exists_with_different_credits',
  },
  {
    name: 'the same hold for another feature',
    given: [...funded, reserve()],
    when: reserve({ feature: 'styling' }),
    then: 'reservation_exists_with_different_feature',
  },
  {
    name: 'the same hold with another ttl',
    given: [...funded, reserve()],
    when: reserve({ ttlSeconds: 61 }),
    then: 'reservation_exists_with_different_ttl',
  },
  {
    name: 'a hold for more than is available',
    given: [open(), reserve({ reservationId: 'r-0', credits: 1 })],
    when: reserve(),
    then: 'insufficient_credits',
  },
  {
    name: 'a hold on an account in debt',
    given: [...funded, reserve({ credits: 13 }), capture({ credits: 13 }), refund()],
    when: reserve({ reservationId: 'r-2', credits: 1 }),
    then: 'account_in_debt',
  },
  {
    name: 'a hold beyond the open-holds limit',
    given: [...funded, reserve({ reservationId: 'a', credits: 1 }), reserve({ reservationId: 'b', credits: 1 })],
    when: reserve(),
    then: 'too_many_open_holds',
    config: { maxOpenHolds: 2 },
  },
  { name: 'a hold of zero seconds', given: funded, when: reserve({ ttlSeconds: 0 }), then: 'invalid_ttl' },
  {
    name: 'a hold longer than allowed',
    given: funded,
    when: reserve({ ttlSeconds: parseLedgerConfig(DEFAULT_LEDGER_CONFIG_INPUT).maxHoldTtlSeconds + 1 }),
    then: 'invalid_ttl',
  },
  {
    name: 'a hold for an unknown feature',
    given: funded,
    when: reserve({ feature: 'haircut' as never }),
    then: 'invalid_feature',
  },
  { name: 'a hold on no account', given: [], when: reserve(), then: 'account_not_found' },
  // CaptureReservation
  {
    name: 'a full capture',
    given: [...funded, reserve()],
    when: capture(),
    then: [{ type: 'ReservationCaptured', data: { ...hold, credits: 3, releasedCredits: 0, balanceAfter: 10 } }],
  },
  {
    name: 'a partial capture returns the rest',
    given: [...funded, reserve()],
    when: capture({ credits: 1 }),
    then: [{ type: 'ReservationCaptured', data: { ...hold, credits: 1, releasedCredits: 2, balanceAfter: 12 } }],
  },
  {
    name: 'the same capture twice, even after expiry',
    given: [...funded, reserve(), capture()],
    when: capture({ occurredAt: at(3600) }),
    then: [],
  },
  {
    name: 'a second capture with other credits',
    given: [...funded, reserve(), capture()],
    when: capture({ credits: 2 }),
    then: 'capture_exists_with_different_credits',
  },
  {
    name: 'a capture after the sweeper released the hold',
    given: [...funded, reserve(), release({ reason: 'expired', occurredAt: at(60) })],
    when: capture(),
    then: 'reservation_already_resolved',
  },
  {
    name: 'a capture exactly at expiry',
    given: [...funded, reserve()],
    when: capture({ occurredAt: at(60) }),
    then: 'reservation_expired',
  },
  {
    name: 'a capture just before expiry',
    given: [...funded, reserve()],
    when: capture({ occurredAt: '2025-01-01T00:00:59.999Z' }),
    then: { summary: { balance: 10, held: 0 } },
  },
  {
    name: 'expired beats exceeding the hold',
    given: [...funded, reserve()],
    when: capture({ credits: 4, occurredAt: at(61) }),
    then: 'reservation_expired',
  },
  {
    name: 'a capture of more than is held',
    given: [...funded, reserve()],
    when: capture({ credits: 4 }),
    then: 'capture_exceeds_reservation',
  },
  { name: 'a capture of an unknown hold', given: funded, when: capture(), then: 'reservation_not_found' },
  {
    name: 'a capture of nothing',
    given: [...funded, reserve()],
    when: capture({ credits: 0 }),
    then: 'invalid_credits',
  },
  // ReleaseReservation
  {
    name: 'a release',
    given: [...funded, reserve()],
    when: release(),
    then: [{ type: 'ReservationReleased', data: { ...hold, reason: 'ai_failed' } }],
  },
  {
    name: 'a release after expiry is allowed',
    given: [...funded, reserve()],
    when: release({ reason: 'expired', occurredAt: at(600) }),
    then: { summary: { held: 0, available: 13 } },
  },
  {
    name: 'a second release, for another reason',
    given: [...funded, reserve(), release()],
    when: release({ reason: 'expired' }),
    then: [],
  },
  {
    name: 'a release after the capture',
    given: [...funded, reserve(), capture()],
    when: release({ reason: 'expired' }),
    then: 'reservation_already_resolved',
  },
  { name: 'a release of an unknown hold', given: funded, when: release(), then: 'reservation_not_found' },
  {
    name: 'a release with an unknown reason',
    given: [...funded, reserve()],
    when: release({ reason: 'bored' as never }),
    then: 'invalid_reason',
  },
  // RefundPurchase
  { name: 'a full refund claws back the purchase', given: funded, when: refund(), then: [refunded(10, 199, 3)] },
  {
    name: 'a refund after spending puts the account in debt',
    given: [...funded, reserve({ credits: 13 }), capture({ credits: 13 })],
    when: refund({ kind: 'chargeback' }),
    then: { summary: { balance: -10, available: -10, inDebt: true } },
  },
  {
    name: 'a refund while a hold is open: in debt with a positive balance',
    given: [...funded, reserve({ credits: 13 })],
    when: refund(),
    then: { summary: { balance: 3, held: 13, available: -10, inDebt: true } },
  },
  { name: 'the same refund twice', given: [...funded, refund()], when: refund(), then: [] },
  {
    name: 'a chargeback after the refund',
    given: [...funded, refund()],
    when: refund({ kind: 'chargeback' }),
    then: [],
  },
  {
    name: 'a second refund with other credits',
    given: [...funded, refund({ credits: 4, amountMinor: 80 })],
    when: refund({ credits: 6, amountMinor: 119 }),
    then: 'refund_exists_with_different_credits',
  },
  {
    name: 'a second refund with another amount',
    given: [...funded, refund({ credits: 4, amountMinor: 80 })],
    when: refund({ credits: 4, amountMinor: 79 }),
    then: 'refund_exists_with_different_amount',
  },
  {
    name: 'a partial refund',
    given: funded,
    when: refund({ credits: 4, amountMinor: 80 }),
    then: [refunded(4, 80, 9)],
  },
  {
    name: 'a partial refund must say its amount',
    given: funded,
    when: refund({ credits: 4 }),
    then: 'refund_amount_required',
  },
  {
    name: 'a refund of more credits than bought',
    given: funded,
    when: refund({ credits: 11 }),
    then: 'refund_exceeds_purchase',
  },
  {
    name: 'a refund of more money than paid',
    given: funded,
    when: refund({ amountMinor: 200 }),
    then: 'refund_exceeds_purchase',
  },
  { name: 'a refund before its payment', given: [open()], when: refund(), then: 'payment_not_found' },
  { name: 'a refund before the account exists', given: [], when: refund(), then: 'payment_not_found' },
  { name: 'a refund of an unknown kind', given: funded, when: refund({ kind: 'oops' as never }), then: 'invalid_kind' },
  // AdjustCredits
  {
    name: 'an upward correction',
    given: [open()],
    when: adjust(),
    then: [
      {
        type: 'CreditsAdjusted',
        data: { adjustmentId: 'adj-1', delta: 2, reason: 'double charge', operator: 'ops:kate', balanceAfter: 5 },
      },
    ],
  },
  {
    name: 'a downward correction may go into debt',
    given: [open()],
    when: adjust({ delta: -5 }),
    then: { summary: { balance: -2, inDebt: true } },
  },
  { name: 'the same correction twice', given: [open(), adjust()], when: adjust(), then: [] },
  {
    name: 'the same correction with another delta',
    given: [open(), adjust()],
    when: adjust({ delta: 3 }),
    then: 'adjustment_exists_with_different_delta',
  },
  {
    name: 'the same correction with another reason',
    given: [open(), adjust()],
    when: adjust({ reason: 'typo' }),
    then: 'adjustment_exists_with_different_reason',
  },
  { name: 'a correction of zero', given: [open()], when: adjust({ delta: 0 }), then: 'invalid_delta' },
  { name: 'a correction without a reason', given: [open()], when: adjust({ reason: '' }), then: 'invalid_reason' },
  {
    name: 'a correction without an operator',
    given: [open()],
    when: adjust({ operator: '' }),
    then: 'invalid_operator',
  },
  { name: 'a correction on no account', given: [], when: adjust(), then: 'account_not_found' },
  // precedence across groups
  {
    name: 'a bad time beats everything',
    given: [],
    when: reserve({ occurredAt: '2025-13-45', credits: -1 }),
    then: 'invalid_occurred_at',
  },
  { name: 'a bad id beats bad credits', given: [], when: grant({ grantId: '', credits: -1 }), then: 'invalid_id' },
  {
    name: 'a malformed command beats a missing account',
    given: [],
    when: reserve({ credits: 0 }),
    then: 'invalid_credits',
  },
  {
    name: 'debt beats insufficient credits',
    given: [open(), adjust({ delta: -4 })],
    when: reserve({ credits: 50 }),
    then: 'account_in_debt',
  },
];

const then = (row: Row) => {
  const config = parseLedgerConfig({ ...DEFAULT_LEDGER_CONFIG_INPUT, ...row.config });
  const decision = decide(row.when, runGiven(row.given, config), config);
  return { decision };
};

for (const row of rows) {
  t.test(row.name, async (t) => {
    const { decision } = then(row);
    if (typeof row.then === 'string') {
      t.same(decision, { ok: false, rejection: row.then });
    } else if (Array.isArray(row.then)) {
      t.same(decision, { ok: true, events: row.then });
    } else {
      t.equal(decision.ok, true, `accepted: ${JSON.stringify(decision)}`);
      const after = runGiven(
        [...row.given, row.when],
        parseLedgerConfig({ ...DEFAULT_LEDGER_CONFIG_INPUT, ...row.config }),
      );
      t.match(summaryOf(after.core), row.then.summary);
    }
  });
}

t.test('every rejection code has a row', async (t) => {
  const covered = new Set(rows.map((r) => r.then).filter((x): x is Rejection => typeof x === 'string'));
  t.same(
    REJECTIONS.filter((r) => !covered.has(r)),
    [],
  );
});
