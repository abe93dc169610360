import type pg from 'pg';
import { copyInteger, copyInto, copyJsonText, copyText, CopyRows } from '../copyRows.js';
import type { Accumulator, TableNames } from '../types.js';
import { projectedAccountEvent } from './accountEvents.js';
import { LedgerPlanner, type LedgerPlan, type TransactionRow, type UserChange } from './plan.js';

/**
 * The rebuild's way of writing the ledger (the accumulator): every user's `last_position` loaded
 * once, then as many events as the rebuild wants folded into one plan per write, its rows sent
 * with COPY. Transaction rows are encoded as soon as the plan cannot change them any more
 * (LedgerPlanner's sink), so a plan waiting for its write is a few Buffers, not a million objects.
 *
 * Every value is written as the JSON path of the live projector (ledgerProjection.ts) writes it,
 * `json_to_recordset` included: a text column gets a string as it is and any other JSON value as
 * its JSON text (copyJsonText). A rebuild must produce the very rows the live projector does.
 */

const TRANSACTION_COLUMNS = [
  'id',
  'user_id',
  'transaction_type',
  'status',
  'credits_amount',
  'amount_minor',
  'currency',
  'payment_provider',
  'payment_id',
  'feature_used',
  'session_id',
  'reservation_id',
  'reason',
  'operator',
  'position',
  'created_at',
];
const OPENED_USER_COLUMNS = [
  'id',
  'credits',
  'credits_reserved',
  'total_spent_rub_minor',
  'total_spent_usd_minor',
  'total_spent_xtr_minor',
  'last_position',
  'updated_at',
  'created_at',
  'username',
  'first_name',
  'last_name',
  'language_code',
];

/** A temporary table (dropped at commit) that COPY fills and one statement reads. */
interface Temporary {
  name: string;
  columns: readonly (readonly [name: string, type: string])[];
}
const USER_CHANGES: Temporary = {
  name: 'ledger_user_changes',
  columns: [
    ['id', 'bigint'],
    ['credits', 'bigint'],
    ['reserved', 'bigint'],
    ['rub', 'bigint'],
    ['usd', 'bigint'],
    ['xtr', 'bigint'],
    ['last_position', 'bigint'],
    ['updated_at', 'timestamptz'],
  ],
};
const SETTLEMENTS: Temporary = {
  name: 'ledger_settlements',
  columns: [
    ['user_id', 'bigint'],
    ['reservation_id', 'text'],
    ['status', 'text'],
  ],
};

const transactionLine = (r: TransactionRow): string =>
  `${copyText(r.id)}\t${r.userId}\t${r.type}\t${r.status}\t${r.credits}\t` +
  `${copyInteger(r.amountMinor)}\t${copyJsonText(r.currency)}\t` +
  `${copyJsonText(r.provider)}\t${copyJsonText(r.paymentId)}\t${copyJsonText(r.feature)}\t` +
  `${copyJsonText(r.sessionId)}\t${copyJsonText(r.reservationId)}\t${copyJsonText(r.reason)}\t` +
  `${copyJsonText(r.operator)}\t${r.position}\t${copyText(r.createdAt)}\n`;

const sumsLine = (u: UserChange): string =>
  `${u.id}\t${u.credits}\t${u.reserved}\t` +
  `${u.spentMinor.RUB}\t${u.spentMinor.USD}\t${u.spentMinor.XTR}\t${u.lastPosition}\t${copyText(u.updatedAt)}`;

const openedUserLine = (u: UserChange): string => {
  const { profile, createdAt } = u.opened!;
  return (
    `${sumsLine(u)}\t${copyText(createdAt)}\t${copyJsonText(profile.username)}\t${copyJsonText(profile.firstName)}\t` +
    `${copyJsonText(profile.lastName)}\t${copyJsonText(profile.languageCode ?? 'en')}\n`
  );
};

/** A plan as COPY data, ready to write. */
export interface EncodedPlan {
  transactions: Buffer[];
  openedUsers: Buffer[];
  changedUsers: Buffer[];
  settlements: Buffer[];
  settlementCount: number;
}

const encode = <T>(items: readonly T[], line: (item: T) => string): Buffer[] => {
  const rows = new CopyRows();
  for (const item of items) rows.push(line(item));
  return rows.take();
};

/** Encodes a plan whose transaction rows went to `transactions` (the planner's sink). */
export const encodePlan = (plan: LedgerPlan, transactions: Buffer[]): EncodedPlan => ({
  transactions,
  openedUsers: encode(
    plan.users.filter((u) => u.opened),
    openedUserLine,
  ),
  changedUsers: encode(
    plan.users.filter((u) => !u.opened),
    (u) => `${sumsLine(u)}\n`,
  ),
  settlements: encode(plan.settlements, (s) => `${s.userId}\t${copyText(s.reservationId)}\t${s.status}\n`),
  settlementCount: plan.settlements.length,
});

/** COPY into a temporary table, then `statement`, which reads it: how sums and settlements reach existing rows. */
const throughTemporary = async (
  client: pg.ClientBase,
  temporary: Temporary,
  chunks: readonly Buffer[],
  statement: string,
): Promise<pg.QueryResult> => {
  const { name, columns } = temporary;
  const columnList = columns.map(([column, type]) => `${column} ${type}`).join(', ');
  await client.query(`CREATE TEMPORARY TABLE ${name} (${columnList}) ON COMMIT DROP`);
  await copyInto(
    client,
    name,
    columns.map(([column]) => column),
    chunks,
  );
  return client.query(statement);
};

/**
 * Writes an encoded plan in the caller's transaction, in the order of the JSON path:
 * settlements of earlier writes' holds, new users, the others' sums, the transactions.
 */
export const writeEncodedPlan = async (client: pg.ClientBase, tables: TableNames, plan: EncodedPlan): Promise<void> => {
  if (plan.settlementCount > 0) {
    const settled = await throughTemporary(
      client,
      SETTLEMENTS,
      plan.settlements,
      `UPDATE ${tables.credit_transactions} AS t SET status = s.status FROM ledger_settlements AS s
       WHERE t.user_id = s.user_id AND t.reservation_id = s.reservation_id AND t.transaction_type = 'usage'
       AND t.status = 'pending'`,
    );
    // The batch-by-batch path the rebuild falls back to names the capture or release at fault.
    if (settled.rowCount !== plan.settlementCount) {
      throw new Error(
        `${plan.settlementCount - (settled.rowCount ?? 0)} of ${plan.settlementCount} ` +
          'captures or releases found no pending usage row',
      );
    }
  }
  await copyInto(client, tables.users!, OPENED_USER_COLUMNS, plan.openedUsers);
  if (plan.changedUsers.length > 0) {
    await throughTemporary(
      client,
      USER_CHANGES,
      plan.changedUsers,
      `UPDATE ${tables.users} AS u SET credits = u.credits + c.credits,
         credits_reserved = u.credits_reserved + c.reserved,
         total_spent_rub_minor = u.total_spent_rub_minor + c.rub,
         total_spent_usd_minor = u.total_spent_usd_minor + c.usd,
         total_spent_xtr_minor = u.total_spent_xtr_minor + c.xtr, last_position = c.last_position,
         updated_at = c.updated_at
       FROM ledger_user_changes AS c WHERE u.id = c.id`,
    );
  }
  await copyInto(client, tables.credit_transactions!, TRANSACTION_COLUMNS, plan.transactions);
};

/** The ledger projection's accumulator (types.ts): what a rebuild folds its reads into. */
export const ledgerAccumulator = async (db: pg.Pool, tables: TableNames): Promise<Accumulator> => {
  const lastPositions = new Map<number, number>();
  const load = async () => {
    lastPositions.clear();
    const { rows } = await db.query<{ id: number; last_position: number }>(
      `SELECT id, last_position FROM ${tables.users}`,
    );
    for (const row of rows) lastPositions.set(Number(row.id), Number(row.last_position));
  };
  await load();
  const transactions = new CopyRows();
  // A value COPY cannot carry (copyText) fails the write, not the fold: the rebuild then goes on
  // batch by batch through `apply`, which names the event (rebuild.ts).
  let unencodable: unknown;
  const sink = (row: TransactionRow) => {
    try {
      transactions.push(transactionLine(row));
    } catch (error) {
      unencodable ??= error;
    }
  };
  let planner = new LedgerPlanner(lastPositions, sink);
  return {
    add: (events) => {
      planner.add(events.map(projectedAccountEvent));
    },
    get pendingEvents() {
      return planner.eventCount;
    },
    take: () => {
      planner.endPlan();
      const plan = planner.plan;
      for (const user of plan.users) lastPositions.set(user.id, user.lastPosition);
      let encoded: EncodedPlan | undefined;
      try {
        encoded = encodePlan(plan, transactions.take());
      } catch (error) {
        unencodable ??= error;
      }
      const failure = unencodable;
      unencodable = undefined;
      planner = new LedgerPlanner(lastPositions, sink);
      return (client) =>
        encoded && failure === undefined ? writeEncodedPlan(client, tables, encoded) : Promise.reject(failure);
    },
    reset: async () => {
      await load();
      transactions.take();
      unencodable = undefined;
      planner = new LedgerPlanner(lastPositions, sink);
    },
  };
};
