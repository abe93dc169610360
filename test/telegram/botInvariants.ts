import { defaultLedgerConfig, featurePrice, type Feature } from '../../core/ledger/index.js';
import { reconcile } from '../../projections/reconcile.js';
import type { ApiCall } from '../fakes/telegramServer.js';
import { brokenInvariants } from '../support/readTables.js';
import type { BotHarness } from '../support/telegramBot.js';

/**
 * What must hold after any sequence of updates, read from the event store (the truth) and the
 * calls the fake Bot API accepted (what really reached a chat):
 *   (a) charged only for results: a captured hold is a session of that user whose result reached
 *       the user's chat (after they came back, if they had blocked the bot), for its price;
 *       every delivered result was paid for; no hold is left open once everything settled.
 *   (b) a session stream changes only by its owner or the system: every session event names its
 *       actor (`user:<owner>` or `system:…`), and no update of one user appended to a stream
 *       (session or account) of another.
 *   (c) the read tables agree with the events (the finance reconciliation and its sums).
 *   (d) no update failed in a handler, and no user was told "something went wrong".
 */

export type Property =
  | 'a_charged_only_for_results'
  | 'b_actor_recorded'
  | 'b_own_sessions_only'
  | 'c_read_tables_agree'
  | 'd_no_handler_failure';
export interface Violation {
  property: Property;
  detail: string;
}

/** What the scripted AI's analysis says: the sign that a message is a delivered style analysis. */
export const STYLE_RESULT_MARK = 'Clean lines suit you.';

interface StoredEvent {
  position: number;
  stream: string;
  type: string;
  data: Record<string, unknown>;
  metadata: { actor?: string };
}

export interface UpdateWindow {
  userId: string;
  after: number;
  upTo: number;
}

const SESSION_CATEGORIES = new Map<string, Feature>([
  ['tryon', 'tryon'],
  ['styling', 'styling'],
]);
const categoryOf = (stream: string): string => stream.slice(0, stream.indexOf('-'));
const idOf = (stream: string): string => stream.slice(stream.indexOf('-') + 1);

/** Whether a delivered call is the result of session `sessionId` (the photo, or the analysis). */
const isResultOf = (call: ApiCall, sessionId: string, feature: Feature): boolean => {
  const payload = JSON.stringify(call.payload);
  if (!payload.includes(sessionId)) return false;
  return feature === 'tryon' ? call.method === 'sendPhoto' : payload.includes(STYLE_RESULT_MARK);
};

const loadEvents = async (h: BotHarness, userIds: readonly string[]): Promise<StoredEvent[]> => {
  const { rows } = await h.pool.query<StoredEvent & { position: string }>(
    `SELECT position, stream, type, data, metadata FROM events
      WHERE stream = ANY($1) OR category IN ('tryon', 'styling') ORDER BY position`,
    [userIds.map((id) => `account-${id}`)],
  );
  return rows.map((r) => ({ ...r, position: Number(r.position) }));
};

/** The owner of each session stream: the user its first event names. */
const ownersOf = (events: StoredEvent[]): Map<string, string> => {
  const owners = new Map<string, string>();
  for (const e of events) {
    if (SESSION_CATEGORIES.has(categoryOf(e.stream)) && !owners.has(e.stream))
      owners.set(e.stream, String(e.data.userId));
  }
  return owners;
};

const chargedOnlyForResults = (
  h: BotHarness,
  userId: string,
  events: StoredEvent[],
  owners: Map<string, string>,
): Violation[] => {
  const found: Violation[] = [];
  const fail = (detail: string) =>
    found.push({ property: 'a_charged_only_for_results', detail: `user ${userId}: ${detail}` });
  const delivered = h.fake.accepted.filter((c) => String(c.payload.chat_id) === userId);
  const account = events.filter((e) => e.stream === `account-${userId}`);
  const settled = new Set<string>();
  const captured = new Set<string>();
  for (const e of account) {
    if (e.type !== 'ReservationCaptured' && e.type !== 'ReservationReleased') continue;
    const reservationId = String(e.data.reservationId);
    settled.add(reservationId);
    if (e.type === 'ReservationReleased') continue;
    captured.add(reservationId);
    const feature = e.data.feature as Feature;
    const owner = owners.get(`${feature === 'tryon' ? 'tryon' : 'styling'}-${reservationId}`);
    if (owner !== userId) fail(`captured hold ${reservationId} is no session of theirs (owner ${owner})`);
    if (Number(e.data.credits) !== featurePrice(defaultLedgerConfig, feature))
      fail(`captured ${String(e.data.credits)} credits for a ${feature}`);
    if (!delivered.some((c) => isResultOf(c, reservationId, feature)))
      fail(`charged ${String(e.data.credits)} for ${feature} ${reservationId}, whose result never reached the chat`);
  }
  for (const e of account.filter((x) => x.type === 'CreditsReserved')) {
    if (!settled.has(String(e.data.reservationId)))
      fail(`hold ${String(e.data.reservationId)} neither captured nor released`);
  }
  for (const [stream, owner] of owners) {
    const feature = SESSION_CATEGORIES.get(categoryOf(stream))!;
    if (owner !== userId || captured.has(idOf(stream))) continue;
    if (delivered.some((c) => isResultOf(c, idOf(stream), feature)))
      fail(`got the result of ${stream} without paying for it`);
  }
  return found;
};

/** An actor that is not acting for a user: the worker, the sweeper (the bot's own holds act for the user). */
const isSystem = (actor: string | undefined): boolean =>
  actor !== undefined && actor.startsWith('system:') && actor !== 'system:bot';

const ownSessionsOnly = (
  events: StoredEvent[],
  owners: Map<string, string>,
  windows: readonly UpdateWindow[],
): Violation[] => {
  const found: Violation[] = [];
  const fail = (detail: string, property: Property = 'b_own_sessions_only') => found.push({ property, detail });
  for (const e of events) {
    const owner = owners.get(e.stream) ?? (categoryOf(e.stream) === 'account' ? idOf(e.stream) : undefined);
    if (owner === undefined) continue;
    const actor = e.metadata.actor;
    const isSession = owners.has(e.stream);
    if (isSession && actor === undefined)
      fail(`${e.type} at ${e.position} on ${e.stream} (user ${owner}) records no actor`, 'b_actor_recorded');
    if (isSession && actor !== undefined && actor !== `user:${owner}` && !actor.startsWith('system:')) {
      fail(`${e.type} at ${e.position} on ${e.stream} of user ${owner} was written by ${actor}`);
    }
    if (isSystem(actor)) continue;
    const cause = windows.find((w) => e.position > w.after && e.position <= w.upTo);
    if (cause && cause.userId !== owner)
      fail(`an update of user ${cause.userId} appended ${e.type} at ${e.position} to ${e.stream} of user ${owner}`);
  }
  return found;
};

const readTablesAgree = async (h: BotHarness, userIds: readonly string[]): Promise<Violation[]> => {
  const found: Violation[] = [];
  for (const userId of userIds) {
    const report = await reconcile({ store: h.store, pool: h.pool, userId });
    for (const d of report.differences)
      found.push({ property: 'c_read_tables_agree', detail: `user ${userId}: ${JSON.stringify(d)}` });
  }
  const broken = (await brokenInvariants(h.pool)).filter((row) =>
    userIds.includes(String((row as { id: unknown }).id)),
  );
  for (const row of broken)
    found.push({ property: 'c_read_tables_agree', detail: `sums differ: ${JSON.stringify(row)}` });
  return found;
};

const SOMETHING_WRONG = /Something went wrong on our side|Что-то пошло не так/u;

const noHandlerFailure = async (
  h: BotHarness,
  userIds: readonly string[],
  firstUpdateId: number,
): Promise<Violation[]> => {
  const { rows } = await h.pool.query<{ update_id: string; last_error: string }>(
    'SELECT update_id, last_error FROM telegram_updates WHERE update_id >= $1 AND last_error IS NOT NULL',
    [firstUpdateId],
  );
  const found: Violation[] = rows.map((r) => ({
    property: 'd_no_handler_failure',
    detail: `update ${r.update_id} failed: ${r.last_error}`,
  }));
  for (const call of h.fake.accepted) {
    if (userIds.includes(String(call.payload.chat_id)) && SOMETHING_WRONG.test(String(call.payload.text ?? ''))) {
      found.push({
        property: 'd_no_handler_failure',
        detail: `user ${String(call.payload.chat_id)} was told: ${String(call.payload.text)}`,
      });
    }
  }
  return found;
};

/** Every violation of (a)-(d) for the users of one sequence. */
export const violations = async (
  h: BotHarness,
  userIds: readonly string[],
  windows: readonly UpdateWindow[],
  firstUpdateId: number,
): Promise<Violation[]> => {
  const events = await loadEvents(h, userIds);
  const owners = new Map([...ownersOf(events)].filter(([, owner]) => userIds.includes(owner)));
  return [
    ...userIds.flatMap((id) => chargedOnlyForResults(h, id, events, owners)),
    ...ownSessionsOnly(events, owners, windows),
    ...(await readTablesAgree(h, userIds)),
    ...(await noHandlerFailure(h, userIds, firstUpdateId)),
  ];
};
