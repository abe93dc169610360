import type { Currency, PackageId, Provider, RefundKind } from '../../core/ledger/commands.js';

/**
 * What a provider's message means for the ledger, once it is verified: money received, money
 * returned, or nothing for us. Every provider adapter turns its payloads into these; the
 * processor turns these into ledger commands. `paymentId` is the provider's id of the payment
 * (Stripe: the PaymentIntent; YooKassa: the payment; Stars: telegram_payment_charge_id), so every
 * message about one payment, whatever its type, lands on the same ledger id.
 */
export type PaymentFact =
  | {
      kind: 'purchase';
      provider: Provider;
      paymentId: string;
      userId: string;
      packageId: PackageId;
      amountMinor: number;
      currency: Currency;
      /** When the provider says it happened. ISO 8601. */
      occurredAt: string;
    }
  | {
      kind: 'refund';
      provider: Provider;
      paymentId: string;
      refundKind: RefundKind;
      /** Money returned so far on this payment, in the purchase's minor units. */
      amountMinor: number;
      occurredAt: string;
      /** Known for some providers (YooKassa metadata, Stars); otherwise found from the purchase. */
      userId?: string;
    }
  /** Verified and understood, but nothing for the ledger (an unpaid session, a dispute won). */
  | { kind: 'ignored'; reason: string }
  /** Not to be trusted or not usable: forged, contradicted by the provider's API, not ours. */
  | { kind: 'rejected'; reason: string }
  /**
   * The provider has no final answer yet (a YooKassa payment still `pending` when its
   * `payment.succeeded` notification came): kept and asked again later, never dropped.
   */
  | { kind: 'not_final'; reason: string; paymentId?: string };

export const ignored = (reason: string): PaymentFact => ({ kind: 'ignored', reason });
export const rejected = (reason: string): PaymentFact => ({ kind: 'rejected', reason });
export const notFinal = (reason: string, paymentId?: string): PaymentFact => ({
  kind: 'not_final',
  reason,
  ...(paymentId === undefined ? {} : { paymentId }),
});

/** Unix seconds → ISO 8601. */
export const isoFromUnix = (seconds: number): string => new Date(seconds * 1000).toISOString();
