import { isTelegramUserId } from '../ids/index.js';
import type { CommandDecider, EventMetadata } from '../eventstore/index.js';
import { initialState, indexEntryOf, type Account, type AccountCore, type IndexEntry } from './account.js';
import type { AccountCommand } from './commands.js';
import { defaultLedgerConfig, type LedgerConfig } from './config.js';
import { decide, keysOf } from './decide.js';
import type { AccountEvent } from './events.js';
import { evolve, foldAccount } from './evolve.js';
import type { Rejection } from './rejections.js';

/** What every account stream's name starts with. */
export const ACCOUNT_STREAM_PREFIX = 'account-';

/**
 * The stream of a user's credit account. An id that is not a Telegram user id is a bug of the
 * caller (every entry point checks ids first, core/ids): it crashes here rather than let any
 * code path read or append `account-<bad id>`, a stream no projection could apply.
 */
export const accountStream = (userId: string): string => {
  if (!isTelegramUserId(userId))
    throw new RangeError(`account stream for ${JSON.stringify(userId)}: not a Telegram user id`);
  return `${ACCOUNT_STREAM_PREFIX}${userId}`;
};

/**
 * Bump when AccountCore or IndexEntry changes shape: snapshots of another version are ignored
 * and rebuilt from the stream.
 */
export const ACCOUNT_SNAPSHOT_VERSION = 'account-v1';

const METADATA_FIELDS = ['actor', 'correlationId', 'causationId'] as const;

const metadataOf = (command: AccountCommand): EventMetadata => {
  const metadata: EventMetadata = { occurredAt: command.occurredAt };
  for (const field of METADATA_FIELDS) {
    const value = command.metadata?.[field];
    if (typeof value === 'string') metadata[field] = value;
  }
  return metadata;
};

/**
 * The credit account for the command handler.
 *
 * Why snapshots with a split state (and not closing the books into a new stream period): the
 * account's idempotency memory (every paymentId, grantId, reservationId and adjustmentId ever
 * used) must live forever, since a provider may redeliver a webhook months later; so no period
 * can be closed without carrying that memory along, and a whole-state snapshot would grow with
 * history. Instead the snapshot keeps a bounded core (sums, flags, at most `maxOpenHolds` open
 * holds) and one row per id, and a command loads the core, the one or two ids it names
 * (`keysOf`), and the few events after the snapshot. Each event carries all the facts of its id,
 * so an id's row is rebuilt from its latest event alone (`indexEntryOf`), with no read of older
 * rows. The stream itself stays one stream per user, so a user's timeline and replay read one stream.
 */
export const accountDecider = (
  config: LedgerConfig = defaultLedgerConfig,
): CommandDecider<AccountCommand, AccountEvent, Account, Rejection> => ({
  initialState,
  evolve,
  fold: (events, state) => foldAccount(events, state),
  decide: (command, state) => decide(command, state, config),
  metadataOf,
  snapshots: {
    version: ACCOUNT_SNAPSHOT_VERSION,
    keysOf,
    entryOf: indexEntryOf,
    coreOf: (state) => state.core,
    fromSnapshot: (core, entries) => ({
      core: core as AccountCore,
      index: { complete: false, entries: entries as ReadonlyMap<string, IndexEntry> },
    }),
  },
});
