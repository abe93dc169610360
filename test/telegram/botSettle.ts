import { orchestrationProjection } from '../../projections/sessions/orchestrationProjection.js';
import { NOTIFIED_CATEGORIES, NOTIFIED_EVENT_TYPES } from '../../adapters/telegram/notifications.js';
import { ledgerProjection } from '../../projections/ledger/ledgerProjection.js';
import type { BotHarness } from '../support/telegramBot.js';

/**
 * Waits, with a deadline, until the bot has nothing left to do: every update handled, the
 * projectors (ledger, orchestration) and the notifier past the last event they care about, and,
 * unless the AI is held, no AI job due or running. With `quiet`, also until nothing new is sent
 * or appended for a while: work started by a timer (an album's collection window, a debounce)
 * shows in no queue.
 */

/** Longest a step may take to settle; past it the sequence fails with what was still busy. */
export const SETTLE_TIMEOUT_MS = 30_000;
const SETTLE_POLL_MS = 20;
/** How long nothing may move before a `quiet` settle counts as done. */
export const QUIET_MS = 150;

type Filter = { categories?: readonly string[] | undefined; eventTypes?: readonly string[] | undefined };

const lastMatching = async (h: BotHarness, filter: Filter): Promise<number> => {
  const { rows } = await h.pool.query<{ p: string | null }>(
    `SELECT max(position) AS p FROM events
      WHERE ($1::text[] IS NULL OR category = ANY($1)) AND ($2::text[] IS NULL OR type = ANY($2))`,
    [filter.categories ?? null, filter.eventTypes ?? null],
  );
  return Number(rows[0]!.p ?? 0);
};

const checkpointOf = async (h: BotHarness, name: string): Promise<number> =>
  Number(
    (await h.pool.query<{ position: string }>('SELECT position FROM projection_checkpoints WHERE name = $1', [name]))
      .rows[0]?.position ?? 0,
  );

/** What is still busy, or an empty list. */
const busy = async (h: BotHarness, aiPaused: boolean): Promise<string[]> => {
  const waiting: string[] = [];
  for (const projection of [ledgerProjection, orchestrationProjection]) {
    if ((await checkpointOf(h, projection.name)) < (await lastMatching(h, projection.filter)))
      waiting.push(`projection ${projection.name}`);
  }
  const notified = await lastMatching(h, { categories: NOTIFIED_CATEGORIES, eventTypes: NOTIFIED_EVENT_TYPES });
  if ((await h.runtime.notifier.checkpoint()) < notified) waiting.push('notifier');
  if (!aiPaused) {
    const { rows } = await h.pool.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM session_jobs ' +
        "WHERE status = 'running' OR (status = 'pending' AND run_after <= $1)",
      [h.clock.now],
    );
    if (rows[0]!.n > 0) waiting.push(`${rows[0]!.n} AI jobs`);
  }
  return waiting;
};

const fingerprint = async (h: BotHarness): Promise<string> => {
  const { rows } = await h.pool.query<{ p: string | null }>('SELECT max(position) AS p FROM events');
  return `${rows[0]!.p}:${h.fake.received.length}`;
};

export const settle = async (h: BotHarness, options: { aiPaused: boolean; quiet: boolean }): Promise<void> => {
  const deadline = Date.now() + SETTLE_TIMEOUT_MS;
  let stableSince = Date.now();
  let last = '';
  for (;;) {
    await h.runtime.processor.idle();
    const still = await busy(h, options.aiPaused);
    const now = await fingerprint(h);
    if (now !== last || still.length > 0) {
      last = now;
      stableSince = Date.now();
    }
    if (still.length === 0 && (!options.quiet || Date.now() - stableSince >= QUIET_MS)) return;
    if (Date.now() > deadline)
      throw new Error(`not settled within ${SETTLE_TIMEOUT_MS} ms: ${still.join(', ') || 'still moving'}`);
    await new Promise((resolve) => setTimeout(resolve, SETTLE_POLL_MS));
  }
};
