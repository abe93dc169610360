import type { RefundedPayment, SuccessfulPayment } from 'grammy/types';
import type { CreditPackage, PackageId, TelegramProfile } from '../../core/ledger/index.js';
import type {
  ImageInput, ImageKind, ImageRejection, StylePreferences, StylistStatus, TryOnNext, TryOnStatus,
} from '../../core/sessions/index.js';

/**
 * What the bot needs from the rest of the system, as small ports. The handlers see only these;
 * `services/` implements them over the ledger, the session deciders, the read tables and the
 * payment and storage adapters, and tests may swap any one of them.
 */

/** Where a write landed in the global log: the profile waits for the read tables to pass it. */
export interface Written {
  position: number;
}

/**
 * Who sent a session command: `user:<telegram id>` for a person, `system:<part>` for the bot
 * itself, `service:api` for the HTTP API. A user may act only on sessions of their own
 * (`not_session_owner`); the actor is kept in every event's metadata, as the worker's
 * `system:worker` is. Omitted: the service's own.
 */
export type Actor = `user:${string}` | `system:${string}` | `service:${string}`;

/** A command the domain refused, with its stable code (`insufficient_credits`, `wrong_state`, …). */
export type Outcome = ({ ok: true } & Written) | ({ ok: false; rejection: string } & Written);

export interface AccountsPort {
  /** OpenAccount: idempotent; the welcome credits come once, with the opening. */
  open(userId: string, profile: TelegramProfile, occurredAt: string): Promise<Outcome>;
}

export interface Balance {
  /** Credits that can be spent now (`users.credits`). */
  available: number;
  /** Credits on hold for work in progress (`users.credits_reserved`). */
  held: number;
  /**
   * The account stream is quarantined (an event could not be projected; see projections/quarantine.ts): the figures
   * stopped before it and must not be shown as the balance.
   */
  quarantined: boolean;
}

export interface TransactionView {
  /** `purchase`, `usage`, `refund`, `grant`, … as the read table names it. */
  kind: string;
  /** Signed: what the transaction did to the balance. */
  credits: number;
  feature: string | null;
  provider: string | null;
  createdAt: Date;
}

/** The read tables (projections), never the event streams. */
export interface ReadModelPort {
  balance(userId: string): Promise<Balance>;
  recentTransactions(userId: string, limit: number): Promise<TransactionView[]>;
  /** Waits (bounded) until the read tables include `position`; false on time-out. */
  waitForPosition(position: number, timeoutMs: number): Promise<boolean>;
}

export interface ConsentPort {
  has(userId: string): Promise<boolean>;
  give(userId: string, occurredAt: string): Promise<Outcome>;
  withdraw(userId: string, occurredAt: string): Promise<Outcome>;
}

export type StoredImage = { ok: true; image: ImageInput } | { ok: false; rejection: ImageRejection };

export interface ImagesPort {
  /** Validates by magic bytes and size, then stores under a key made from the session id. */
  store(kind: ImageKind, sessionId: string, bytes: Buffer): Promise<StoredImage>;
  read(imageKey: string): Promise<Buffer>;
  /** Deletes every photo of these sessions, uploaded or generated; returns how many. */
  deletePhotos(sessionIds: readonly string[]): Promise<number>;
}

/** What every session flow offers when the user walks away or goes silent. */
interface SessionEnding {
  /**
   * The user left the flow (menu, /start, another flow): a session still waiting for input is
   * cancelled; one being processed keeps going, and its result is still delivered.
   */
  abandon(sessionId: string, occurredAt: string, actor?: Actor): Promise<Outcome>;
  /** 30 minutes of silence: ExpireSession (releases any hold); `session_not_idle` if it is not. */
  expire(sessionId: string, occurredAt: string, actor?: Actor): Promise<Outcome>;
  /** The user who started the session; undefined for an unknown id. */
  ownerOf(sessionId: string): Promise<string | undefined>;
}

export interface TryOnPort extends SessionEnding {
  start(userId: string, sessionId: string, occurredAt: string): Promise<Outcome>;
  /** The session's state, from its stream (`not_started` for an unknown id). */
  status(sessionId: string): Promise<TryOnStatus>;
  provideClothing(sessionId: string, image: ImageInput, occurredAt: string, actor?: Actor): Promise<Outcome>;
  /**
   * The last input: submits the session and reserves its credits on the account. A refused
   * reservation (`insufficient_credits`, `account_in_debt`) is recorded on the session and
   * returned as the rejection: nothing is held.
   */
  providePerson(sessionId: string, image: ImageInput, occurredAt: string, actor?: Actor): Promise<Outcome>;
  rate(sessionId: string, rating: number, occurredAt: string, actor?: Actor): Promise<Outcome>;
  finish(sessionId: string, next: TryOnNext, occurredAt: string, actor?: Actor): Promise<Outcome>;
}

export interface StylistPort extends SessionEnding {
  start(userId: string, sessionId: string, occurredAt: string): Promise<Outcome>;
  status(sessionId: string): Promise<StylistStatus>;
  providePhoto(sessionId: string, image: ImageInput, occurredAt: string, actor?: Actor): Promise<Outcome>;
  /** Submits the session and reserves its credits, like `TryOnPort.providePerson`. */
  submitPreferences(
    sessionId: string, preferences: StylePreferences, occurredAt: string, actor?: Actor,
  ): Promise<Outcome>;
  finish(sessionId: string, occurredAt: string, actor?: Actor): Promise<Outcome>;
}

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

export interface SupportPort {
  /** Records a support request as an event; returns its id for the user to quote. */
  request(userId: string, topic: 'refund' | 'general', occurredAt: string): Promise<{ requestId: string } & Written>;
}

/** The prices the bot announces; the session deciders reserve the same ones. */
export interface Prices {
  tryon: number;
  styling: number;
}
