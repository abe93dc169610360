import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PostgresEventStore } from '../../adapters/eventstore/postgres/index.js';
import { PostgresSnapshotStore } from '../../adapters/eventstore/postgres/index.js';
import { createPool, migrate, startEmbeddedPostgres } from '../../adapters/postgres/index.js';
import { createCommandHandler } from '../../core/eventstore/index.js';
import type { LedgerHandler } from '../../app/accounts/ledger.js';
import { accountDecider, accountStream, defaultLedgerConfig } from '../../core/ledger/index.js';
import { appends, type Throughput } from './eventstore/cases.js';
import {
  mustSucceed,
  purchaseOf,
  reserveLatencies,
  userCycles,
  writeLongHistory,
  type CommandRun,
} from './ledger/cases.js';
import { compared, median, percentile, report, type BenchReport, type Figure } from './report.js';

/** Each case runs this long per round; rounds interleave the cases so drift hits them alike. */
export const ROUND_MS = 2_500;
export const ROUNDS = 3;
export const USERS = 16;
export const LONG_HISTORY_EVENTS = 100_000;
export const RESERVE_SAMPLES = 300;
export const COMMANDS_GOAL_RATIO = 0.5;
export const LONG_HISTORY_GOAL_MAX_RATIO = 1.5;
// 16 users, the commit notifier and the LISTEN connection, with room to spare.
const POOL_MAX = USERS + 4;

const rounded = (value: number, digits = 0): number => Number(value.toFixed(digits));

type Handler = LedgerHandler;

interface Setup {
  store: PostgresEventStore;
  handle: Handler;
  uncached: Handler;
  runId: string;
  log: (s: string) => void;
}

/** ROUNDS rounds of plain appends, commands, and commands without the handler's cache. */
const throughputRounds = async ({ store, handle, uncached, users, runId, log }: Setup & { users: string[] }) => {
  const appendRuns: Throughput[] = [];
  const commandRuns: CommandRun[] = [];
  const uncachedRuns: CommandRun[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    const a = await appends(store, USERS, ROUND_MS, `${runId}r${round}`);
    appendRuns.push(a);
    log(`round ${round} append_16_writers: ${rounded(a.perSecond)} events/s`);
    const c = await userCycles(handle, users, ROUND_MS, `${runId}r${round}`);
    commandRuns.push(c);
    log(`round ${round} commands_16_users: ${rounded(c.perSecond)} commands/s`);
    const u = await userCycles(uncached, users, ROUND_MS, `${runId}u${round}`);
    uncachedRuns.push(u);
    log(`round ${round} commands_16_users_uncached: ${rounded(u.perSecond)} commands/s`);
  }
  return { appendRuns, commandRuns, uncachedRuns };
};

/** A reserve on an account of LONG_HISTORY_EVENTS events against one on a new account. */
const longHistory = async ({ store, handle, uncached, userBase, runId, log }: Setup & { userBase: number }) => {
  const longUser = String(userBase + USERS);
  const freshUser = String(userBase + USERS + 1);
  log(`writing an account of ${LONG_HISTORY_EVENTS} events`);
  const historyEvents = await writeLongHistory(store, longUser, LONG_HISTORY_EVENTS, defaultLedgerConfig);
  // The first command on it folds the whole stream and writes the first snapshot (one-off).
  const buildStarted = performance.now();
  await mustSucceed(handle, accountStream(longUser), purchaseOf(longUser, `first-${runId}`, new Date().toISOString()));
  const firstCommandMs = performance.now() - buildStarted;
  log(`first command on the long account (full fold + first snapshot): ${rounded(firstCommandMs)} ms`);
  await mustSucceed(
    handle,
    accountStream(freshUser),
    purchaseOf(freshUser, `fresh-${runId}`, new Date().toISOString(), 1_000),
  );
  // Both through the full load path (no in-memory state), so the figure compares what a load
  // costs on 100k events with what it costs on a handful.
  const { freshMs, longMs } = await reserveLatencies(
    uncached,
    { fresh: freshUser, long: longUser },
    RESERVE_SAMPLES,
    runId,
  );
  log(
    `reserve p50: new account ${rounded(median(freshMs), 2)} ms, ` +
      `${historyEvents} events ${rounded(median(longMs), 2)} ms`,
  );
  return { historyEvents, firstCommandMs, freshMs, longMs };
};

interface Measured {
  appendRuns: Throughput[];
  commandRuns: CommandRun[];
  uncachedRuns: CommandRun[];
  historyEvents: number;
  firstCommandMs: number;
  freshMs: number[];
  longMs: number[];
}

const figures = ({
  appendRuns,
  commandRuns,
  uncachedRuns,
  historyEvents,
  firstCommandMs,
  freshMs,
  longMs,
}: Measured): Figure[] => {
  const latencies = commandRuns.flatMap((r) => r.latenciesMs);
  const append16: Figure = {
    name: 'append_16_writers',
    value: rounded(median(appendRuns.map((r) => r.perSecond))),
    unit: 'events/s',
  };
  const commands16: Figure = {
    name: 'commands_16_users',
    value: rounded(median(commandRuns.map((r) => r.perSecond))),
    unit: 'commands/s',
  };
  const reserveNew: Figure = { name: 'reserve_ms_p50_new_account', value: rounded(median(freshMs), 3), unit: 'ms' };
  const reserveLong: Figure = {
    name: 'reserve_ms_p50_long_history',
    value: rounded(median(longMs), 3),
    unit: 'ms',
    historyEvents,
  };
  return [
    append16,
    {
      ...compared(commands16, append16, { minRatio: COMMANDS_GOAL_RATIO }),
      flow: 'purchase → reserve → capture',
      commandsMeasured: latencies.length,
      note:
        'young accounts last written by this process: ' +
        "decided from the handler's cached state, appended at the exact expected revision",
    },
    {
      name: 'commands_16_users_uncached',
      value: rounded(median(uncachedRuns.map((r) => r.perSecond))),
      unit: 'commands/s',
      note:
        'the same flow with the handler cache off: ' +
        'each command loads snapshot, ids and tail in one query, then appends',
    },
    { name: 'command_p50_ms', value: rounded(median(latencies), 3), unit: 'ms' },
    { name: 'command_p99_ms', value: rounded(percentile(latencies, 99), 3), unit: 'ms' },
    reserveNew,
    compared(reserveLong, reserveNew, { maxRatio: LONG_HISTORY_GOAL_MAX_RATIO }),
    { name: 'reserve_ms_p99_long_history', value: rounded(percentile(longMs, 99), 3), unit: 'ms' },
    {
      name: 'first_command_ms_long_history',
      value: rounded(firstCommandMs),
      unit: 'ms',
      note: 'one-off: full fold of the stream and its first snapshot',
    },
  ];
};

/**
 * The ledger suite: the credit account's command handling (load from snapshot + tail, decide,
 * append, snapshot) on the PostgreSQL event store, against the store's plain appends on the same
 * durable server in the same run; and a reserve on an account with 100k events against one on a
 * new account.
 */
export async function run(options: { log?: (s: string) => void } = {}): Promise<BenchReport> {
  const log = options.log ?? (() => undefined);
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'modera-bench-ledger-'));
  const server = await startEmbeddedPostgres({ dataDir, durable: true });
  const pool = createPool(server.url, { max: POOL_MAX, applicationName: 'modera-bench' });
  const store = new PostgresEventStore(pool);
  try {
    await migrate(pool);
    const runId = randomBytes(4).toString('hex');
    // Events and snapshots share the database: each command loads snapshot, ids and tail in one round trip.
    const snapshots = new PostgresSnapshotStore(pool, { eventsInSameDatabase: true });
    const handle = createCommandHandler(accountDecider(defaultLedgerConfig), { store, snapshots });
    // The same without the handler's in-memory states: every command pays its load.
    const uncached = createCommandHandler(accountDecider(defaultLedgerConfig), { store, snapshots, cachedStreams: 0 });
    const userBase = 1_000_000_000 + Math.floor(Math.random() * 1_000_000_000);
    const users = Array.from({ length: USERS }, (_, i) => String(userBase + i));
    for (const userId of users)
      await mustSucceed(handle, accountStream(userId), {
        type: 'OpenAccount',
        userId,
        profile: {},
        occurredAt: new Date().toISOString(),
      });

    const rounds = await throughputRounds({ store, handle, uncached, users, runId, log });
    const history = await longHistory({ store, handle, uncached, userBase, runId, log });
    return report('ledger', 'postgres', figures({ ...rounds, ...history }));
  } finally {
    await store.close();
    await pool.end();
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}
