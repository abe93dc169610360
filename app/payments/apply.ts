import { isTelegramUserId } from '../../core/ids/index.js';
import { accountStream } from '../../core/ledger/accountDecider.js';
import type { CommandMetadata } from '../../core/ledger/commands.js';
import { packageById, type LedgerConfig } from '../../core/ledger/config.js';
import { RETRYABLE_REJECTIONS } from '../../core/ledger/rejections.js';
import type { PaymentFact } from './facts.js';
import type { PurchaseIndex, RecordedPurchase } from './purchases.js';

import type { LedgerHandler } from '../accounts/ledger.js';

export type { LedgerHandler };

export interface ApplyDependencies {
  purchases: PurchaseIndex;
  ledger: LedgerHandler;
  ledgerConfig: LedgerConfig;
}

/**
 * What applying one fact came to. `wait`: not yet possible (a refund before its purchase);
 * `not_final`: the provider has not decided yet (asked again with backoff).
 */
export type ApplyResult =
  | { status: 'done'; outcome: 'purchased' | 'refunded' | 'duplicate'; paymentId: string; position: number }
  | { status: 'ignored' | 'rejected'; outcome: string; paymentId?: string }
  | { status: 'wait'; reason: string; paymentId: string }
  | { status: 'not_final'; reason: string; paymentId?: string | undefined }
  | { status: 'failed'; reason: string; paymentId: string };

type Fact<K extends PaymentFact['kind']> = Extract<PaymentFact, { kind: K }>;

/**
 * Credits and money a refund takes back. A full refund (or a lost dispute) takes all the
 * purchase's credits; a partial refund takes its share, rounded up (we never leave the user
 * more credits than they paid for). Exact in BigInt: credits × kopecks can pass 2^53.
 */
export const clawbackOf = (
  purchase: Pick<RecordedPurchase, 'credits' | 'amountMinor'>,
  refundedMinor: number,
): { credits: number; amountMinor: number } => {
  if (refundedMinor >= purchase.amountMinor || purchase.amountMinor === 0)
    return { credits: purchase.credits, amountMinor: purchase.amountMinor };
  const numerator = BigInt(purchase.credits) * BigInt(refundedMinor);
  const denominator = BigInt(purchase.amountMinor);
  const credits = Number((numerator + denominator - 1n) / denominator);
  return { credits: Math.max(1, credits), amountMinor: refundedMinor };
};

const applyPurchase = async (
  deps: ApplyDependencies,
  fact: Fact<'purchase'>,
  metadata: CommandMetadata,
): Promise<ApplyResult> => {
  // Every provider's facts pass here: a payment for an id that is no Telegram user stays recorded
  // as rejected, with its reason, for support to see; it is never appended (core/ids).
  if (!isTelegramUserId(fact.userId))
    return { status: 'rejected', outcome: `user id ${JSON.stringify(fact.userId)} is not a Telegram user id` };
  // A redelivery keeps the credits first recorded, even if finance changed the package since.
  const recorded = await deps.purchases.find(fact.provider, fact.paymentId);
  const pkg = packageById(deps.ledgerConfig, fact.packageId);
  const expectedMinor = recorded?.amountMinor ?? pkg.prices.XTR;
  // Stars carry no amount we chose (a forged or changed invoice pays what it says): the package's
  // price or nothing.
  if (fact.currency === 'XTR' && fact.amountMinor !== expectedMinor) {
    const outcome = `amount_mismatch: paid ${fact.amountMinor} XTR, the ${pkg.id} package costs ${expectedMinor}`;
    return { status: 'rejected', outcome, paymentId: fact.paymentId };
  }
  const credits = recorded?.credits ?? pkg.credits;
  const result = await deps.ledger(accountStream(fact.userId), {
    type: 'PurchaseCredits',
    userId: fact.userId,
    paymentId: fact.paymentId,
    provider: fact.provider,
    packageId: fact.packageId,
    credits,
    amountMinor: fact.amountMinor,
    currency: fact.currency,
    occurredAt: fact.occurredAt,
    metadata,
  });
  if (!result.ok)
    return { status: 'failed', reason: `ledger refused the purchase: ${result.rejection}`, paymentId: fact.paymentId };
  await deps.purchases.record({
    provider: fact.provider,
    paymentId: fact.paymentId,
    userId: fact.userId,
    packageId: fact.packageId,
    credits,
    amountMinor: fact.amountMinor,
    currency: fact.currency,
    purchasedAt: fact.occurredAt,
  });
  return {
    status: 'done',
    outcome: result.events.length > 0 ? 'purchased' : 'duplicate',
    paymentId: fact.paymentId,
    position: result.position,
  };
};

const applyRefund = async (
  deps: ApplyDependencies,
  fact: Fact<'refund'>,
  metadata: CommandMetadata,
): Promise<ApplyResult> => {
  const { paymentId } = fact;
  const purchase = await deps.purchases.find(fact.provider, paymentId);
  if (!purchase) return { status: 'wait', reason: 'the purchase is not recorded yet', paymentId };
  if (fact.userId && fact.userId !== purchase.userId) {
    return {
      status: 'failed',
      reason: `the refund names user ${fact.userId}, the purchase went to ${purchase.userId}`,
      paymentId,
    };
  }
  if (fact.amountMinor <= 0) return { status: 'ignored', outcome: 'nothing refunded', paymentId };
  const clawback = clawbackOf(purchase, fact.amountMinor);
  const result = await deps.ledger(accountStream(purchase.userId), {
    type: 'RefundPurchase',
    paymentId,
    kind: fact.refundKind,
    ...clawback,
    occurredAt: fact.occurredAt,
    metadata,
  });
  if (!result.ok) {
    return RETRYABLE_REJECTIONS.has(result.rejection)
      ? { status: 'wait', reason: `ledger: ${result.rejection}`, paymentId }
      : { status: 'failed', reason: `ledger refused the refund: ${result.rejection}`, paymentId };
  }
  return {
    status: 'done',
    outcome: result.events.length > 0 ? 'refunded' : 'duplicate',
    paymentId,
    position: result.position,
  };
};

/**
 * Applies one fact to the ledger by an idempotent command, keyed by the provider's payment id:
 * any number of deliveries of one payment make one purchase, and one clawback.
 */
export const applyFact = async (
  deps: ApplyDependencies,
  fact: PaymentFact,
  causationId: string,
): Promise<ApplyResult> => {
  switch (fact.kind) {
    case 'ignored':
    case 'rejected':
      return { status: fact.kind, outcome: fact.reason };
    case 'not_final':
      return { status: 'not_final', reason: fact.reason, paymentId: fact.paymentId };
    case 'purchase':
    case 'refund': {
      const metadata: CommandMetadata = {
        actor: `provider:${fact.provider}`,
        correlationId: fact.paymentId,
        causationId,
      };
      return fact.kind === 'purchase' ? applyPurchase(deps, fact, metadata) : applyRefund(deps, fact, metadata);
    }
    default: {
      const _exhaustive: never = fact;
      throw new Error(`unknown payment fact ${JSON.stringify(_exhaustive)}`);
    }
  }
};
