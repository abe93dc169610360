import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { createCommandHandler, type EventStore } from '../../../core/eventstore/index.js';
import { accountDecider, accountStream, defaultLedgerConfig, type AccountCommand } from '../../../core/ledger/index.js';
import { BATCH_MAX_EVENTS } from '../../../projections/index.js';
import { bulkAppend, ledgerHistory } from '../../../test/support/ledgerHistory.js';

const CHILD = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  '..',
  'test',
  'support',
  'projectorChild.ts',
);

/** Writes the synthetic history (test/support/ledgerHistory.ts) straight into the event tables. */
export const seedHistory = async (
  pool: pg.Pool,
  events: number,
  users: number,
  log: (s: string) => void,
): Promise<void> => {
  let written = 0;
  const progress = function* (history: ReturnType<typeof ledgerHistory>) {
    for (const item of history) {
      yield item;
      if (++written % 200_000 === 0) log(`seeded ${written} of ${events} events`);
    }
  };
  await bulkAppend(pool, progress(ledgerHistory({ users, events, seed: 42 })));
};

/** The baseline: the whole log through `readAll`, in the batches a projector reads. */
export const readAllThroughput = async (store: EventStore, total: number): Promise<number> => {
  const started = performance.now();
  let read = 0;
  for (let after = 0; read < total;) {
    const batch = await store.readAll({ after, maxCount: BATCH_MAX_EVENTS });
    if (batch.length === 0) break;
    read += batch.length;
    after = batch[batch.length - 1]!.position;
  }
  return read / ((performance.now() - started) / 1000);
};

export interface ChildRebuild {
  position: number;
  appliedEvents: number;
  seconds: number;
  peakRssMb: number;
}

/**
 * The heap limit the rebuild runs with, as an operator runs a batch job
 * (`NODE_OPTIONS=--max-old-space-size=180 npx modera projections rebuild`): without one, V8 lets
 * garbage pile up far past the live data before it collects, and RSS shows that, not the rebuild.
 */
export const REBUILD_NODE_OPTIONS = '--max-old-space-size=180';

/** `projections rebuild` of the ledger in a process of its own, so its peak RSS is the rebuild's alone. */
export const rebuildInChild = (url: string): Promise<ChildRebuild> =>
  new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [REBUILD_NODE_OPTIONS, '--import=tsx', CHILD, url, 'rebuild'],
      { maxBuffer: 1 << 20 },
      (error, stdout, stderr) => {
        if (error) return reject(new Error(`rebuild child failed: ${error.message}\n${stderr.slice(-2_000)}`));
        const last = stdout.trim().split('\n').pop() ?? '';
        resolve(JSON.parse(last) as ChildRebuild);
      },
    );
  });

/** How often the lag watcher reads the checkpoint, ms: the resolution of the lag figures. */
const WATCH_POLL_MS = 2;

export interface LiveLagRun {
  lagsMs: number[];
  commands: number;
  rejected: number;
  skipped: number;
  failed: number;
  commandsPerSecond: number;
}

/** Step `step` of a user's purchase → reserve → capture cycle. */
const cycleCommand = (userId: number, step: number, runId: string): AccountCommand => {
  const id = `bench-${runId}-${Math.floor(step / 3)}`;
  const occurredAt = new Date().toISOString();
  if (step % 3 === 0) {
    return {
      type: 'PurchaseCredits',
      userId: String(userId),
      paymentId: `${id}-pay`,
      provider: 'stripe',
      packageId: 'basic',
      credits: 10,
      amountMinor: 199,
      currency: 'USD',
      occurredAt,
    };
  }
  if (step % 3 === 1)
    return {
      type: 'ReserveCredits',
      reservationId: `${id}-hold`,
      credits: 3,
      feature: 'tryon',
      ttlSeconds: 600,
      occurredAt,
    };
  return { type: 'CaptureReservation', reservationId: `${id}-hold`, credits: 3, occurredAt };
};

/**
 * Polls the projection's checkpoint and, for every timed append it passes, records the lag since
 * the append started. The returned function stops it once the appends are all passed or `graceMs`
 * has gone by.
 */
const watchCheckpoint = (
  pool: pg.Pool,
  projection: string,
  appendStarted: Map<number, number>,
  lagsMs: number[],
): ((graceMs: number) => Promise<void>) => {
  let watching = true;
  let watchUntil = Number.POSITIVE_INFINITY;
  const watcher = (async () => {
    while ((watching || appendStarted.size > 0) && performance.now() < watchUntil) {
      const { rows } = await pool.query<{ position: number }>(
        'SELECT position FROM projection_checkpoints WHERE name = $1',
        [projection],
      );
      const now = performance.now();
      const reached = Number(rows[0]?.position ?? 0);
      for (const [position, started] of appendStarted) {
        if (position <= reached) {
          lagsMs.push(now - started);
          appendStarted.delete(position);
        }
      }
      await new Promise((resolve) => setTimeout(resolve, WATCH_POLL_MS));
    }
  })();
  return async (graceMs) => {
    watching = false;
    watchUntil = performance.now() + graceMs;
    await watcher;
  };
};

/**
 * A steady `ratePerSecond` of ledger commands (purchase → reserve → capture per user, through the
 * real command handler) while the projector runs; for every append, the time from the start of
 * the append to the moment the projector's checkpoint (committed with the rows) passes it.
 * Open loop: commands start on schedule; one whose user is still busy is skipped and counted.
 */
export const liveLag = async (
  store: EventStore,
  pool: pg.Pool,
  options: { userIds: readonly number[]; ratePerSecond: number; durationMs: number; projection: string; runId: string },
): Promise<LiveLagRun> => {
  const appendStarted = new Map<number, number>();
  const timed: EventStore = Object.assign(Object.create(store) as EventStore, {
    appendToStream: async (...args: Parameters<EventStore['appendToStream']>) => {
      const started = performance.now();
      const result = await store.appendToStream(...args);
      appendStarted.set(result.position, started);
      return result;
    },
  });
  const handle = createCommandHandler(accountDecider(defaultLedgerConfig), { store: timed });
  const lagsMs: number[] = [];
  const stopWatching = watchCheckpoint(pool, options.projection, appendStarted, lagsMs);

  const busy = new Set<number>();
  const cycle = new Map<number, number>();
  const counts = { commands: 0, rejected: 0, skipped: 0, failed: 0 };
  const run = async (userId: number): Promise<void> => {
    busy.add(userId);
    const step = cycle.get(userId) ?? 0;
    cycle.set(userId, step + 1);
    const command = cycleCommand(userId, step, options.runId);
    try {
      const result = await handle(accountStream(String(userId)), command);
      counts.commands += 1;
      if (!result.ok) counts.rejected += 1;
    } catch {
      counts.failed += 1;
    } finally {
      busy.delete(userId);
    }
  };

  const started = performance.now();
  const inFlight = new Set<Promise<void>>();
  let next = 0;
  for (let issued = 0; performance.now() - started < options.durationMs;) {
    const due = Math.floor(((performance.now() - started) / 1000) * options.ratePerSecond);
    for (; issued < due; issued++) {
      const userId = options.userIds[next++ % options.userIds.length]!;
      if (busy.has(userId)) {
        counts.skipped += 1;
        continue;
      }
      const promise = run(userId).finally(() => inFlight.delete(promise));
      inFlight.add(promise);
    }
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  await Promise.all(inFlight);
  const seconds = (performance.now() - started) / 1000;
  // Appends the projector has not passed 10 s after the load stopped are left out (and show as
  // fewer lag samples than commands).
  await stopWatching(10_000);
  return { lagsMs, ...counts, commandsPerSecond: counts.commands / seconds };
};
