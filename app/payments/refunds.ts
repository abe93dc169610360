import type { Provider } from '../../core/ledger/commands.js';
import { ActionRefused, type ProviderRefund } from '../support/actions.js';

/** What support asks a provider to give back (the admin action's id is the idempotency key). */
export type RefundRequest = Parameters<ProviderRefund>[0];

/**
 * Sends one refund to one provider: a port, implemented by the payments adapter for each
 * provider configured here. Failures come out as ProviderRejected / ProviderUnreachable /
 * OutcomeUnknown, by failure domain.
 */
export type ProviderRefunder = (request: RefundRequest) => Promise<void>;
export type ProviderRefunders = Partial<Record<Provider, ProviderRefunder>>;

/**
 * Support's refund of a purchase, sent to the provider that took the money (the admin route's
 * `refundAtProvider`). A provider that is not configured here is `feature_off`.
 *
 * The ledger is not touched here. The clawback follows from the provider's own refund
 * notification, through the inbox and the processor like every other payment fact: Stripe's
 * `charge.refunded` / `refund.created` / `refund.updated` webhook, YooKassa's `refund.succeeded`
 * (re-read from the API), and for Stars the inbox row the Stars refunder records itself (the
 * bot's `refunded_payment` is the same delivery). The admin action may also record the clawback
 * at once; the ledger takes one clawback per payment, so whichever comes second changes nothing.
 */
export const createProviderRefunds =
  (refunders: ProviderRefunders): ProviderRefund =>
  async (request) => {
    const refund = refunders[request.provider];
    if (!refund) {
      throw new ActionRefused('feature_off', `refunds through ${request.provider} are not configured on this server`);
    }
    await refund(request);
  };
