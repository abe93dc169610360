/**
 * What a webhook route checks in the request before it records a delivery, as ports: the HTTP
 * adapter receives the request, the payments adapter knows each provider's rules (Stripe's
 * signature scheme and secret, YooKassa's addresses and notification shape).
 */

/** The outcome of checking a Stripe delivery; the event id is its delivery id. */
export type StripeDeliveryCheck = { ok: true; deliveryId: string } | { ok: false; reason: string };

/** Checks a Stripe webhook's signature over the exact bytes received. */
export type VerifyStripeDelivery = (rawBody: Buffer, signature: string | undefined) => StripeDeliveryCheck;

/** Checks a YooKassa notification: its sender, and that it is one. */
export interface YooKassaDeliveryCheck {
  /** Whether the sender's address is one of YooKassa's. */
  allows(ip: string | undefined): boolean;
  /** The delivery id of a parsed body; undefined when the body is not a YooKassa notification. */
  deliveryIdOf(body: unknown): string | undefined;
}
