import type { AccountCommand, LedgerConfig, Rejection } from '../../core/ledger/index.js';

/**
 * A small reference model of the credit account for the property test: plain maps and sums,
 * written straight from the rules and the rejection precedence, sharing no code with the
 * decider. The property test runs both on the same commands and compares after every step.
 */

interface Hold {
  credits: number;
  feature: string;
  ttl: number;
  expiresAtMs: number;
  status: 'open' | 'captured' | 'released';
  captured: number;
}
interface Payment {
  provider: string;
  packageId: string;
  credits: number;
  amountMinor: number;
  currency: string;
  refund?: { credits: number; amountMinor: number };
}

export class ReferenceModel {
  opened = false;
  userId: string | null = null;
  purchased = 0;
  granted = 0;
  adjusted = 0;
  clawedBack = 0;
  captured = 0;
  welcome = false;
  payments = new Map<string, Payment>();
  grants = new Map<string, { credits: number; reason: string }>();
  holds = new Map<string, Hold>();
  adjustments = new Map<string, { delta: number; reason: string }>();

  constructor(private readonly config: LedgerConfig) {}

  get balance(): number {
    return this.purchased + this.granted + this.adjusted - this.clawedBack - this.captured;
  }
  get held(): number {
    let sum = 0;
    for (const h of this.holds.values()) if (h.status === 'open') sum += h.credits;
    return sum;
  }
  get openHolds(): number {
    return [...this.holds.values()].filter((h) => h.status === 'open').length;
  }
  get available(): number {
    return this.balance - this.held;
  }
  get inDebt(): boolean {
    return this.available < 0;
  }

  /** Applies the command if the rules allow; says what happened. */
  step(c: AccountCommand): 'applied' | 'noop' | Rejection {
    if (!/^\d{4}-\d\d-\d\dT/.test(c.occurredAt) || Number.isNaN(Date.parse(c.occurredAt))) return 'invalid_occurred_at';
    const now = Date.parse(c.occurredAt);
    const id = (s: string) => s.length > 0 && s.length <= 128 && !/\s/.test(s);
    const credits = (n: number) => Number.isInteger(n) && n > 0 && n <= 1_000_000;
    const text = (s: string) => s.trim() !== '' && s.length <= 500;
    switch (c.type) {
      case 'OpenAccount':
        if (!/^[1-9]\d*$/.test(c.userId)) return 'invalid_user_id';
        if (this.opened) return this.userId === c.userId ? 'noop' : 'wrong_account';
        this.open(c.userId);
        return 'applied';
      case 'PurchaseCredits': {
        if (!/^[1-9]\d*$/.test(c.userId)) return 'invalid_user_id';
        if (!id(c.paymentId)) return 'invalid_id';
        if (!['stripe', 'yookassa', 'telegram_stars'].includes(c.provider)) return 'invalid_provider';
        if (!['basic', 'premium'].includes(c.packageId)) return 'unknown_package';
        if (!['USD', 'RUB', 'XTR'].includes(c.currency) || (c.currency === 'XTR') !== (c.provider === 'telegram_stars'))
          return 'invalid_currency';
        if (!credits(c.credits)) return 'invalid_credits';
        if (!(Number.isInteger(c.amountMinor) && c.amountMinor >= 0)) return 'invalid_amount';
        if (this.opened && this.userId !== c.userId) return 'wrong_account';
        const p = this.payments.get(c.paymentId);
        if (p) {
          if (p.provider !== c.provider) return 'payment_exists_with_different_provider';
          if (p.credits !== c.credits || p.packageId !== c.packageId) return 'payment_exists_with_different_credits';
          if (p.amountMinor !== c.amountMinor || p.currency !== c.currency)
            return 'payment_exists_with_different_amount';
          return 'noop';
        }
        if (!this.opened) this.open(c.userId);
        this.payments.set(c.paymentId, {
          provider: c.provider,
          packageId: c.packageId,
          credits: c.credits,
          amountMinor: c.amountMinor,
          currency: c.currency,
        });
        this.purchased += c.credits;
        return 'applied';
      }
      case 'GrantCredits': {
        if (!id(c.grantId)) return 'invalid_id';
        if (!credits(c.credits)) return 'invalid_credits';
        if (!['welcome', 'goodwill', 'promo'].includes(c.reason)) return 'invalid_reason';
        if (!text(c.operator)) return 'invalid_operator';
        if (!this.opened) return 'account_not_found';
        const g = this.grants.get(c.grantId);
        if (g)
          return g.credits !== c.credits
            ? 'grant_exists_with_different_credits'
            : g.reason !== c.reason
              ? 'grant_exists_with_different_reason'
              : 'noop';
        if (c.reason === 'welcome' && this.welcome) return 'welcome_already_granted';
        if (c.reason === 'welcome') this.welcome = true;
        this.grants.set(c.grantId, { credits: c.credits, reason: c.reason });
        this.granted += c.credits;
        return 'applied';
      }
      case 'ReserveCredits': {
        if (!id(c.reservationId)) return 'invalid_id';
        if (!credits(c.credits)) return 'invalid_credits';
        if (!['tryon', 'styling', 'recommendations'].includes(c.feature)) return 'invalid_feature';
        if (!(Number.isInteger(c.ttlSeconds) && c.ttlSeconds >= 1 && c.ttlSeconds <= this.config.maxHoldTtlSeconds))
          return 'invalid_ttl';
        if (!this.opened) return 'account_not_found';
        const h = this.holds.get(c.reservationId);
        if (h) {
          if (h.credits !== c.credits) return 'reservation_exists_with_different_credits';
          if (h.feature !== c.feature) return 'reservation_exists_with_different_feature';
          return h.ttl !== c.ttlSeconds ? 'reservation_exists_with_different_ttl' : 'noop';
        }
        if (this.inDebt) return 'account_in_debt';
        if (this.available < c.credits) return 'insufficient_credits';
        if (this.openHolds >= this.config.maxOpenHolds) return 'too_many_open_holds';
        this.holds.set(c.reservationId, {
          credits: c.credits,
          feature: c.feature,
          ttl: c.ttlSeconds,
          expiresAtMs: now + c.ttlSeconds * 1000,
          status: 'open',
          captured: 0,
        });
        return 'applied';
      }
      case 'CaptureReservation': {
        if (!id(c.reservationId)) return 'invalid_id';
        if (!credits(c.credits)) return 'invalid_credits';
        if (!this.opened) return 'account_not_found';
        const h = this.holds.get(c.reservationId);
        if (!h) return 'reservation_not_found';
        if (h.status === 'captured') return h.captured === c.credits ? 'noop' : 'capture_exists_with_different_credits';
        if (h.status === 'released') return 'reservation_already_resolved';
        if (now >= h.expiresAtMs) return 'reservation_expired';
        if (c.credits > h.credits) return 'capture_exceeds_reservation';
        h.status = 'captured';
        h.captured = c.credits;
        this.captured += c.credits;
        return 'applied';
      }
      case 'ReleaseReservation': {
        if (!id(c.reservationId)) return 'invalid_id';
        if (!['ai_failed', 'expired', 'cancelled'].includes(c.reason)) return 'invalid_reason';
        if (!this.opened) return 'account_not_found';
        const h = this.holds.get(c.reservationId);
        if (!h) return 'reservation_not_found';
        if (h.status === 'captured') return 'reservation_already_resolved';
        if (h.status === 'released') return 'noop';
        h.status = 'released';
        return 'applied';
      }
      case 'RefundPurchase':
        return this.refund(c, id, credits);
      case 'AdjustCredits': {
        if (!id(c.adjustmentId)) return 'invalid_id';
        if (!(Number.isInteger(c.delta) && c.delta !== 0 && Math.abs(c.delta) <= 1_000_000)) return 'invalid_delta';
        if (!text(c.reason)) return 'invalid_reason';
        if (!text(c.operator)) return 'invalid_operator';
        if (!this.opened) return 'account_not_found';
        const a = this.adjustments.get(c.adjustmentId);
        if (a)
          return a.delta !== c.delta
            ? 'adjustment_exists_with_different_delta'
            : a.reason !== c.reason
              ? 'adjustment_exists_with_different_reason'
              : 'noop';
        this.adjustments.set(c.adjustmentId, { delta: c.delta, reason: c.reason });
        this.adjusted += c.delta;
        return 'applied';
      }
    }
  }

  private refund(
    c: Extract<AccountCommand, { type: 'RefundPurchase' }>,
    id: (s: string) => boolean,
    credits: (n: number) => boolean,
  ): 'applied' | 'noop' | Rejection {
    if (!id(c.paymentId)) return 'invalid_id';
    if (c.credits !== undefined && !credits(c.credits)) return 'invalid_credits';
    if (c.amountMinor !== undefined && !(Number.isInteger(c.amountMinor) && c.amountMinor >= 0))
      return 'invalid_amount';
    if (!['refund', 'chargeback'].includes(c.kind)) return 'invalid_kind';
    const p = this.payments.get(c.paymentId);
    if (!p) return 'payment_not_found';
    const take = c.credits ?? p.credits;
    if (p.refund) {
      if (p.refund.credits !== take) return 'refund_exists_with_different_credits';
      return c.amountMinor !== undefined && c.amountMinor !== p.refund.amountMinor
        ? 'refund_exists_with_different_amount'
        : 'noop';
    }
    if (take > p.credits || (c.amountMinor ?? 0) > p.amountMinor) return 'refund_exceeds_purchase';
    if (c.amountMinor === undefined && take !== p.credits) return 'refund_amount_required';
    p.refund = { credits: take, amountMinor: c.amountMinor ?? p.amountMinor };
    this.clawedBack += take;
    return 'applied';
  }

  private open(userId: string): void {
    this.opened = true;
    this.userId = userId;
    if (this.config.welcomeCredits > 0) {
      this.welcome = true;
      this.grants.set('welcome', { credits: this.config.welcomeCredits, reason: 'welcome' });
      this.granted += this.config.welcomeCredits;
    }
  }
}
