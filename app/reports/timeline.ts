import type { EventStore, RecordedEvent } from '../../core/eventstore/index.js';
import { accountStream, paymentReviewStream } from '../../core/ledger/index.js';
import { consentStream, stylingStream, tryOnStream } from '../../core/sessions/index.js';
import { auditStream } from './audit.js';
import { EMPTY_STATE, readWholeStream, recordedBy, replayAccount, type AccountState } from './read.js';

/**
 * A user's timeline for support: every event of their account, their sessions, their consent,
 * the operator actions on them and their payments held for review, in global order, each with
 * the account state after it.
 * The shape is a fixed interface (`GET /admin/users/:userId/timeline`, `modera user timeline`).
 */

export interface TimelineEvent {
  position: number;
  stream: string;
  revision: number;
  type: string;
  data: unknown;
  /** When it happened, as the caller (provider, bot, worker) said. */
  occurredAt: string;
  /** When our store committed it; "as of" is judged by this. */
  recordedAt: string;
  stateAfter: AccountState;
}

export interface Timeline {
  userId: string;
  asOf: string;
  state: AccountState;
  events: TimelineEvent[];
}

/** Where to look for a user's session ids beyond their holds (the `fashion_sessions` read table). */
export type SessionLocator = (userId: string) => Promise<Array<{ kind: 'tryon' | 'styling'; sessionId: string }>>;

export interface TimelineOptions {
  /** ISO 8601; default: now. Events recorded after it are left out. */
  asOf?: string | undefined;
  sessions?: SessionLocator | undefined;
}

/**
 * The session streams of a user. Sessions reserve with their session id as the reservation id, so
 * the account's holds name every session that asked for credits; the locator adds those that
 * never got that far. Only streams whose start event names this user are kept.
 */
const sessionStreamsOf = async (
  account: readonly RecordedEvent[],
  userId: string,
  locator?: SessionLocator,
): Promise<string[]> => {
  const streams = new Set<string>();
  for (const event of account) {
    if (event.type !== 'CreditsReserved') continue;
    const { feature, reservationId } = event.data as { feature: string; reservationId: string };
    if (feature === 'tryon') streams.add(tryOnStream(reservationId));
    if (feature === 'styling') streams.add(stylingStream(reservationId));
  }
  for (const { kind, sessionId } of locator ? await locator(userId) : []) {
    streams.add(kind === 'tryon' ? tryOnStream(sessionId) : stylingStream(sessionId));
  }
  return [...streams];
};

const startedBy = (events: readonly RecordedEvent[], userId: string): boolean =>
  (events[0]?.data as { userId?: unknown } | undefined)?.userId === userId;

const occurredAtOf = (event: RecordedEvent): string =>
  typeof event.metadata.occurredAt === 'string' ? event.metadata.occurredAt : event.recordedAt;

/** Builds a user's timeline from the event store. An unknown user has no events. */
export const buildTimeline = async (
  store: EventStore,
  userId: string,
  options: TimelineOptions = {},
): Promise<Timeline> => {
  const asOf = options.asOf ?? new Date().toISOString();
  const asOfMs = Date.parse(asOf);
  const wholeAccount = await readWholeStream(store, accountStream(userId));
  const account = recordedBy(wholeAccount, asOfMs);
  const others: RecordedEvent[] = [];
  // Sessions are found from the whole account: a session started before `asOf` may reserve after it.
  const ownStreams = [consentStream(userId), auditStream(userId), paymentReviewStream(userId)];
  const streams = [...(await sessionStreamsOf(wholeAccount, userId, options.sessions)), ...ownStreams];
  for (const stream of streams) {
    const events = recordedBy(await readWholeStream(store, stream), asOfMs);
    const isSession = !ownStreams.includes(stream);
    if (events.length > 0 && (!isSession || startedBy(events, userId))) others.push(...events);
  }
  const replay = replayAccount(account);
  const stateAt = new Map(account.map((e, i) => [e.position, replay.after[i]!]));
  const merged = [...account, ...others].sort((a, b) => a.position - b.position);
  let current = EMPTY_STATE;
  const events = merged.map((event): TimelineEvent => {
    current = stateAt.get(event.position) ?? current;
    return {
      position: event.position,
      stream: event.stream,
      revision: event.revision,
      type: event.type,
      data: event.data,
      occurredAt: occurredAtOf(event),
      recordedAt: event.recordedAt,
      stateAfter: current,
    };
  });
  return { userId, asOf: new Date(asOfMs).toISOString(), state: replay.final, events };
};
