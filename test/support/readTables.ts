import type pg from 'pg';

/** The ledger read tables' rows, every column, in a stable order: for row-by-row comparisons. */
export const ledgerRows = async (pool: pg.Pool): Promise<{ users: string[]; transactions: string[] }> => {
  const users = await pool.query('SELECT * FROM users ORDER BY id');
  const transactions = await pool.query('SELECT * FROM credit_transactions ORDER BY position, id');
  return {
    users: users.rows.map((r) => JSON.stringify(r)),
    transactions: transactions.rows.map((r) => JSON.stringify(r)),
  };
};

/** The finance invariants, checked in SQL over every user: the rows of users that break them. */
export const brokenInvariants = async (pool: pg.Pool): Promise<unknown[]> =>
  (
    await pool.query(`SELECT u.id, u.credits, u.credits_reserved, t.credits_sum, t.pending_held
     FROM users u LEFT JOIN LATERAL (
       SELECT coalesce(sum(credits_amount), 0) AS credits_sum,
              coalesce(-sum(credits_amount) FILTER (WHERE transaction_type = 'usage' AND status = 'pending'), 0)
                AS pending_held
       FROM credit_transactions c WHERE c.user_id = u.id) t ON true
     WHERE u.credits <> t.credits_sum OR u.credits_reserved <> t.pending_held`)
  ).rows;
