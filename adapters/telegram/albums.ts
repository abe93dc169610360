import type { Message } from 'grammy/types';
import type pg from 'pg';

/**
 * Albums (photos sent together share a `media_group_id`) are taken as a whole: Telegram sends
 * each photo as its own update, in any order. The update processor holds an album's parts for
 * ALBUM_COLLECT_WINDOW_MS after they arrive, so by the time the first part is handled every
 * part is in the update inbox (`telegram_updates`): that is where they are read from, ordered
 * by message_id (the order the user put them in). The first part handled claims the album in
 * `bot_albums` and answers for all of it; the others are dropped. All of it is in PostgreSQL,
 * so a restart between two parts loses nothing.
 */

/**
 * How long an album's part waits before it is handled, from its arrival. Telegram sends the
 * parts of an album within milliseconds of each other; a second leaves room for a slow network.
 */
export const ALBUM_COLLECT_WINDOW_MS = 1_000;
/** Telegram's limit on the items of one album. */
export const ALBUM_MAX_PARTS = 10;

/** What the album gate decided for one part. */
export type AlbumClaim =
  /** This update answers for the album: its parts, in album order. */
  | { kind: 'owner'; parts: Message[] }
  /** Another part answered for it already. */
  | { kind: 'taken' }
  /** Came after its album was answered: a photo on its own. */
  | { kind: 'late' };

export class AlbumStore {
  constructor(private readonly pool: pg.Pool) {}

  /** Claims the album of `message` for `updateId`, or says who has it. */
  async claim(chatKey: string, updateId: number, message: Message & { media_group_id: string }): Promise<AlbumClaim> {
    const groupId = message.media_group_id;
    const parts = await this.parts(chatKey, groupId, message);
    const ids = parts.map((p) => p.message_id);
    const { rows } = await this.pool.query<{ owner_update_id: string; message_ids: string[] }>(
      `WITH claimed AS (
         INSERT INTO bot_albums (chat_key, media_group_id, owner_update_id, message_ids) VALUES ($1, $2, $3, $4)
         ON CONFLICT DO NOTHING RETURNING owner_update_id, message_ids
       )
       SELECT owner_update_id, message_ids FROM claimed
       UNION ALL
       SELECT owner_update_id, message_ids FROM bot_albums WHERE chat_key = $1 AND media_group_id = $2
       LIMIT 1`,
      [chatKey, groupId, updateId, ids],
    );
    const row = rows[0];
    if (!row) throw new Error(`album ${groupId} neither claimed nor found`);
    const taken = row.message_ids.map(Number);
    // The same update again (a retry after a failure): it still answers for the parts it took.
    if (Number(row.owner_update_id) === updateId) {
      return { kind: 'owner', parts: parts.filter((p) => taken.includes(p.message_id)) };
    }
    return taken.includes(message.message_id) ? { kind: 'taken' } : { kind: 'late' };
  }

  /** The album's parts in the inbox, by message_id; `current` is among them even if not recorded. */
  private async parts(chatKey: string, groupId: string, current: Message): Promise<Message[]> {
    const { rows } = await this.pool.query<{ message: Message }>(
      `SELECT payload->'message' AS message FROM telegram_updates
        WHERE chat_key = $1 AND payload->'message' ? 'media_group_id' AND payload->'message'->>'media_group_id' = $2
        ORDER BY (payload->'message'->>'message_id')::bigint LIMIT $3`,
      [chatKey, groupId, ALBUM_MAX_PARTS],
    );
    const byId = new Map(rows.map((r) => [r.message.message_id, r.message]));
    byId.set(current.message_id, current);
    return [...byId.values()].sort((a, b) => a.message_id - b.message_id);
  }
}
