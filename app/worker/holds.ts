import {
  createCommandHandler,
  type CommandHandler,
  type EventStore,
  type SnapshotStore,
} from '../../core/eventstore/index.js';
import {
  accountDecider,
  guardAccountCommands,
  accountStream,
  defaultLedgerConfig,
  type AccountCommand,
  type CreditsReservedData,
  type LedgerConfig,
  type Rejection,
  type ReleaseReason,
} from '../../core/ledger/index.js';
import type { HoldRequest, HoldResolution } from '../../core/sessions/index.js';

/**
 * The credit holds of sessions on the account streams. Every call is idempotent by the
 * reservation id (the session id), so a retried job, a second worker or a sweeper repeating it
 * never moves credits twice: the ledger decides each hold's end exactly once.
 */

/** Account events read backwards, at most, to find a hold taken earlier by a crashed attempt. */
export const HOLD_LOOKUP_MAX_EVENTS = 10_000;

export type ReserveOutcome = { ok: true; expiresAt: string } | { ok: false; rejection: Rejection };

/**
 * How settling a session's hold resolution ended:
 * - captured / released: the ledger did it now or had done it already;
 * - not_reserved: nothing was held (the session ended before a worker reserved);
 * - capture_lost: the capture came too late (the hold expired or the sweeper released it first):
 *   the credits are back with the user;
 * - release_lost: the hold had been captured, so the release changed nothing.
 */
export type SettleOutcome = 'captured' | 'released' | 'not_reserved' | 'capture_lost' | 'release_lost';

export interface Holds {
  /** ReserveCredits for the session's hold; the hold's expiry on success. */
  reserve(hold: HoldRequest, occurredAt: string): Promise<ReserveOutcome>;
  release(
    hold: { userId: string; reservationId: string },
    reason: ReleaseReason,
    occurredAt: string,
    actor?: string,
  ): Promise<SettleOutcome>;
  /** Applies what the session recorded about its hold. */
  settle(resolution: HoldResolution, occurredAt: string): Promise<SettleOutcome>;
}

export interface HoldsOptions {
  store: EventStore;
  snapshots?: SnapshotStore;
  config?: LedgerConfig;
  actor: string;
}

/** The lifetime asked of the ledger: the session's wish, within what the ledger allows. */
export const holdTtlSeconds = (hold: HoldRequest, config: LedgerConfig): number =>
  Math.min(hold.ttlSeconds, config.maxHoldTtlSeconds);

/** What the hold steps share: the guarded account commands, the store and the default actor. */
interface HoldsContext {
  store: EventStore;
  config: LedgerConfig;
  actor: string;
  send: (userId: string, command: AccountCommand) => ReturnType<CommandHandler<AccountCommand, Rejection>>;
}

/** The expiry of a hold a crashed attempt took: the reservation is recent, so read backwards. */
const findExpiry = async (store: EventStore, userId: string, reservationId: string): Promise<string | undefined> => {
  const recent = await store.readStream(accountStream(userId), {
    direction: 'backwards',
    maxCount: HOLD_LOOKUP_MAX_EVENTS,
  });
  const found = recent.find(
    (e) => e.type === 'CreditsReserved' && (e.data as CreditsReservedData).reservationId === reservationId,
  );
  return found ? (found.data as CreditsReservedData).expiresAt : undefined;
};

const reserveHold = async (context: HoldsContext, hold: HoldRequest, occurredAt: string): Promise<ReserveOutcome> => {
  const result = await context.send(hold.userId, {
    type: 'ReserveCredits',
    reservationId: hold.reservationId,
    credits: hold.credits,
    feature: hold.feature,
    ttlSeconds: holdTtlSeconds(hold, context.config),
    occurredAt,
    metadata: { actor: context.actor },
  });
  if (!result.ok) return { ok: false, rejection: result.rejection };
  const reserved = result.events.find((e) => e.type === 'CreditsReserved');
  const expiresAt = reserved
    ? (reserved.data as CreditsReservedData).expiresAt
    : await findExpiry(context.store, hold.userId, hold.reservationId);
  if (expiresAt === undefined)
    throw new Error(`hold ${hold.reservationId} accepted but not found on account ${hold.userId}`);
  return { ok: true, expiresAt };
};

const releaseHold = async (
  context: HoldsContext,
  hold: { userId: string; reservationId: string },
  reason: ReleaseReason,
  occurredAt: string,
  actor: string = context.actor,
): Promise<SettleOutcome> => {
  const result = await context.send(hold.userId, {
    type: 'ReleaseReservation',
    reservationId: hold.reservationId,
    reason,
    occurredAt,
    metadata: { actor },
  });
  if (result.ok) return 'released';
  if (result.rejection === 'reservation_not_found') return 'not_reserved';
  if (result.rejection === 'reservation_already_resolved') return 'release_lost';
  throw new Error(`release of hold ${hold.reservationId} refused: ${result.rejection}`);
};

const captureHold = async (
  context: HoldsContext,
  hold: { userId: string; reservationId: string; credits: number },
  occurredAt: string,
): Promise<SettleOutcome> => {
  const result = await context.send(hold.userId, {
    type: 'CaptureReservation',
    reservationId: hold.reservationId,
    credits: hold.credits,
    occurredAt,
    metadata: { actor: context.actor },
  });
  if (result.ok) return 'captured';
  if (result.rejection === 'reservation_already_resolved') return 'capture_lost';
  if (result.rejection === 'reservation_expired') {
    // Past its expiry the hold can only be released; a sweeper may not have run yet.
    await releaseHold(context, hold, 'expired', occurredAt);
    return 'capture_lost';
  }
  throw new Error(`capture of hold ${hold.reservationId} refused: ${result.rejection}`);
};

const settleHold = (context: HoldsContext, resolution: HoldResolution, occurredAt: string): Promise<SettleOutcome> => {
  switch (resolution.action) {
    case 'capture':
      return captureHold(context, resolution, occurredAt);
    case 'release':
      return releaseHold(context, resolution, resolution.reason, occurredAt);
    case 'none':
      return Promise.resolve('not_reserved');
    default: {
      const _exhaustive: never = resolution;
      return _exhaustive;
    }
  }
};

export const createHolds = (options: HoldsOptions): Holds => {
  const config = options.config ?? defaultLedgerConfig;
  const handle = guardAccountCommands(
    createCommandHandler(accountDecider(config), { store: options.store, snapshots: options.snapshots }),
  );
  const context: HoldsContext = {
    store: options.store,
    config,
    actor: options.actor,
    send: (userId, command) => handle(accountStream(userId), command),
  };
  return {
    reserve: (hold, occurredAt) => reserveHold(context, hold, occurredAt),
    release: (hold, reason, occurredAt, actor) => releaseHold(context, hold, reason, occurredAt, actor),
    settle: (resolution, occurredAt) => settleHold(context, resolution, occurredAt),
  };
};
