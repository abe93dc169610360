import type { BotContext } from '../context.js';
import { backToMenu } from '../keyboards.js';
import type { TransactionView } from '../ports.js';
import { currentBalance } from './common.js';

/** Transactions listed in the profile. */
export const PROFILE_TRANSACTIONS = 5;

const transactionLine = (ctx: BotContext, tx: TransactionView): string =>
  ctx.t('profile-transaction', {
    date: tx.createdAt.toISOString().slice(0, 10),
    credits: tx.credits > 0 ? `+${tx.credits}` : String(tx.credits),
    // Unknown kinds from a newer read table still show, under a generic label.
    kind: ctx.t(`transaction-${TRANSACTION_KINDS.has(tx.kind) ? tx.kind : 'other'}`),
  });

/** Every transaction kind with its own label in the locale files. */
export const TRANSACTION_KINDS = new Set([
  'purchase',
  'grant',
  'hold',
  'usage',
  'not-charged',
  'returned',
  'clawback',
  'adjustment',
]);

/**
 * Balance and recent transactions from the read tables, after they have caught up with the
 * user's own last write (read-your-writes, bounded: past the wait it shows what it has, and says so).
 */
export const showProfile = async (ctx: BotContext): Promise<void> => {
  const { available, held, fresh, quarantined } = await currentBalance(ctx);
  // A quarantined account's rows stopped at an event that could not be projected: no stale number.
  if (quarantined) return void (await ctx.reply(ctx.t('profile-under-review'), { reply_markup: backToMenu(ctx.t) }));
  const transactions = await ctx.deps.reads.recentTransactions(ctx.userId, PROFILE_TRANSACTIONS);
  const lines = [ctx.t('profile-balance', { available, held })];
  lines.push(transactions.length === 0 ? ctx.t('profile-no-transactions') : ctx.t('profile-transactions-title'));
  for (const tx of transactions) lines.push(transactionLine(ctx, tx));
  if (!fresh) lines.push(ctx.t('profile-updating'));
  await ctx.reply(lines.join('\n'), { reply_markup: backToMenu(ctx.t) });
};
