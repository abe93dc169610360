import type { RefundedPayment, SuccessfulPayment } from 'grammy/types';
import type { CreditPackage, PackageId } from '../../core/ledger/index.js';
import type { Outcome } from '../../app/sessions/ports.js';

export type {
  Actor,
  ConsentPort,
  ImagesPort,
  Outcome,
  Prices,
  StoredImage,
  StylistPort,
  TryOnPort,
  Written,
} from '../../app/sessions/ports.js';
export type { AccountsPort, Balance, ReadModelPort, SupportPort, TransactionView } from '../../app/accounts/ports.js';

/**
 * What the bot needs from the rest of the system, as small ports. The handlers see only these.
 * The session and account ports are the use cases' own (app/sessions, app/accounts), re-exported
 * above; the Stars payments and presence below are the bot's. Tests may swap any one of them.
 */

export interface StarsInvoice {
  packageId: PackageId;
  credits: number;
  /** Whole Telegram Stars. */
  amountStars: number;
  /** The invoice payload Telegram hands back on pre_checkout_query and successful_payment. */
  payload: string;
}

export interface PreCheckout {
  userId: string;
  payload: string;
  currency: string;
  totalAmount: number;
}

/** The rejection of a Stars payment held for support (not ours, or not the invoiced amount): nothing credited. */
export const PAYMENT_HELD = 'payment_held_for_support';

export interface PaymentsPort {
  packages(): readonly CreditPackage[];
  starsInvoice(userId: string, packageId: PackageId): StarsInvoice;
  /** Whether to accept the payment; `reason` is a stable code for the refusal message. */
  checkPreCheckout(query: PreCheckout): Promise<{ ok: true } | { ok: false; reason: string }>;
  /**
   * Records the payment (payments inbox) and credits it: PurchaseCredits keyed by
   * telegram_payment_charge_id, so a redelivery adds nothing. `date`: the message's, Unix seconds.
   * A payment that does not pay one of our invoices exactly is held for support: PAYMENT_HELD.
   */
  recordStarsPayment(userId: string, date: number, payment: SuccessfulPayment): Promise<Outcome>;
  /** Records a Stars refund Telegram reports; the payments processor claws the credits back. */
  recordStarsRefund(userId: string, date: number, refund: RefundedPayment): Promise<void>;
  /** The web checkout for cards (Stripe, YooKassa); undefined when the web checkout is off. */
  webCheckoutUrl(userId: string): string | undefined;
}

/** Whether the user can be written to: they blocked the bot, or came back (unblocked it). */
export interface PresencePort {
  /** Marks the chat blocked: nothing is sent to it until the user comes back. */
  blocked(userId: string): Promise<void>;
  /** The user is back (unblocked the bot, or wrote): unblocks and sends the results kept for them. */
  returned(userId: string): Promise<void>;
}
