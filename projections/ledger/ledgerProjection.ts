import type pg from 'pg';
import type { RecordedEvent } from '../../core/eventstore/index.js';
import { ACCOUNT_EVENT_TYPES } from '../../core/ledger/index.js';
import { UnprojectableEvent } from '../errors.js';
import type { Projection, TableNames } from '../types.js';
import { projectedAccountEvent } from './accountEvents.js';
import { planLedgerBatch, type LedgerPlan, type UserChange } from './plan.js';

export const LEDGER_PROJECTION = 'ledger';

/**
 * `users` and `credit_transactions` from the account streams. Set-based: whatever the batch
 * size, a batch costs at most five statements: read the users' positions, settle holds taken in
 * earlier batches, insert new users, update the others, insert the transactions.
 */

const selectPositions = async (client: pg.ClientBase, tables: TableNames, ids: number[]): Promise<Map<number, number>> => {
  const { rows } = await client.query<{ id: number; last_position: number }>(
    `SELECT id, last_position FROM ${tables.users} WHERE id = ANY($1::bigint[])`, [ids]);
  return new Map(rows.map((r) => [Number(r.id), Number(r.last_position)]));
};

const sums = (users: UserChange[]) => [
  users.map((u) => u.id), users.map((u) => u.credits), users.map((u) => u.reserved),
  users.map((u) => u.spentMinor.RUB), users.map((u) => u.spentMinor.USD), users.map((u) => u.spentMinor.XTR),
  users.map((u) => u.lastPosition), users.map((u) => u.updatedAt),
];

const insertUsers = async (client: pg.ClientBase, tables: TableNames, users: UserChange[]): Promise<void> => {
  if (users.length === 0) return;
  const profile = (field: 'username' | 'firstName' | 'lastName') => users.map((u) => u.opened?.profile[field] ?? null);
  await client.query(
    `INSERT INTO ${tables.users} (id, credits, credits_reserved, total_spent_rub_minor, total_spent_usd_minor, total_spent_xtr_minor,
       last_position, updated_at, created_at, username, first_name, last_name, language_code)
     SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::bigint[], $5::bigint[], $6::bigint[], $7::bigint[],
       $8::timestamptz[], $9::timestamptz[], $10::text[], $11::text[], $12::text[], $13::text[])`,
    [...sums(users), users.map((u) => u.opened!.createdAt), profile('username'), profile('firstName'), profile('lastName'),
      users.map((u) => u.opened?.profile.languageCode ?? 'en')]);
};

const updateUsers = async (client: pg.ClientBase, tables: TableNames, users: UserChange[]): Promise<void> => {
  if (users.length === 0) return;
  await client.query(
    `UPDATE ${tables.users} AS u SET credits = u.credits + c.credits, credits_reserved = u.credits_reserved + c.reserved,
       total_spent_rub_minor = u.total_spent_rub_minor + c.rub, total_spent_usd_minor = u.total_spent_usd_minor + c.usd,
       total_spent_xtr_minor = u.total_spent_xtr_minor + c.xtr, last_position = c.last_position, updated_at = c.updated_at
     FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::bigint[], $5::bigint[], $6::bigint[], $7::bigint[], $8::timestamptz[])
       AS c (id, credits, reserved, rub, usd, xtr, last_position, updated_at)
     WHERE u.id = c.id`,
    sums(users));
};

const insertTransactions = async (client: pg.ClientBase, tables: TableNames, plan: LedgerPlan): Promise<void> => {
  const rows = plan.transactions;
  if (rows.length === 0) return;
  const column = <K extends keyof (typeof rows)[number]>(key: K) => rows.map((r) => r[key]);
  await client.query(
    `INSERT INTO ${tables.credit_transactions} (id, user_id, transaction_type, status, credits_amount, amount_minor, currency,
       payment_provider, payment_id, feature_used, session_id, reservation_id, reason, operator, position, created_at)
     SELECT * FROM unnest($1::uuid[], $2::bigint[], $3::text[], $4::text[], $5::bigint[], $6::bigint[], $7::text[], $8::text[],
       $9::text[], $10::text[], $11::uuid[], $12::text[], $13::text[], $14::text[], $15::bigint[], $16::timestamptz[])`,
    [column('id'), column('userId'), column('type'), column('status'), column('credits'), column('amountMinor'), column('currency'),
      column('provider'), column('paymentId'), column('feature'), column('sessionId'), column('reservationId'), column('reason'),
      column('operator'), column('position'), column('createdAt')]);
};

/** Settles the pending usage rows of earlier batches; each must exist and be pending. */
const settleHolds = async (client: pg.ClientBase, tables: TableNames, plan: LedgerPlan): Promise<void> => {
  const settlements = plan.settlements;
  if (settlements.length === 0) return;
  const { rows } = await client.query<{ user_id: number; reservation_id: string }>(
    `UPDATE ${tables.credit_transactions} AS t SET status = s.status
     FROM unnest($1::bigint[], $2::text[], $3::text[]) AS s (user_id, reservation_id, status)
     WHERE t.user_id = s.user_id AND t.reservation_id = s.reservation_id AND t.transaction_type = 'usage' AND t.status = 'pending'
     RETURNING t.user_id, t.reservation_id`,
    [settlements.map((s) => s.userId), settlements.map((s) => s.reservationId), settlements.map((s) => s.status)]);
  if (rows.length === settlements.length) return;
  const settled = new Set(rows.map((r) => `${r.user_id}:${r.reservation_id}`));
  const missing = settlements.find((s) => !settled.has(`${s.userId}:${s.reservationId}`))!;
  throw new UnprojectableEvent(missing.by.recorded, `no pending usage row for hold ${missing.reservationId} of user ${missing.userId}`);
};

export const applyLedgerBatch = async (client: pg.ClientBase, events: readonly RecordedEvent[], tables: TableNames): Promise<void> => {
  const projected = events.map(projectedAccountEvent);
  const lastPositions = await selectPositions(client, tables, [...new Set(projected.map((e) => e.userId))]);
  const plan = planLedgerBatch(projected, lastPositions);
  // Settling first: it only touches rows of earlier batches, and it names a bad capture or
  // release more precisely than the users row's constraints would.
  await settleHolds(client, tables, plan);
  await insertUsers(client, tables, plan.users.filter((u) => u.opened));
  await updateUsers(client, tables, plan.users.filter((u) => !u.opened));
  await insertTransactions(client, tables, plan);
};

export const ledgerProjection: Projection = {
  name: LEDGER_PROJECTION,
  filter: { categories: ['account'], eventTypes: ACCOUNT_EVENT_TYPES },
  tables: ['users', 'credit_transactions'],
  // Users are read and updated by id; a capture or release finds its usage row by this index.
  rebuildIndexes: ['users_pkey', 'credit_transactions_usage_reservation'],
  apply: applyLedgerBatch,
};
