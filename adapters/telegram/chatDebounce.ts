import type pg from 'pg';

/**
 * One answer per intent: a burst of identical taps (five quick presses of "Virtual
 * try-on") is acted on once, and the same prompt is not sent twice in a row within a short
 * window (a flood of photos gets one "rate, try again or menu?"). The memory is the chat's row
 * in `bot_chats` (schema/011), so it holds across the webhook and polling transports and a
 * restart; time is when the update reached us (the inbox's `received_at`), so a backlog worked
 * off after a restart is judged by when the user acted, not by when we got to it.
 */

/** Identical taps closer than this to the previous one (of the same chat) are one intent. */
export const ACTION_REPEAT_WINDOW_MS = 2_000;
/** The same prompt is not repeated in a row within this window of the previous attempt. */
export const PROMPT_REPEAT_WINDOW_MS = 15_000;

/**
 * Claims `value` as the chat's latest `kind` (action or prompt) for update `updateId`. A repeat
 * (same value, another update, within the window of the last one) is refused, and moves the
 * window on: a steady flood stays one intent. The same update asking again (a retried update)
 * is not a repeat of itself.
 */
const claimSql = (kind: 'action' | 'prompt'): string => `
  WITH previous AS (
    SELECT last_${kind} AS value, last_${kind}_at AS at, last_${kind}_update_id AS update_id
      FROM bot_chats WHERE user_id = $1 FOR UPDATE
  ), arrived AS (
    SELECT COALESCE((SELECT received_at FROM telegram_updates WHERE update_id = $3::bigint), now()) AS at
  ), decided AS (
    SELECT arrived.at, COALESCE((
      SELECT previous.value = $2::text AND previous.update_id <> $3::bigint
             AND arrived.at - previous.at < make_interval(secs => $4::float8 / 1000)
        FROM previous), false) AS repeat
      FROM arrived
  )
  UPDATE bot_chats SET
    last_${kind} = $2::text,
    last_${kind}_at = decided.at,
    last_${kind}_update_id = CASE WHEN decided.repeat THEN bot_chats.last_${kind}_update_id ELSE $3::bigint END
  FROM decided
  WHERE bot_chats.user_id = $1
  RETURNING decided.repeat`;

const CLAIM_ACTION = claimSql('action');
const CLAIM_PROMPT = claimSql('prompt');

export class ChatDebounce {
  constructor(private readonly pool: pg.Pool) {}

  /** Whether to act on this tap or command; false for a quick repeat of the last one. */
  async claimAction(
    userId: string,
    action: string,
    updateId: number,
    windowMs = ACTION_REPEAT_WINDOW_MS,
  ): Promise<boolean> {
    return this.claim(CLAIM_ACTION, userId, action, updateId, windowMs);
  }

  /** Whether to send this prompt; false when it would repeat the last message sent to the chat. */
  async claimPrompt(
    userId: string,
    prompt: string,
    updateId: number,
    windowMs = PROMPT_REPEAT_WINDOW_MS,
  ): Promise<boolean> {
    return this.claim(CLAIM_PROMPT, userId, prompt, updateId, windowMs);
  }

  /** Another message went to the chat: the next prompt is no longer a repeat. */
  async clearPrompt(userId: string): Promise<void> {
    await this.pool.query('UPDATE bot_chats SET last_prompt = NULL WHERE user_id = $1 AND last_prompt IS NOT NULL', [
      userId,
    ]);
  }

  private async claim(
    sql: string,
    userId: string,
    value: string,
    updateId: number,
    windowMs: number,
  ): Promise<boolean> {
    const { rows } = await this.pool.query<{ repeat: boolean }>(sql, [userId, value, updateId, windowMs]);
    // No row yet (the chat was never seen): nothing to repeat.
    return rows[0]?.repeat !== true;
  }
}
