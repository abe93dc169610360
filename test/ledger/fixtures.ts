import {
  decide,
  defaultLedgerConfig,
  evolve,
  initialState,
  type Account,
  type AdjustCredits,
  type CaptureReservation,
  type GrantCredits,
  type LedgerConfig,
  type OpenAccount,
  type PurchaseCredits,
  type AccountCommand,
  type RefundPurchase,
  type ReleaseReservation,
  type ReserveCredits,
} from '../../core/ledger/index.js';

/** Command builders for ledger tests: sensible defaults, one field changed per case. */

export const T0 = '2025-01-01T00:00:00.000Z';
/** T0 plus some seconds, as ISO. */
export const at = (seconds: number): string => new Date(Date.parse(T0) + seconds * 1000).toISOString();

type Without<C> = Partial<Omit<C, 'type'>>;

export const open = (o: Without<OpenAccount> = {}): OpenAccount => ({
  type: 'OpenAccount',
  userId: '42',
  profile: { username: 'ann' },
  occurredAt: T0,
  ...o,
});
export const purchase = (o: Without<PurchaseCredits> = {}): PurchaseCredits => ({
  type: 'PurchaseCredits',
  userId: '42',
  paymentId: 'pay-1',
  provider: 'stripe',
  packageId: 'basic',
  credits: 10,
  amountMinor: 199,
  currency: 'USD',
  occurredAt: T0,
  ...o,
});
export const grant = (o: Without<GrantCredits> = {}): GrantCredits => ({
  type: 'GrantCredits',
  grantId: 'g-1',
  credits: 5,
  reason: 'goodwill',
  operator: 'ops:kate',
  occurredAt: T0,
  ...o,
});
export const reserve = (o: Without<ReserveCredits> = {}): ReserveCredits => ({
  type: 'ReserveCredits',
  reservationId: 'r-1',
  credits: 3,
  feature: 'tryon',
  ttlSeconds: 60,
  occurredAt: T0,
  ...o,
});
export const capture = (o: Without<CaptureReservation> = {}): CaptureReservation => ({
  type: 'CaptureReservation',
  reservationId: 'r-1',
  credits: 3,
  occurredAt: at(10),
  ...o,
});
export const release = (o: Without<ReleaseReservation> = {}): ReleaseReservation => ({
  type: 'ReleaseReservation',
  reservationId: 'r-1',
  reason: 'ai_failed',
  occurredAt: at(10),
  ...o,
});
export const refund = (o: Without<RefundPurchase> = {}): RefundPurchase => ({
  type: 'RefundPurchase',
  paymentId: 'pay-1',
  kind: 'refund',
  occurredAt: at(20),
  ...o,
});
export const adjust = (o: Without<AdjustCredits> = {}): AdjustCredits => ({
  type: 'AdjustCredits',
  adjustmentId: 'adj-1',
  delta: 2,
  reason: 'double charge',
  operator: 'ops:kate',
  occurredAt: T0,
  ...o,
});

/** The state after commands that must all be accepted (the "given" of a table row). */
export const runGiven = (commands: readonly AccountCommand[], config: LedgerConfig = defaultLedgerConfig): Account =>
  commands.reduce((state, command) => {
    const decision = decide(command, state, config);
    if (!decision.ok) throw new Error(`given ${command.type} was rejected: ${decision.rejection}`);
    return decision.events.reduce(evolve, state);
  }, initialState());
