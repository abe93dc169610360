import type pg from 'pg';
import { accountStream } from '../../core/ledger/index.js';
import { LEDGER_PROJECTION } from '../../projections/ledger/ledgerProjection.js';
import type { ReadModelPort, TransactionView } from '../../app/accounts/ports.js';

/**
 * The profile's reads, from the read tables the ledger projection keeps (`users`,
 * `credit_transactions`, schema/003), never from the streams.
 */

/** How often a read-your-writes wait looks at the projection's checkpoint. */
export const WAIT_POLL_MS = 25;

/** How a read-table row reads to the user: `transaction-<kind>` in the locale files. */
export const transactionKind = (type: string, status: string): string => {
  if (type === 'usage') return status === 'pending' ? 'hold' : status === 'released' ? 'not-charged' : 'usage';
  if (type === 'refund') return 'returned';
  return type;
};

export const createReadModel = (pool: pg.Pool, projection: string = LEDGER_PROJECTION): ReadModelPort => {
  const checkpoint = async (): Promise<number> => {
    const { rows } = await pool.query<{ position: number }>(
      'SELECT position FROM projection_checkpoints WHERE name = $1',
      [projection],
    );
    return rows[0]?.position ?? 0;
  };
  return {
    balance: async (userId) => {
      const { rows } = await pool.query<{
        credits: number | null;
        credits_reserved: number | null;
        quarantined: boolean;
      }>(
        `SELECT u.credits, u.credits_reserved,
                EXISTS (SELECT 1 FROM projection_quarantine q WHERE q.stream = $2) AS quarantined
           FROM (SELECT 1) one LEFT JOIN users u ON u.id = $1`,
        [userId, accountStream(userId)],
      );
      const row = rows[0];
      return { available: row?.credits ?? 0, held: row?.credits_reserved ?? 0, quarantined: row?.quarantined ?? false };
    },
    recentTransactions: async (userId, limit) => {
      const { rows } = await pool.query<{
        transaction_type: string;
        status: string;
        credits_amount: number;
        feature_used: string | null;
        payment_provider: string | null;
        created_at: Date;
      }>(
        `SELECT transaction_type, status, credits_amount, feature_used, payment_provider, created_at
           FROM credit_transactions WHERE user_id = $1 ORDER BY position DESC LIMIT $2`,
        [userId, limit],
      );
      return rows.map((r): TransactionView => ({
        kind: transactionKind(r.transaction_type, r.status),
        credits: r.credits_amount,
        feature: r.feature_used,
        provider: r.payment_provider,
        createdAt: r.created_at,
      }));
    },
    waitForPosition: async (position, timeoutMs) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        if ((await checkpoint()) >= position) return true;
        if (Date.now() >= deadline) return false;
        await new Promise((resolve) => setTimeout(resolve, WAIT_POLL_MS));
      }
    },
  };
};
