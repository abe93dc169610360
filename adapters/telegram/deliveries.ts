import { GrammyError, type Transformer } from 'grammy';
import type pg from 'pg';
import type { EventStore, RecordedEvent } from '../../core/eventstore/index.js';
import { accountStream, type ReservationCapturedData } from '../../core/ledger/index.js';
import type { HoldResolution } from '../../core/sessions/index.js';
import type { Logger } from '../../projections/logger.js';
import type { LedgerHandler } from '../../app/accounts/ledger.js';

/**
 * Blocked chats and results that could not be delivered, kept so a user who unblocks the bot gets them.
 *
 * Where capture happens: the worker captures a session's hold when the AI result is recorded,
 * before the notifier sends it. The result then exists and is stored, the AI cost is spent, and
 * a hold cannot be kept open for a user who may stay away for days (holds live at most a day).
 * So the rule is "you pay for a result delivered, or deliverable when you come back": a result
 * the user could not be sent (they blocked the bot) is kept and sent again when they return
 * (my_chat_member back to "member", or any message such as /start); if they do not return
 * within UNDELIVERED_RESULT_TTL_SECONDS, its captured credits are given back to them
 * (CreditsAdjusted, id `undelivered-<sessionId>`, idempotent) and it is not sent any more.
 */

/** How long an undelivered result waits for its user to come back before its credits go back. */
export const UNDELIVERED_RESULT_TTL_SECONDS = 7 * 24 * 60 * 60;
/** How often expired undelivered results are looked for. */
export const UNDELIVERED_SWEEP_INTERVAL_MS = 60_000;
/** Expired results settled per sweep round. */
export const UNDELIVERED_SWEEP_BATCH = 100;
/** Account events read, newest first, to find a result's capture. */
const CAPTURE_LOOKBACK_EVENTS = 10_000;
export const UNDELIVERED_ADJUSTMENT_REASON = 'result_undelivered';
const ACTOR = 'system:bot';

/** Telegram's "Forbidden": the user blocked the bot or deleted their account. */
export const isBlockedError = (error: unknown): boolean => error instanceof GrammyError && error.error_code === 403;

export interface KeptResult {
  eventId: string;
  userId: string;
  sessionId: string;
  stream: string;
  credits: number;
}

/** The result an event carries, if it is one a user pays for (a try-on image, a style analysis). */
export const resultOf = (event: RecordedEvent): KeptResult | undefined => {
  if (event.type !== 'TryOnSucceeded' && event.type !== 'StylingSucceeded') return undefined;
  const resolution = (event.data as { holdResolution: HoldResolution }).holdResolution;
  if (resolution.action !== 'capture') return undefined;
  const sessionId = event.stream.slice(event.stream.indexOf('-') + 1);
  return { eventId: event.id, userId: resolution.userId, sessionId, stream: event.stream, credits: resolution.credits };
};

export class Deliveries {
  constructor(private readonly pool: pg.Pool) {}

  async isBlocked(userId: string): Promise<boolean> {
    const { rows } = await this.pool.query<{ blocked: boolean }>(
      'SELECT blocked_at IS NOT NULL AS blocked FROM bot_chats WHERE user_id = $1',
      [userId],
    );
    return rows[0]?.blocked ?? false;
  }

  async block(userId: string): Promise<void> {
    await this.pool.query(
      `INSERT INTO bot_chats (user_id, blocked_at) VALUES ($1, now())
       ON CONFLICT (user_id) DO UPDATE SET blocked_at = COALESCE(bot_chats.blocked_at, now())`,
      [userId],
    );
  }

  /** The user is back; returns whether the chat was blocked. */
  async unblock(userId: string): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      'UPDATE bot_chats SET blocked_at = NULL WHERE user_id = $1 AND blocked_at IS NOT NULL',
      [userId],
    );
    return rowCount === 1;
  }

  /** Keeps a result that could not be sent, to send on the user's return (once per result event). */
  async keep(result: KeptResult, ttlSeconds: number = UNDELIVERED_RESULT_TTL_SECONDS): Promise<void> {
    await this.pool.query(
      `INSERT INTO bot_undelivered_results (event_id, user_id, session_id, stream, credits, expires_at)
       VALUES ($1, $2, $3, $4, $5, now() + make_interval(secs => $6)) ON CONFLICT DO NOTHING`,
      [result.eventId, result.userId, result.sessionId, result.stream, result.credits, ttlSeconds],
    );
  }

  /** Claims the user's results still waiting and not expired, to send now (oldest first). */
  async claimWaiting(userId: string): Promise<Array<{ eventId: string; stream: string }>> {
    const { rows } = await this.pool.query<{ event_id: string; stream: string; recorded_at: Date }>(
      `UPDATE bot_undelivered_results SET status = 'sending'
        WHERE user_id = $1 AND status = 'waiting' AND expires_at > now()
        RETURNING event_id, stream, recorded_at`,
      [userId],
    );
    return rows
      .sort((a, b) => a.recorded_at.getTime() - b.recorded_at.getTime())
      .map((r) => ({ eventId: r.event_id, stream: r.stream }));
  }

  async finish(eventId: string, status: 'waiting' | 'delivered' | 'returned' | 'unknown'): Promise<void> {
    await this.pool.query(
      `UPDATE bot_undelivered_results SET status = $2, finished_at = CASE WHEN $2 = 'waiting' THEN NULL ELSE now() END
        WHERE event_id = $1`,
      [eventId, status],
    );
  }

  /** At start: a send a crash interrupted may have gone out; it is never sent again (at most once). */
  async settleInterrupted(): Promise<number> {
    const { rowCount } = await this.pool.query(
      `UPDATE bot_undelivered_results SET status = 'unknown', finished_at = now() WHERE status = 'sending'`,
    );
    return rowCount ?? 0;
  }

  /** Results still waiting at `now` past their expiry. */
  async expired(now: Date, limit: number = UNDELIVERED_SWEEP_BATCH): Promise<KeptResult[]> {
    const { rows } = await this.pool.query<{
      event_id: string;
      user_id: string;
      session_id: string;
      stream: string;
      credits: number;
    }>(
      `SELECT event_id, user_id::text, session_id, stream, credits FROM bot_undelivered_results
        WHERE status = 'waiting' AND expires_at <= $1 ORDER BY expires_at LIMIT $2`,
      [now, limit],
    );
    return rows.map((r) => ({
      eventId: r.event_id,
      userId: r.user_id,
      sessionId: r.session_id,
      stream: r.stream,
      credits: r.credits,
    }));
  }
}

/** The credits the ledger really captured for this session's hold (none if the capture was lost). */
const capturedCredits = async (store: EventStore, result: KeptResult): Promise<number> => {
  const recent = await store.readStream(accountStream(result.userId), {
    direction: 'backwards',
    maxCount: CAPTURE_LOOKBACK_EVENTS,
  });
  const capture = recent.find(
    (e) => e.type === 'ReservationCaptured' && (e.data as ReservationCapturedData).reservationId === result.sessionId,
  );
  return capture ? (capture.data as ReservationCapturedData).credits : 0;
};

/**
 * Gives back the credits of results that waited past their expiry and marks them returned.
 * Safe to repeat: the adjustment id is the session's, so a second run adds nothing.
 */
export const returnExpiredResults = async (
  deps: { deliveries: Deliveries; store: EventStore; ledger: LedgerHandler; logger: Logger },
  now: Date = new Date(),
): Promise<number> => {
  let returned = 0;
  for (const result of await deps.deliveries.expired(now)) {
    const credits = await capturedCredits(deps.store, result);
    if (credits > 0) {
      const outcome = await deps.ledger(accountStream(result.userId), {
        type: 'AdjustCredits',
        adjustmentId: `undelivered-${result.sessionId}`,
        delta: credits,
        reason: UNDELIVERED_ADJUSTMENT_REASON,
        operator: ACTOR,
        occurredAt: now.toISOString(),
        metadata: { actor: ACTOR },
      });
      if (!outcome.ok) {
        const where = { userId: result.userId, sessionId: result.sessionId, rejection: outcome.rejection };
        deps.logger.error(where, 'undelivered result: credits not returned');
        continue;
      }
    }
    await deps.deliveries.finish(result.eventId, 'returned');
    returned++;
  }
  return returned;
};

/** Returns the credits of expired undelivered results every UNDELIVERED_SWEEP_INTERVAL_MS. */
export class UndeliveredSweeper {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly deps: Parameters<typeof returnExpiredResults>[0],
    private readonly intervalMs = UNDELIVERED_SWEEP_INTERVAL_MS,
  ) {}

  start(): void {
    this.timer = setInterval(() => {
      returnExpiredResults(this.deps).catch((error: unknown) =>
        this.deps.logger.error({ err: error }, 'undelivered results sweep failed; the next round tries again'),
      );
    }, this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}

/**
 * Whatever sends it (a handler's reply, the notifier), a call Telegram refuses with 403 for a
 * chat means the user blocked the bot: the chat is marked, so nothing more is sent until they
 * come back. The answer itself is passed on unchanged.
 */
export const markBlockedOn403 =
  (deliveries: Deliveries, logger: Logger): Transformer =>
  async (prev, method, payload, signal) => {
    const response = await prev(method, payload, signal);
    const chatId = (payload as { chat_id?: unknown } | undefined)?.chat_id;
    // Private chats only: their id is the user's (positive); the bot writes to no other.
    const privateChat = (typeof chatId === 'number' || typeof chatId === 'string') && Number(chatId) > 0;
    if (!response.ok && response.error_code === 403 && privateChat) {
      await deliveries
        .block(String(chatId))
        .catch((error: unknown) => logger.error({ err: error, chatId }, 'could not mark the chat blocked'));
    }
    return response;
  };
