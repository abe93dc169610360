import type { Provider } from '../../core/ledger/commands.js';

/**
 * The payments inbox: every provider message is written here before it is acknowledged, then
 * applied by the processor. A redelivery with the same (provider, delivery id) is recorded once.
 * The store behind it is a port (`PaymentInbox`); adapters/postgres keeps it in `payments_inbox`.
 */

export const INBOX_KINDS = [
  'stripe.event',
  'stripe.checkout_session',
  'yookassa.notification',
  'yookassa.payment',
  'stars.successful_payment',
  'stars.refunded_payment',
  'stars.transaction',
] as const;
export type InboxKind = (typeof INBOX_KINDS)[number];

export type InboxSource = 'webhook' | 'bot' | 'reconciler' | 'operator';
export type InboxStatus = 'pending' | 'processing' | 'done' | 'ignored' | 'rejected' | 'failed';

/** Longest text kept in last_error / outcome. */
export const INBOX_TEXT_MAX_LENGTH = 1_000;

export interface Delivery {
  provider: Provider;
  deliveryId: string;
  kind: InboxKind;
  source: InboxSource;
  body: Buffer | string;
  headers?: Record<string, string>;
  remoteIp?: string | undefined;
}

export interface InboxRow {
  id: number;
  provider: Provider;
  deliveryId: string;
  kind: InboxKind;
  source: InboxSource;
  body: Buffer;
  /** Including the current claim. */
  attempts: number;
  paymentId: string | null;
}

/** Writes a delivery down before it is acknowledged (what a webhook route or the bot needs of the inbox). */
export interface DeliveryRecorder {
  /** `duplicate` when this (provider, delivery id) was recorded before and the delivery changes nothing. */
  record(delivery: Delivery): Promise<{ id: number; duplicate: boolean }>;
}

/**
 * Providers whose rows are hints, read again from the provider's API when applied: a verdict on
 * such a row (rejected, ignored, failed) was the API's answer at that moment, and a new delivery
 * is a reason to ask again. A Stripe row is the signed event itself: its verdict cannot change.
 */
export const HINT_PROVIDERS: ReadonlySet<Provider> = new Set(['yookassa']);

/** How a row that was claimed ends: settled with an outcome. */
export interface InboxFinish {
  status: 'done' | 'ignored' | 'rejected' | 'failed';
  outcome: string;
  paymentId?: string | undefined;
  error?: string;
}

/** How a claimed row goes back to wait for another try. */
export interface InboxRetry {
  error: string;
  delayMs: number;
  paymentId?: string | undefined;
}

/**
 * The inbox store the processor works on. Claims carry a lease: a row whose claim ran out is
 * due again. `finish` and `retry` are fenced by the row's `attempts`: a worker whose lease ran
 * out and whose row was claimed again has its late answer dropped (false).
 */
export interface PaymentInbox extends DeliveryRecorder {
  /** Claims up to `limit` due rows (pending and due, or whose lease ran out), oldest first. */
  claimDue(options: { limit: number; leaseMs: number }): Promise<InboxRow[]>;
  /** Claims one row by id if it is pending (or its lease ran out): to apply a delivery at once. */
  claimRow(id: number, leaseMs: number): Promise<InboxRow | undefined>;
  finish(row: InboxRow, result: InboxFinish): Promise<boolean>;
  retry(row: InboxRow, retry: InboxRetry): Promise<boolean>;
  /** Makes the waiting rows of one payment due now (a purchase just landed: its early refunds may go). */
  wakeRowsOfPayment(provider: Provider, paymentId: string): Promise<number>;
  /** How many rows are in each status, per provider. */
  counts(): Promise<Array<{ provider: Provider; status: InboxStatus; count: number }>>;
}
