import { READ_MAX_COUNT, type EventStore, type RecordedEvent } from '../../core/eventstore/index.js';
import {
  ACCOUNT_STREAM_PREFIX,
  foldAccount,
  summaryOf,
  type AccountCore,
  type AccountEvent,
} from '../../core/ledger/index.js';

/**
 * Reading the event store for reports. Reports answer from the events, never from the read
 * tables: they are what support and finance use when a read table is in doubt.
 */

/** The summary every report shows of an account. */
export interface AccountState {
  balance: number;
  available: number;
  held: number;
  inDebt: boolean;
}

export const EMPTY_STATE: AccountState = Object.freeze({ balance: 0, available: 0, held: 0, inDebt: false });

/** Every event of one stream, in revision order, page by page. */
export const readWholeStream = async (store: EventStore, stream: string): Promise<RecordedEvent[]> => {
  const events: RecordedEvent[] = [];
  for (;;) {
    const page = await store.readStream(stream, { fromRevision: events.length, maxCount: READ_MAX_COUNT });
    events.push(...page);
    if (page.length < READ_MAX_COUNT) return events;
  }
};

/** Every event of these categories in position order, one page at a time. */
export async function* readCategories(
  store: EventStore,
  categories: readonly string[],
): AsyncGenerator<RecordedEvent[]> {
  let after = 0;
  for (;;) {
    const page = await store.readAll({ after, categories, maxCount: READ_MAX_COUNT });
    if (page.length > 0) yield page;
    if (page.length < READ_MAX_COUNT) return;
    after = page[page.length - 1]!.position;
  }
}

/**
 * "As of" is judged by `recordedAt`, the time our store committed the event, not by the
 * provider's `occurredAt`: an as-of answer is then what our books said at that moment and never
 * changes afterwards (a webhook delivered late, with an early occurredAt, does not rewrite the
 * past), and it is a prefix of each stream, so the fold is the one the decider saw. Within one
 * stream recordedAt never goes backwards (an append waits for the previous one to commit), so
 * taking events while they are recorded at or before `asOfMs` is that prefix.
 */
export const recordedBy = (events: readonly RecordedEvent[], asOfMs: number, inclusive = true): RecordedEvent[] => {
  const end = events.findIndex((e) =>
    inclusive ? Date.parse(e.recordedAt) > asOfMs : Date.parse(e.recordedAt) >= asOfMs,
  );
  return end === -1 ? [...events] : events.slice(0, end);
};

export const asAccountEvent = (recorded: RecordedEvent): AccountEvent =>
  ({ type: recorded.type, data: recorded.data }) as AccountEvent;

export const stateOf = (core: AccountCore): AccountState => summaryOf(core);

/** The user id of an account stream (`account-<userId>`), or undefined for another stream. */
export const userIdOfStream = (stream: string): string | undefined =>
  stream.startsWith(ACCOUNT_STREAM_PREFIX) ? stream.slice(ACCOUNT_STREAM_PREFIX.length) : undefined;

/**
 * Folds an account's events and returns the state after each one. The full fold (which checks
 * every invariant, including the idempotency index) runs once; the per-event states come from
 * the core alone, so a long history costs linear time, not one index copy per event.
 */
export const replayAccount = (events: readonly RecordedEvent[]): { after: AccountState[]; final: AccountState } => {
  const domain = events.map(asAccountEvent);
  const final = foldAccount(domain).core;
  const after: AccountState[] = [];
  let state = foldAccount([]);
  for (const event of domain) {
    // An index marked incomplete and holding nothing: evolve checks the core and skips lookups.
    state = foldAccount([event], { core: state.core, index: { complete: false, entries: new Map() } });
    after.push(stateOf(state.core));
  }
  return { after, final: stateOf(final) };
};
