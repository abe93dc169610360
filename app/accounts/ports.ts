import type { TelegramProfile } from '../../core/ledger/index.js';
import type { Outcome, Written } from '../sessions/ports.js';

/** What the account use cases offer the bot and what they read: small ports. */

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
   * The account stream is quarantined (an event could not be projected): the figures
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

export interface SupportPort {
  /** Records a support request as an event; returns its id for the user to quote. */
  request(userId: string, topic: 'refund' | 'general', occurredAt: string): Promise<{ requestId: string } & Written>;
}
