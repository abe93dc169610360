import type pg from 'pg';
import { inTransaction } from './transaction.js';
import { READ_MAX_COUNT, type EventStore, type RecordedEvent } from '../core/eventstore/index.js';
import type { ProjectionHealth } from './health.js';
import { isTelegramUserIdNumber } from '../core/ids/index.js';
import { ACCOUNT_STREAM_PREFIX, accountStream } from '../core/ledger/index.js';
import { BATCH_MAX_EVENTS } from './batches.js';
import { lockCheckpoint, readCheckpoint } from './checkpoints.js';
import { ACCOUNT_FIELDS, expectedAccount, type AccountFigures } from './ledger/expectedAccount.js';
import { applyLedgerBatch, LEDGER_PROJECTION, ledgerProjection } from './ledger/ledgerProjection.js';
import { PROJECTIONS } from './projectors.js';
import { readQuarantine } from './quarantine.js';
import { projectionStatus } from './status.js';
import { liveTables } from './types.js';

/**
 * Finance's check of the ledger read tables: every account stream is replayed with the ledger's
 * fold and compared with its `users` row and the sums of its `credit_transactions`
 * (`users.credits` = sum(credits_amount) = the replayed available credits, and so on for
 * every field of `AccountFigures`). Each page of users is read from one snapshot together with
 * the projector's checkpoint, and compared with the events up to that checkpoint, so a projector
 * that is merely behind is not a difference.
 */

export interface Difference {
  userId: string;
  field: string;
  fromEvents: unknown;
  inTable: unknown;
}

/** A projection as reconcile saw it (`{ name, position, headPosition, state }` of the reconcile JSON, and more). */
export interface ProjectionCheck {
  name: string;
  position: number;
  headPosition: number;
  /** Positions behind the head. */
  lagEvents: number;
  state: ProjectionHealth['state'];
  error?: string;
  quarantined: Array<{ stream: string; fromPosition: number; reason: string }>;
}

export interface ReconcileReport {
  /** Users whose rows were compared with their events (a user with nothing projected yet is not counted). */
  checkedUsers: number;
  differences: Difference[];
  /** The ledger position the comparison covered: every user's events up to it were checked. */
  verifiedPosition: number;
  /** The head of the log when the check began. */
  headPosition: number;
  /** Users with events the projection has not reached yet: not compared. */
  pendingUsers: number;
  /** Users of quarantined streams: their rows stop where the quarantine began, so they are not compared. */
  quarantinedUsers: string[];
  projections: ProjectionCheck[];
  /**
   * Whether finance can trust the tables: no difference, no projection failed or quarantined or behind more than
   * `maxLag`.
   */
  ok: boolean;
  /** Why not, one line each. */
  problems: string[];
  /** With `repair`: users whose rows were rewritten from their stream. */
  repairedUsers?: string[];
  /** With `repair`: what still differs after it (nothing, unless the stream cannot be folded). */
  remainingDifferences?: Difference[];
}

export interface ReconcileOptions {
  store: EventStore;
  pool: pg.Pool;
  /** Check one user only. */
  userId?: string;
  repair?: boolean;
  /** The most positions a projection may be behind the head for `ok`; default 0. */
  maxLag?: number;
  log?: (line: string) => void;
}

/** Users compared per snapshot of the tables. */
export const RECONCILE_PAGE_USERS = 500;
/** Account streams read at once. */
export const RECONCILE_READ_CONCURRENCY = 8;

/** Every account: those the log opened and those the table has (a row without events is a difference). */
const accountIds = async (store: EventStore, pool: pg.Pool): Promise<number[]> => {
  const ids = new Set<number>();
  for (let after = 0; ;) {
    const page = await store.readAll({
      after,
      maxCount: READ_MAX_COUNT,
      categories: ['account'],
      eventTypes: ['AccountOpened'],
    });
    for (const event of page) ids.add(Number(event.stream.slice('account-'.length)));
    if (page.length < READ_MAX_COUNT) break;
    after = page[page.length - 1]!.position;
  }
  for (const row of (await pool.query<{ id: number }>('SELECT id FROM users')).rows) ids.add(Number(row.id));
  // A stream of no Telegram user is never projected: the quarantine lists it, not the comparison.
  return [...ids].filter(isTelegramUserIdNumber).sort((a, b) => a - b);
};

const readAccount = async (store: EventStore, userId: number): Promise<RecordedEvent[]> => {
  const events: RecordedEvent[] = [];
  for (;;) {
    const page = await store.readStream(accountStream(String(userId)), {
      fromRevision: events.length,
      maxCount: READ_MAX_COUNT,
    });
    events.push(...page);
    if (page.length < READ_MAX_COUNT) return events;
  }
};

type TableRow = AccountFigures & { id: number };

/** The rows of `ids` and the ledger checkpoint, from one snapshot. */
const tableFigures = async (
  pool: pg.Pool,
  ids: number[],
): Promise<{ checkpoint: number; rows: Map<number, AccountFigures> }> => {
  const client = await pool.connect();
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const checkpoint = await client.query<{ position: number }>(
      'SELECT position FROM projection_checkpoints WHERE name = $1',
      [LEDGER_PROJECTION],
    );
    const { rows } = await client.query<TableRow>(
      `SELECT u.id, u.credits, u.credits_reserved, u.in_debt, u.total_spent_rub_minor, u.total_spent_usd_minor,
         u.total_spent_xtr_minor,
         u.last_position, coalesce(t.credits_sum, 0)::bigint AS transactions_credits_sum,
         coalesce(t.pending_held, 0)::bigint AS transactions_pending_held, t.count::bigint AS transactions_count
       FROM users u
       CROSS JOIN LATERAL (SELECT sum(c.credits_amount) AS credits_sum, count(*) AS count,
           -sum(c.credits_amount) FILTER (WHERE c.transaction_type = 'usage' AND c.status = 'pending') AS pending_held
         FROM credit_transactions c WHERE c.user_id = u.id) t
       WHERE u.id = ANY($1::bigint[])`,
      [ids],
    );
    await client.query('COMMIT');
    return {
      checkpoint: Number(checkpoint.rows[0]?.position ?? 0),
      rows: new Map(rows.map(({ id, ...figures }) => [Number(id), figures])),
    };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
};

/**
 * The differences of one account, comparing events up to what the table has applied; undefined
 * when there was nothing to compare (no event projected yet and no row).
 */
export const compareAccount = (
  userId: number,
  events: readonly RecordedEvent[],
  table: AccountFigures | undefined,
  checkpoint: number,
): Difference[] | undefined => {
  const bound = Math.max(checkpoint, table?.last_position ?? 0);
  const applied = events.filter((e) => e.position <= bound);
  const id = String(userId);
  if (applied.length === 0 && !table) return undefined;
  if (applied.length === 0 || !table)
    return [{ userId: id, field: 'exists', fromEvents: applied.length > 0, inTable: table !== undefined }];
  let expected: AccountFigures;
  try {
    expected = expectedAccount(applied);
  } catch (error) {
    return [
      {
        userId: id,
        field: 'events',
        fromEvents: `the stream does not fold: ${(error as Error).message}`,
        inTable: null,
      },
    ];
  }
  return ACCOUNT_FIELDS.filter((field) => expected[field] !== table[field]).map((field) => ({
    userId: id,
    field,
    fromEvents: expected[field],
    inTable: table[field],
  }));
};

const mapLimit = async <T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> => {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
};

interface PageCheck {
  checkpoint: number;
  compared: number;
  pending: number;
  differences: Difference[];
}

const checkPage = async (store: EventStore, pool: pg.Pool, ids: number[]): Promise<PageCheck> => {
  const { checkpoint, rows } = await tableFigures(pool, ids);
  const streams = await mapLimit(ids, RECONCILE_READ_CONCURRENCY, (id) => readAccount(store, id));
  const page: PageCheck = { checkpoint, compared: 0, pending: 0, differences: [] };
  ids.forEach((id, i) => {
    const differences = compareAccount(id, streams[i]!, rows.get(id), checkpoint);
    if (differences) {
      page.compared += 1;
      page.differences.push(...differences);
    } else page.pending += 1;
  });
  return page;
};

/**
 * Rewrites one user's rows from their whole stream, holding the ledger checkpoint meanwhile so the
 * projector waits; it then skips the events applied here (they are at or below `last_position`).
 */
export const repairAccount = async (store: EventStore, pool: pg.Pool, userId: number): Promise<void> => {
  const tables = liveTables(ledgerProjection);
  await inTransaction(pool, async (client) => {
    await lockCheckpoint(client, LEDGER_PROJECTION);
    const events = await readAccount(store, userId);
    await client.query(`DELETE FROM ${tables.credit_transactions} WHERE user_id = $1`, [userId]);
    await client.query(`DELETE FROM ${tables.users} WHERE id = $1`, [userId]);
    for (let i = 0; i < events.length; i += BATCH_MAX_EVENTS) {
      await applyLedgerBatch(client, events.slice(i, i + BATCH_MAX_EVENTS), tables);
    }
  });
};

/** Every projection's position, lag, state and quarantine, as `projections status` sees them. */
const projectionChecks = async (store: EventStore, pool: pg.Pool): Promise<ProjectionCheck[]> =>
  Promise.all(
    PROJECTIONS.map(async (p) => {
      const status = await projectionStatus(store, pool, p.name);
      return {
        name: p.name,
        position: status.position,
        headPosition: status.head,
        lagEvents: status.lagEvents,
        state: status.state,
        ...(status.error ? { error: status.error } : {}),
        quarantined: status.quarantined.map(({ stream, fromPosition, reason }) => ({ stream, fromPosition, reason })),
      };
    }),
  );

/** What keeps finance from trusting the tables, one line each (none: it can). */
export const problemsOf = (report: Pick<ReconcileReport, 'differences' | 'projections'>, maxLag: number): string[] => [
  ...(report.differences.length > 0
    ? [`${report.differences.length} differences between the read tables and the events`]
    : []),
  ...report.projections.flatMap((p) => [
    ...(p.state === 'failed' ? [`projection ${p.name} failed: ${p.error ?? 'unknown error'}`] : []),
    ...p.quarantined.map(
      (q) => `projection ${p.name} quarantines ${q.stream} from position ${q.fromPosition}: ${q.reason}`,
    ),
    ...(p.lagEvents > maxLag
      ? [
          `projection ${p.name} is ${p.lagEvents} positions behind the head ` +
            `(${p.position} of ${p.headPosition}; at most ${maxLag} allowed)`,
        ]
      : []),
  ]),
];

const userOfStream = (stream: string): string | undefined =>
  stream.startsWith(ACCOUNT_STREAM_PREFIX) ? stream.slice(ACCOUNT_STREAM_PREFIX.length) : undefined;

export const reconcile = async (options: ReconcileOptions): Promise<ReconcileReport> => {
  const { store, pool } = options;
  const headPosition = await store.headPosition();
  const quarantinedUsers = (await readQuarantine(pool, LEDGER_PROJECTION))
    .map((q) => userOfStream(q.stream))
    .filter((id) => id !== undefined);
  const skipped = new Set(quarantinedUsers.map(Number));
  const all = options.userId !== undefined ? [Number(options.userId)] : await accountIds(store, pool);
  if (all.some((id) => !Number.isSafeInteger(id)))
    throw new RangeError(`user id ${options.userId} is not an integer below 2^53`);
  const ids = all.filter((id) => !skipped.has(id));
  const differences: Difference[] = [];
  let [checkedUsers, pendingUsers, verifiedPosition] = [0, 0, headPosition];
  for (let i = 0; i < ids.length; i += RECONCILE_PAGE_USERS) {
    const page = await checkPage(store, pool, ids.slice(i, i + RECONCILE_PAGE_USERS));
    differences.push(...page.differences);
    checkedUsers += page.compared;
    pendingUsers += page.pending;
    verifiedPosition = Math.min(verifiedPosition, page.checkpoint);
    options.log?.(
      `reconcile: ${checkedUsers} users compared up to position ${page.checkpoint}, ` +
        `${pendingUsers} not projected yet, ${differences.length} differences`,
    );
  }
  if (ids.length === 0) verifiedPosition = (await readCheckpoint(pool, LEDGER_PROJECTION))?.position ?? 0;
  const projections = await projectionChecks(store, pool);
  const problems = problemsOf({ differences, projections }, options.maxLag ?? 0);
  const report: ReconcileReport = {
    checkedUsers,
    differences,
    verifiedPosition,
    headPosition,
    pendingUsers,
    quarantinedUsers,
    projections,
    ok: problems.length === 0,
    problems,
  };
  if (!options.repair || differences.length === 0) return report;
  const repaired = [...new Set(differences.map((d) => Number(d.userId)))];
  for (const id of repaired) await repairAccount(store, pool, id);
  const remaining: Difference[] = [];
  for (let i = 0; i < repaired.length; i += RECONCILE_PAGE_USERS) {
    remaining.push(...(await checkPage(store, pool, repaired.slice(i, i + RECONCILE_PAGE_USERS))).differences);
  }
  return { ...report, repairedUsers: repaired.map(String), remainingDifferences: remaining };
};
