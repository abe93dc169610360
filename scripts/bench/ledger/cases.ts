import {
  deterministicUuid,
  APPEND_MAX_EVENTS,
  type EventStore,
  type NewEvent,
} from '../../../core/eventstore/index.js';
import {
  accountStream,
  decide,
  evolve,
  initialState,
  type Account,
  type AccountCommand,
  type LedgerConfig,
} from '../../../core/ledger/index.js';
import type { LedgerHandler } from '../../../app/accounts/index.js';

const HISTORY_START_MS = Date.parse('2024-01-01T00:00:00.000Z');

export const purchaseOf = (userId: string, paymentId: string, occurredAt: string, credits = 10): AccountCommand => ({
  type: 'PurchaseCredits',
  userId,
  paymentId,
  provider: 'stripe',
  packageId: 'basic',
  credits,
  amountMinor: 199,
  currency: 'USD',
  occurredAt,
});
const reserveOf = (reservationId: string, occurredAt: string): AccountCommand => ({
  type: 'ReserveCredits',
  reservationId,
  credits: 3,
  feature: 'tryon',
  ttlSeconds: 600,
  occurredAt,
});
const captureOf = (reservationId: string, occurredAt: string): AccountCommand => ({
  type: 'CaptureReservation',
  reservationId,
  credits: 3,
  occurredAt,
});

/** Runs a command and fails the benchmark loudly if the ledger refuses it. */
export const mustSucceed = async (handle: LedgerHandler, stream: string, command: AccountCommand): Promise<void> => {
  const result = await handle(stream, command);
  if (!result.ok) throw new Error(`bench: ${command.type} on ${stream} was rejected: ${result.rejection}`);
};

/**
 * Writes an account of at least `total` events straight to the store: purchase → reserve →
 * capture cycles, each event made by the real decider (so the stream folds cleanly), appended
 * APPEND_MAX_EVENTS at a time. Going through the command handler would take minutes for 100k
 * events and measure nothing we need; the measured commands come after.
 */
export const writeLongHistory = async (
  store: EventStore,
  userId: string,
  total: number,
  config: LedgerConfig,
): Promise<number> => {
  const stream = accountStream(userId);
  // Ids are never reused, so the decider needs no index entries beyond the current cycle's: the
  // index is cleared each cycle to keep this linear.
  let state: Account = initialState();
  let pending: NewEvent[] = [];
  let revision = -1;
  const flush = async () => {
    if (pending.length === 0) return;
    await store.appendToStream(stream, pending, { expected: revision === -1 ? 'no_stream' : revision });
    revision += pending.length;
    pending = [];
  };
  const apply = async (command: AccountCommand) => {
    const decision = decide(command, state, config);
    if (!decision.ok) throw new Error(`bench history: ${command.type} rejected: ${decision.rejection}`);
    for (const event of decision.events) {
      state = evolve(state, event);
      const slot = revision + pending.length + 1;
      pending.push({
        id: deterministicUuid(stream, 'bench-history', String(slot)),
        type: event.type,
        data: event.data,
        metadata: { occurredAt: command.occurredAt },
      });
      if (pending.length === APPEND_MAX_EVENTS) await flush();
    }
  };
  for (let cycle = 0; revision + pending.length + 1 < total; cycle++) {
    const at = new Date(HISTORY_START_MS + cycle * 60_000).toISOString();
    await apply(purchaseOf(userId, `hist-pay-${cycle}`, at));
    await apply(reserveOf(`hist-r-${cycle}`, at));
    await apply(captureOf(`hist-r-${cycle}`, at));
    state = { core: state.core, index: { complete: false, entries: new Map() } };
  }
  await flush();
  return revision + 1;
};

export interface CommandRun {
  commands: number;
  perSecond: number;
  latenciesMs: number[];
}

/**
 * `users` concurrent users, each on its own account, each looping purchase → reserve → capture
 * with fresh ids until `durationMs` has passed. Every command's latency is recorded.
 */
export const userCycles = async (
  handle: LedgerHandler,
  userIds: readonly string[],
  durationMs: number,
  runId: string,
): Promise<CommandRun> => {
  const latenciesMs: number[] = [];
  const timedCommand = async (stream: string, command: AccountCommand) => {
    const started = performance.now();
    await mustSucceed(handle, stream, command);
    latenciesMs.push(performance.now() - started);
  };
  const started = performance.now();
  const deadline = started + durationMs;
  await Promise.all(
    userIds.map(async (userId) => {
      const stream = accountStream(userId);
      for (let cycle = 0; performance.now() < deadline; cycle++) {
        const id = `${runId}-${cycle}`;
        const now = new Date().toISOString();
        await timedCommand(stream, purchaseOf(userId, `pay-${id}`, now));
        await timedCommand(stream, reserveOf(`r-${id}`, now));
        await timedCommand(stream, captureOf(`r-${id}`, now));
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return { commands: latenciesMs.length, perSecond: latenciesMs.length / seconds, latenciesMs };
};

/**
 * Reserve latency on two accounts, alternating so drift hits both alike. Each timed reserve is
 * followed by an untimed release, so holds never pile up to the open-holds limit.
 */
export const reserveLatencies = async (
  handle: LedgerHandler,
  userIds: { fresh: string; long: string },
  samples: number,
  runId: string,
): Promise<{ freshMs: number[]; longMs: number[] }> => {
  const freshMs: number[] = [];
  const longMs: number[] = [];
  for (let i = 0; i < samples; i++) {
    for (const [userId, into] of [
      [userIds.fresh, freshMs],
      [userIds.long, longMs],
    ] as const) {
      const stream = accountStream(userId);
      const reservationId = `lat-${runId}-${i}`;
      const now = new Date().toISOString();
      const started = performance.now();
      await mustSucceed(handle, stream, reserveOf(reservationId, now));
      into.push(performance.now() - started);
      await mustSucceed(handle, stream, {
        type: 'ReleaseReservation',
        reservationId,
        reason: 'cancelled',
        occurredAt: now,
      });
    }
  }
  return { freshMs, longMs };
};
