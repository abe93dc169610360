import { Composer } from 'grammy';
import { PACKAGE_IDS, type PackageId } from '../../../core/ledger/index.js';
import type { BotContext } from '../context.js';
import { buyMenu, CALLBACK } from '../keyboards.js';
import { PAYMENT_HELD } from '../ports.js';
import { acknowledge, currentBalance, remember, showMainMenu } from './common.js';

/**
 * Buying credits: Stars invoices in the chat (XTR), and a link to the web checkout for cards.
 * The purchase itself is recorded on successful_payment (PurchaseCredits keyed by
 * telegram_payment_charge_id); the confirmation comes from the notifier, on CreditsPurchased.
 */

export const showBuyMenu = async (ctx: BotContext): Promise<void> => {
  const { available } = await currentBalance(ctx);
  const { payments } = ctx.deps;
  await ctx.reply(ctx.t('buy-title', { available }), {
    reply_markup: buyMenu(ctx.t, payments.packages(), payments.webCheckoutUrl(ctx.userId)),
  });
};

/** Buttons of the buy menu: a flow step like any other. */
export const buyHandlers = new Composer<BotContext>();

/** Payment updates: never rate-limited, never held up by the idle check (money has moved or is moving). */
export const paymentHandlers = new Composer<BotContext>();

buyHandlers.callbackQuery(CALLBACK.buy, async (ctx) => {
  await acknowledge(ctx);
  const packageId = ctx.match[1] as PackageId;
  if (!PACKAGE_IDS.includes(packageId)) return showMainMenu(ctx, 'button-expired');
  const invoice = ctx.deps.payments.starsInvoice(ctx.userId, packageId);
  const title = ctx.t('invoice-title', { credits: invoice.credits });
  // Stars: currency XTR, one price, no provider token (Bot API "Payments in Telegram Stars").
  await ctx.replyWithInvoice(
    title,
    ctx.t('invoice-description', { credits: invoice.credits }),
    invoice.payload,
    'XTR',
    [{ label: title, amount: invoice.amountStars }],
  );
});

/** Telegram waits 10 s for this answer; it only checks, it records nothing. */
paymentHandlers.on('pre_checkout_query', async (ctx) => {
  const query = ctx.preCheckoutQuery;
  const check = await ctx.deps.payments.checkPreCheckout({
    userId: ctx.userId,
    payload: query.invoice_payload,
    currency: query.currency,
    totalAmount: query.total_amount,
  });
  if (check.ok) await ctx.answerPreCheckoutQuery(true);
  else await ctx.answerPreCheckoutQuery(false, { error_message: ctx.t('payment-refused') });
});

paymentHandlers.on('message:successful_payment', async (ctx) => {
  const payment = ctx.message.successful_payment;
  const outcome = await ctx.deps.payments.recordStarsPayment(ctx.userId, ctx.message.date, payment);
  await remember(ctx, outcome);
  if (outcome.ok) return;
  const paymentId = payment.telegram_payment_charge_id;
  if (outcome.rejection === PAYMENT_HELD) {
    // Not ours or not the invoiced amount: a case on the support timeline; the user is told to quote it.
    ctx.deps.logger.warn({ userId: ctx.userId, chargeId: paymentId }, 'Stars payment held for support');
    await ctx.reply(ctx.t('payment-held', { paymentId, paid: payment.total_amount, currency: payment.currency }));
    return;
  }
  // Recorded in the payments inbox: its processor tries it again.
  const where = { userId: ctx.userId, chargeId: paymentId, rejection: outcome.rejection };
  ctx.deps.logger.error(where, 'Stars payment not credited yet');
  await ctx.reply(ctx.t('payment-problem', { paymentId }));
});

paymentHandlers.on('message:refunded_payment', async (ctx) => {
  await ctx.deps.payments.recordStarsRefund(ctx.userId, ctx.message.date, ctx.message.refunded_payment);
});
