import { accountStream, packageById, type Currency, type PackageId, type Provider } from '../../core/ledger/index.js';
import type { LedgerConfig } from '../../core/ledger/index.js';
import type { DemoClock, SeededRandom } from './random.js';
import type { LedgerHandler } from '../../app/accounts/index.js';
import { must } from './sessions.js';

/**
 * A purchase as the payments processor applies it: PurchaseCredits keyed by the provider's
 * payment id. Providers deliver webhooks more than once; the demo delivers some purchases two or
 * three times, and the ledger records each payment once.
 */

export interface PurchaseTally {
  count: number;
  deliveries: number;
  duplicatesIgnored: number;
  byCurrency: Record<Currency, number>;
}

const CURRENCY_OF: Record<Provider, Currency> = { stripe: 'USD', yookassa: 'RUB', telegram_stars: 'XTR' };

const paymentIdOf = (random: SeededRandom, provider: Provider, key: string): string => {
  const uuid = random.uuid('payment', provider, key);
  if (provider === 'stripe') return `pi_${uuid.replaceAll('-', '').slice(0, 24)}`;
  if (provider === 'yookassa') return uuid;
  return `stxDemo${uuid.replaceAll('-', '').slice(0, 20)}`;
};

export const purchase = async (
  world: { ledger: LedgerHandler; random: SeededRandom; clock: DemoClock; config: LedgerConfig },
  userId: string,
  order: { provider: Provider; packageId: PackageId; key: string },
  tally: PurchaseTally,
): Promise<{ paymentId: string }> => {
  const pkg = packageById(world.config, order.packageId);
  const currency = CURRENCY_OF[order.provider];
  const paymentId = paymentIdOf(world.random, order.provider, `${userId}-${order.key}`);
  const occurredAt = world.clock.advance(world.random.int(60, 600));
  const deliveries = world.random.pick([1, 1, 2, 3]);
  for (let i = 0; i < deliveries; i++) {
    const result = await must(
      'PurchaseCredits',
      world.ledger(accountStream(userId), {
        type: 'PurchaseCredits',
        userId,
        paymentId,
        provider: order.provider,
        packageId: pkg.id,
        credits: pkg.credits,
        amountMinor: pkg.prices[currency],
        currency,
        occurredAt,
        metadata: { actor: `provider:${order.provider}`, correlationId: paymentId },
      }),
    );
    tally.deliveries += 1;
    if (result.events.length === 0) tally.duplicatesIgnored += 1;
    world.clock.advance(world.random.int(1, 90));
  }
  tally.count += 1;
  tally.byCurrency[currency] += 1;
  return { paymentId };
};
