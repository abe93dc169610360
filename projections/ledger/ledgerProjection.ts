import type pg from 'pg';
import type { RecordedEvent } from '../../core/eventstore/index.js';
import { ACCOUNT_EVENT_TYPES } from '../../core/ledger/index.js';
import { UnprojectableEvent } from '../errors.js';
import type { Projection, TableNames } from '../types.js';
import { projectedAccountEvent } from './accountEvents.js';
import { ledgerAccumulator } from './ledgerCopy.js';
import { planLedgerBatch, type LedgerPlan, type UserChange } from './plan.js';

export const LEDGER_PROJECTION = 'ledger';

/**
 * `users` and `credit_transactions` from the account streams. Set-based: whatever the batch
 * size, a batch costs at most five statements: read the users' positions, settle holds taken in
 * earlier batches, insert new users, update the others, insert the transactions.
 */

/** Rows per statement when a plan is large (a rebuild's): bounds the size of each parameter. */
export const WRITE_CHUNK_ROWS = 10_000;

const chunks = <T>(items: readonly T[]): T[][] => {
  const result: T[][] = [];
  for (let i = 0; i < items.length; i += WRITE_CHUNK_ROWS) result.push(items.slice(i, i + WRITE_CHUNK_ROWS));
  return result;
};

const selectPositions = async (
  client: pg.ClientBase,
  tables: TableNames,
  ids: number[],
): Promise<Map<number, number>> => {
  const { rows } = await client.query<{ id: number; last_position: number }>(
    `SELECT id, last_position FROM ${tables.users} WHERE id = ANY($1::bigint[])`,
    [ids],
  );
  return new Map(rows.map((r) => [Number(r.id), Number(r.last_position)]));
};

// Rows travel as one JSON document per statement: JSON.stringify is native, while pg's array
// parameters escape every element in JavaScript. `json_to_recordset` turns the document back into
// typed rows on the server. A rebuild writes its far larger plans with COPY instead
// (ledgerCopy.ts), value for value as this path does.

const sums = (u: UserChange) => ({
  id: u.id,
  credits: u.credits,
  reserved: u.reserved,
  rub: u.spentMinor.RUB,
  usd: u.spentMinor.USD,
  xtr: u.spentMinor.XTR,
  last_position: u.lastPosition,
  updated_at: u.updatedAt,
});
const SUMS_TYPE =
  'id bigint, credits bigint, reserved bigint, rub bigint, usd bigint, xtr bigint, ' +
  'last_position bigint, updated_at timestamptz';

const insertUsers = async (client: pg.ClientBase, tables: TableNames, users: UserChange[]): Promise<void> => {
  if (users.length === 0) return;
  const rows = users.map((u) => ({
    ...sums(u),
    created_at: u.opened!.createdAt,
    username: u.opened!.profile.username ?? null,
    first_name: u.opened!.profile.firstName ?? null,
    last_name: u.opened!.profile.lastName ?? null,
    language_code: u.opened!.profile.languageCode ?? 'en',
  }));
  await client.query(
    `INSERT INTO ${tables.users} (id, credits, credits_reserved, total_spent_rub_minor, total_spent_usd_minor,
       total_spent_xtr_minor,
       last_position, updated_at, created_at, username, first_name, last_name, language_code)
     SELECT id, credits, reserved, rub, usd, xtr, last_position, updated_at, created_at, username, first_name,
     last_name, language_code
     FROM json_to_recordset($1::json) AS r (${SUMS_TYPE}, created_at timestamptz, username text, first_name text,
     last_name text, language_code text)`,
    [JSON.stringify(rows)],
  );
};

const updateUsers = async (client: pg.ClientBase, tables: TableNames, users: UserChange[]): Promise<void> => {
  if (users.length === 0) return;
  await client.query(
    `UPDATE ${tables.users} AS u SET credits = u.credits + c.credits,
       credits_reserved = u.credits_reserved + c.reserved,
       total_spent_rub_minor = u.total_spent_rub_minor + c.rub, total_spent_usd_minor = u.total_spent_usd_minor + c.usd,
       total_spent_xtr_minor = u.total_spent_xtr_minor + c.xtr, last_position = c.last_position,
       updated_at = c.updated_at
     FROM json_to_recordset($1::json) AS c (${SUMS_TYPE})
     WHERE u.id = c.id`,
    [JSON.stringify(users.map(sums))],
  );
};

const insertTransactions = async (
  client: pg.ClientBase,
  tables: TableNames,
  rows: LedgerPlan['transactions'],
): Promise<void> => {
  if (rows.length === 0) return;
  await client.query(
    `INSERT INTO ${tables.credit_transactions} (id, user_id, transaction_type, status, credits_amount, amount_minor,
       currency,
       payment_provider, payment_id, feature_used, session_id, reservation_id, reason, operator, position, created_at)
     SELECT r.id, r."userId", r.type, r.status, r.credits, r."amountMinor", r.currency, r.provider, r."paymentId",
     r.feature,
       r."sessionId", r."reservationId", r.reason, r.operator, r.position, r."createdAt"
     FROM json_to_recordset($1::json) AS r (id uuid, "userId" bigint, type text, status text, credits bigint,
     "amountMinor" bigint,
       currency text, provider text, "paymentId" text, feature text, "sessionId" uuid, "reservationId" text,
       reason text,
       operator text, position bigint, "createdAt" timestamptz)`,
    [JSON.stringify(rows)],
  );
};

/** Settles the pending usage rows of earlier batches; each must exist and be pending. */
const settleHolds = async (
  client: pg.ClientBase,
  tables: TableNames,
  settlements: LedgerPlan['settlements'],
): Promise<void> => {
  if (settlements.length === 0) return;
  const { rows } = await client.query<{ user_id: number; reservation_id: string }>(
    `UPDATE ${tables.credit_transactions} AS t SET status = s.status
     FROM json_to_recordset($1::json) AS s (user_id bigint, reservation_id text, status text)
     WHERE t.user_id = s.user_id AND t.reservation_id = s.reservation_id AND t.transaction_type = 'usage'
     AND t.status = 'pending'
     RETURNING t.user_id, t.reservation_id`,
    [
      JSON.stringify(
        settlements.map((x) => ({ user_id: x.userId, reservation_id: x.reservationId, status: x.status })),
      ),
    ],
  );
  if (rows.length === settlements.length) return;
  const settled = new Set(rows.map((r) => `${r.user_id}:${r.reservation_id}`));
  const missing = settlements.find((s) => !settled.has(`${s.userId}:${s.reservationId}`))!;
  throw new UnprojectableEvent(
    missing.by,
    `no pending usage row for hold ${missing.reservationId} of user ${missing.userId}`,
  );
};

/** Writes a plan: settlements first (they only touch rows of earlier writes, and name a bad
 * capture or release more precisely than the users row's constraints would), then users, then
 * the transactions that reference them. */
const writePlan = async (client: pg.ClientBase, tables: TableNames, plan: LedgerPlan): Promise<void> => {
  for (const part of chunks(plan.settlements)) await settleHolds(client, tables, part);
  for (const part of chunks(plan.users.filter((u) => u.opened))) await insertUsers(client, tables, part);
  for (const part of chunks(plan.users.filter((u) => !u.opened))) await updateUsers(client, tables, part);
  for (const part of chunks(plan.transactions)) await insertTransactions(client, tables, part);
};

export const applyLedgerBatch = async (
  client: pg.ClientBase,
  events: readonly RecordedEvent[],
  tables: TableNames,
): Promise<void> => {
  const projected = events.map(projectedAccountEvent);
  const lastPositions = await selectPositions(client, tables, [...new Set(projected.map((e) => e.userId))]);
  await writePlan(client, tables, planLedgerBatch(projected, lastPositions));
};

export const ledgerProjection: Projection = {
  name: LEDGER_PROJECTION,
  filter: { categories: ['account'], eventTypes: ACCOUNT_EVENT_TYPES },
  tables: ['users', 'credit_transactions'],
  // Users are read and updated by id; a capture or release finds its usage row by this index.
  rebuildIndexes: ['users_pkey', 'credit_transactions_usage_reservation'],
  // A few large COPYs: their WAL costs less than SET LOGGED's rewrite at the end (types.ts).
  rebuildLogged: true,
  apply: applyLedgerBatch,
  accumulator: ledgerAccumulator,
};
