import type { VerifyStripeDelivery, YooKassaDeliveryCheck } from '../../app/payments/webhookChecks.js';
import { verifyStripeWebhook } from './stripe/webhook.js';
import { ipAllowlist, type IpAllowlist } from './yookassa/ipAllowlist.js';
import { YooKassaNotificationSchema, yookassaDeliveryId } from './yookassa/notification.js';

/** Stripe's signature check with this endpoint's signing secret (`constructEvent`, on the raw body). */
export const stripeDeliveryCheck =
  (webhookSecret: string): VerifyStripeDelivery =>
  (rawBody, signature) => {
    const verification = verifyStripeWebhook(rawBody, signature, webhookSecret);
    return verification.ok ? { ok: true, deliveryId: verification.event.id } : verification;
  };

/** YooKassa's sender check (default: its published ranges) and its notifications' delivery ids. */
export const yookassaDeliveryCheck = (allowlist: IpAllowlist = ipAllowlist()): YooKassaDeliveryCheck => ({
  allows: (ip) => allowlist.allows(ip),
  deliveryIdOf: (body) => {
    const notification = YooKassaNotificationSchema.safeParse(body);
    return notification.success ? yookassaDeliveryId(notification.data) : undefined;
  },
});
