import type pg from 'pg';
import type { Update } from 'grammy/types';

/**
 * The update inbox (`telegram_updates`): every update is written here before Telegram gets its
 * answer, keyed by update_id, so a redelivered update is recognised and dropped, and an update
 * acknowledged but not handled before a crash is handled after the restart.
 */

/** Handled updates are kept this long to recognise redeliveries (Telegram keeps its own 24 h). */
export const HANDLED_RETENTION_SECONDS = 7 * 24 * 60 * 60;
/** A handler that failed this many times on one update gives it up (logged, kept in the table). */
export const MAX_UPDATE_ATTEMPTS = 3;
/** Pending updates loaded per recovery round. */
export const RECOVERY_BATCH = 500;
/** Longest error text kept per update. */
const ERROR_MAX_CHARS = 2_000;

export interface InboxEntry {
  update: Update;
  chatKey: string;
  attempts: number;
  /** When it was recorded: an album's part is held back until its album has had time to arrive. */
  receivedAt: Date;
}

/**
 * The key updates are ordered by: the chat, or for updates without one (inline queries,
 * pre-checkout queries) the user. Private chats have the user's id as their id, so a user's
 * messages and payments share one queue.
 */
export const chatKeyOf = (update: Update): string => {
  const message =
    update.message ??
    update.edited_message ??
    update.channel_post ??
    update.edited_channel_post ??
    update.business_message ??
    update.callback_query?.message;
  if (message) return String(message.chat.id);
  const from =
    update.callback_query?.from ??
    update.pre_checkout_query?.from ??
    update.shipping_query?.from ??
    update.inline_query?.from ??
    update.chosen_inline_result?.from ??
    update.my_chat_member?.chat ??
    update.chat_member?.chat ??
    update.chat_join_request?.chat;
  return from ? String(from.id) : 'global';
};

export class UpdateInbox {
  constructor(private readonly pool: pg.Pool) {}

  /** Writes the update down; `duplicate` when this update_id was recorded before. */
  async record(update: Update): Promise<'new' | 'duplicate'> {
    if (!Number.isSafeInteger(update.update_id) || update.update_id < 0)
      throw new RangeError('update_id must be a non-negative integer');
    const { rowCount } = await this.pool.query(
      `INSERT INTO telegram_updates (update_id, chat_key, payload) VALUES ($1, $2, $3)
       ON CONFLICT (update_id) DO NOTHING`,
      [update.update_id, chatKeyOf(update), JSON.stringify(update)],
    );
    return rowCount === 1 ? 'new' : 'duplicate';
  }

  /** Updates recorded and not handled yet, oldest first. */
  async pending(limit: number = RECOVERY_BATCH): Promise<InboxEntry[]> {
    const { rows } = await this.pool.query<{ payload: Update; chat_key: string; attempts: number; received_at: Date }>(
      `SELECT payload, chat_key, attempts, received_at FROM telegram_updates
        WHERE handled_at IS NULL ORDER BY update_id LIMIT $1`,
      [limit],
    );
    return rows.map((r) => ({
      update: r.payload,
      chatKey: r.chat_key,
      attempts: r.attempts,
      receivedAt: r.received_at,
    }));
  }

  async markHandled(updateId: number): Promise<void> {
    await this.pool.query(
      'UPDATE telegram_updates SET handled_at = now(), attempts = attempts + 1 WHERE update_id = $1',
      [updateId],
    );
  }

  /**
   * Counts a failed attempt; once MAX_UPDATE_ATTEMPTS is reached the update is given up (marked
   * handled with its error) so one poisoned update cannot block its chat forever.
   * `giveUp` ends it at once (Telegram refused a call: trying again would not change that).
   * Returns whether it was given up.
   */
  async markFailed(updateId: number, error: string, options: { giveUp?: boolean } = {}): Promise<boolean> {
    const { rows } = await this.pool.query<{ given_up: boolean }>(
      `UPDATE telegram_updates
          SET attempts = attempts + 1, last_error = $2,
              handled_at = CASE WHEN $4 OR attempts + 1 >= $3 THEN now() END
        WHERE update_id = $1
        RETURNING handled_at IS NOT NULL AS given_up`,
      [updateId, error.slice(0, ERROR_MAX_CHARS), MAX_UPDATE_ATTEMPTS, options.giveUp ?? false],
    );
    return rows[0]?.given_up ?? false;
  }

  /** Deletes handled updates older than the retention, and albums answered as long ago; returns how many updates. */
  async prune(retentionSeconds: number = HANDLED_RETENTION_SECONDS): Promise<number> {
    const { rowCount } = await this.pool.query(
      `DELETE FROM telegram_updates WHERE handled_at < now() - make_interval(secs => $1)`,
      [retentionSeconds],
    );
    await this.pool.query('DELETE FROM bot_albums WHERE claimed_at < now() - make_interval(secs => $1)', [
      retentionSeconds,
    ]);
    return rowCount ?? 0;
  }
}
