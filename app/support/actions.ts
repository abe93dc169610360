import { randomUUID } from 'node:crypto';
import type { CommandResult, EventStore } from '../../core/eventstore/index.js';
import {
  accountStream,
  foldAccount,
  paymentKey,
  reservationKey,
  type AccountCommand,
  type Currency,
  type Provider,
  type Rejection,
} from '../../core/ledger/index.js';
import {
  auditHandler,
  auditStream,
  findRecordedAction,
  type OperatorAction,
  type RecordedAction,
} from '../reports/audit.js';
import { asAccountEvent, readWholeStream } from '../reports/read.js';

/**
 * Support's corrections, each an audited event (`audit-<userId>`, see reports/audit.ts) with
 * the operator and the reason, and, when it moves credits, a ledger command whose events carry
 * the operator as actor and the action id as correlation id. Used by the admin routes and the
 * demo.
 */

/** Runs a ledger command on a user's account (the composition root wires the command handler). */
export type ExecuteAccount = (userId: string, command: AccountCommand) => Promise<CommandResult<Rejection>>;

/** Asks the provider to give the money back (Stripe refund, YooKassa refund, refundStarPayment). */
export type ProviderRefund = (request: {
  provider: Provider;
  paymentId: string;
  userId: string;
  amountMinor: number;
  currency: Currency;
  idempotencyKey: string;
}) => Promise<void>;

export interface SupportDependencies {
  store: EventStore;
  executeAccount: ExecuteAccount;
  refundAtProvider?: ProviderRefund | undefined;
  /** Rebuilds the read rows of one user from their events (projections). */
  rebuildUser?: ((userId: string) => Promise<unknown>) | undefined;
  now?: () => Date;
}

export interface ActionInput {
  userId: string;
  operator: string;
  role: string;
  reason: string;
  /** A retried action with the same id is done once. Default: a new UUID. */
  actionId?: string | undefined;
}

export interface ActionResult {
  actionId: string;
  action: OperatorAction;
  /** `ok`, `no_change` (already done) or the ledger's rejection code. */
  outcome: string;
  ledgerPosition: number | null;
  auditPosition: number;
}

/** The action's preconditions failed before anything was asked of the ledger or a provider. */
export class ActionRefused extends Error {
  constructor(
    readonly code: 'not_found' | 'feature_off' | 'rejected',
    message: string,
    readonly rejection?: string,
  ) {
    super(message);
    this.name = 'ActionRefused';
  }
}

const operatorMetadata = (input: ActionInput, actionId: string) => ({
  actor: `operator:${input.operator}`,
  correlationId: actionId,
});

/**
 * A retried action answers with its own audit record: its position, and the ledger position and
 * outcome it had (`ok` is now `no_change`: nothing more was done). Issue 13: a retry answered
 * with the position the audit stream had reached, that of whatever action came last.
 */
const replayed = (record: RecordedAction): ActionResult => ({
  actionId: record.data.actionId,
  action: record.data.action,
  outcome: record.data.outcome === 'ok' ? 'no_change' : record.data.outcome,
  ledgerPosition: record.data.ledgerPosition,
  auditPosition: record.position,
});

/** Stable JSON of an action's details, to tell a retry from another action under the same id. */
const sameDetails = (a: Record<string, unknown>, b: Record<string, unknown>): boolean =>
  JSON.stringify(Object.entries(a).sort()) === JSON.stringify(Object.entries(b).sort());

/**
 * The answer of an action id already recorded for this user, if it was: the same action with
 * the same details is a retry; anything else under that id is refused (a bug in the caller).
 */
const earlierAnswer = async (
  deps: SupportDependencies,
  userId: string,
  actionId: string,
  action: OperatorAction,
  details: Record<string, unknown>,
): Promise<ActionResult | undefined> => {
  const record = await findRecordedAction(deps.store, userId, actionId);
  if (!record) return undefined;
  if (record.data.action !== action || !sameDetails(record.data.details, details)) {
    const message = `action ${actionId} was recorded as another ${record.data.action}`;
    throw new ActionRefused('rejected', message, 'action_id_reused');
  }
  return replayed(record);
};

const audit = async (
  deps: SupportDependencies,
  input: ActionInput,
  actionId: string,
  action: OperatorAction,
  details: Record<string, unknown>,
  outcome: { outcome: string; ledgerPosition: number | null },
): Promise<ActionResult> => {
  const occurredAt = (deps.now?.() ?? new Date()).toISOString();
  const written = await auditHandler(deps.store)(auditStream(input.userId), {
    actionId,
    action,
    userId: input.userId,
    operator: input.operator,
    role: input.role,
    reason: input.reason,
    details,
    ...outcome,
    occurredAt,
  });
  if (written.ok && written.events.length > 0) return { actionId, action, ...outcome, auditPosition: written.position };
  // A concurrent retry recorded it first: answer with that record.
  const record = await findRecordedAction(deps.store, input.userId, actionId);
  if (!record) throw new Error(`audit: action ${actionId} neither written nor found on ${auditStream(input.userId)}`);
  return replayed(record);
};

const runLedger = async (
  deps: SupportDependencies,
  input: ActionInput,
  action: OperatorAction,
  details: Record<string, unknown>,
  command: (actionId: string, occurredAt: string) => AccountCommand,
): Promise<ActionResult> => {
  const actionId = input.actionId ?? randomUUID();
  const earlier = input.actionId && (await earlierAnswer(deps, input.userId, actionId, action, details));
  if (earlier) return earlier;
  const occurredAt = (deps.now?.() ?? new Date()).toISOString();
  const result = await deps.executeAccount(input.userId, command(actionId, occurredAt));
  const outcome = result.ok ? (result.events.length > 0 ? 'ok' : 'no_change') : result.rejection;
  return audit(deps, input, actionId, action, details, {
    outcome,
    ledgerPosition: result.ok && result.events.length > 0 ? result.position : null,
  });
};

/** Credits given as a goodwill gesture: GrantCredits with reason `goodwill`. */
export const goodwillGrant = (
  deps: SupportDependencies,
  input: ActionInput & { credits: number },
): Promise<ActionResult> =>
  runLedger(deps, input, 'goodwill_grant', { credits: input.credits }, (actionId, occurredAt) => ({
    type: 'GrantCredits',
    grantId: `goodwill-${actionId}`,
    credits: input.credits,
    reason: 'goodwill',
    operator: input.operator,
    occurredAt,
    metadata: operatorMetadata(input, actionId),
  }));

/** Releases a hold that nothing will resolve (a worker lost it): `expired` if past its expiry, else `cancelled`. */
export const releaseHold = (
  deps: SupportDependencies,
  input: ActionInput & { reservationId: string; expiresAt?: string },
): Promise<ActionResult> =>
  runLedger(deps, input, 'release_hold', { reservationId: input.reservationId }, (actionId, occurredAt) => ({
    type: 'ReleaseReservation',
    reservationId: input.reservationId,
    reason:
      input.expiresAt !== undefined && Date.parse(input.expiresAt) <= Date.parse(occurredAt) ? 'expired' : 'cancelled',
    occurredAt,
    metadata: operatorMetadata(input, actionId),
  }));

/** The account's current state, folded from its stream; undefined when it was never opened. */
export const loadAccount = async (store: EventStore, userId: string) => {
  const events = await readWholeStream(store, accountStream(userId));
  return events.length === 0 ? undefined : foldAccount(events.map(asAccountEvent));
};

/** The expiry of an open hold, for `releaseHold`; undefined when there is no such open hold. */
export const openHoldExpiry = async (
  store: EventStore,
  userId: string,
  reservationId: string,
): Promise<string | undefined> => {
  const account = await loadAccount(store, userId);
  const entry = account?.index.entries.get(reservationKey(reservationId));
  return entry?.kind === 'reservation' && entry.status === 'open' ? entry.expiresAt : undefined;
};

/**
 * Refunds a whole purchase through its provider, then claws its credits back. The provider's own
 * refund notification arrives later as the same refund (same payment, same credits and money) and
 * changes nothing. If the provider call fails nothing is written, and the error goes up.
 */
export const refundPurchase = async (
  deps: SupportDependencies,
  input: ActionInput & { paymentId: string },
): Promise<ActionResult> => {
  const account = await loadAccount(deps.store, input.userId);
  const payment = account?.index.entries.get(paymentKey(input.paymentId));
  if (payment?.kind !== 'payment')
    throw new ActionRefused('not_found', `no purchase ${input.paymentId} on account ${input.userId}`);
  if (!deps.refundAtProvider)
    throw new ActionRefused('feature_off', `refunds through ${payment.provider} are not configured on this server`);
  const actionId = input.actionId ?? randomUUID();
  const details = {
    paymentId: input.paymentId,
    provider: payment.provider,
    credits: payment.credits,
    amountMinor: payment.amountMinor,
    currency: payment.currency,
  };
  const earlier = input.actionId && (await earlierAnswer(deps, input.userId, actionId, 'refund_purchase', details));
  if (earlier) return earlier;
  if (payment.refund === null) {
    await deps.refundAtProvider({
      provider: payment.provider,
      paymentId: input.paymentId,
      userId: input.userId,
      amountMinor: payment.amountMinor,
      currency: payment.currency,
      idempotencyKey: actionId,
    });
  }
  return runLedger(deps, { ...input, actionId }, 'refund_purchase', details, (id, occurredAt) => ({
    type: 'RefundPurchase',
    paymentId: input.paymentId,
    kind: 'refund',
    credits: payment.credits,
    amountMinor: payment.amountMinor,
    occurredAt,
    metadata: operatorMetadata(input, id),
  }));
};

/** Rebuilds this user's read rows from their events. */
export const rebuildReadRows = async (deps: SupportDependencies, input: ActionInput): Promise<ActionResult> => {
  if (!deps.rebuildUser) throw new ActionRefused('feature_off', 'rebuilding one user is not available on this server');
  const actionId = input.actionId ?? randomUUID();
  const earlier = input.actionId && (await earlierAnswer(deps, input.userId, actionId, 'rebuild_read_rows', {}));
  if (earlier) return earlier;
  await deps.rebuildUser(input.userId);
  return audit(deps, input, actionId, 'rebuild_read_rows', {}, { outcome: 'ok', ledgerPosition: null });
};
