import type pg from 'pg';

/**
 * Each user's conversation pointer (`bot_chats`): the language they chose, the flow they are in
 * and its session id, and the choices made so far that are not facts yet. The state of a flow
 * itself is its session stream; this row only says which session the next message belongs to.
 */

export const LANGUAGES = ['en', 'ru'] as const;
export type Language = (typeof LANGUAGES)[number];

export const FLOWS = ['menu', 'tryon', 'stylist'] as const;
export type Flow = (typeof FLOWS)[number];

/** The stylist's choices before they are submitted together. */
export interface Draft {
  style?: string;
  occasion?: string;
}

export interface ChatState {
  userId: string;
  language: Language | null;
  flow: Flow;
  sessionId: string | null;
  draft: Draft;
  lastPosition: number;
  lastActivityAt: Date;
  /** False until the first save: the user has never talked to the bot. */
  known: boolean;
}

interface Row {
  user_id: string | number;
  language: Language | null;
  flow: Flow;
  session_id: string | null;
  draft: Draft;
  last_position: number;
  last_activity_at: Date;
}

const fromRow = (r: Row): ChatState => ({
  userId: String(r.user_id),
  language: r.language,
  flow: r.flow,
  sessionId: r.session_id,
  draft: r.draft,
  lastPosition: r.last_position,
  lastActivityAt: r.last_activity_at,
  known: true,
});

const COLUMNS = 'user_id, language, flow, session_id, draft, last_position, last_activity_at';

export class ChatStateStore {
  constructor(private readonly pool: pg.Pool) {}

  async load(userId: string): Promise<ChatState> {
    const { rows } = await this.pool.query<Row>(`SELECT ${COLUMNS} FROM bot_chats WHERE user_id = $1`, [userId]);
    const row = rows[0];
    return row
      ? fromRow(row)
      : {
          userId,
          language: null,
          flow: 'menu',
          sessionId: null,
          draft: {},
          lastPosition: 0,
          lastActivityAt: new Date(0),
          known: false,
        };
  }

  /**
   * Marks the user active now (the 30-minute idle clock restarts), creating the row if needed,
   * and keeps the language Telegram reports for messages sent outside an update.
   */
  async touch(userId: string, at: Date, telegramLanguage?: Language): Promise<void> {
    await this.pool.query(
      `INSERT INTO bot_chats (user_id, last_activity_at, telegram_language) VALUES ($1, $2, $3)
       ON CONFLICT (user_id) DO UPDATE SET
         last_activity_at = GREATEST(bot_chats.last_activity_at, EXCLUDED.last_activity_at),
         telegram_language = COALESCE(EXCLUDED.telegram_language, bot_chats.telegram_language)`,
      [userId, at, telegramLanguage ?? null],
    );
  }

  /** The language to write to the user in: chosen, else Telegram's, else undefined. */
  async languageFor(userId: string): Promise<Language | undefined> {
    const { rows } = await this.pool.query<{ language: Language | null }>(
      'SELECT COALESCE(language, telegram_language) AS language FROM bot_chats WHERE user_id = $1',
      [userId],
    );
    return rows[0]?.language ?? undefined;
  }

  /** Back to the menu for whichever chat still points at `sessionId`; returns its user. */
  async leaveSession(sessionId: string): Promise<string | undefined> {
    const { rows } = await this.pool.query<{ user_id: string }>(
      `UPDATE bot_chats SET flow = 'menu', session_id = NULL, draft = '{}'::jsonb
        WHERE session_id = $1 RETURNING user_id::text`,
      [sessionId],
    );
    return rows[0]?.user_id;
  }

  async setLanguage(userId: string, language: Language): Promise<void> {
    await this.pool.query(
      `INSERT INTO bot_chats (user_id, language) VALUES ($1, $2)
       ON CONFLICT (user_id) DO UPDATE SET language = EXCLUDED.language`,
      [userId, language],
    );
  }

  /** Points the chat at a new session of `flow`, with an empty draft, and lists the session. */
  async enterFlow(userId: string, flow: Exclude<Flow, 'menu'>, sessionId: string): Promise<void> {
    await this.pool.query(
      `WITH listed AS (
         INSERT INTO bot_sessions (session_id, user_id, flow) VALUES ($3, $1, $2) ON CONFLICT DO NOTHING
       )
       INSERT INTO bot_chats (user_id, flow, session_id) VALUES ($1, $2, $3)
       ON CONFLICT (user_id) DO UPDATE SET flow = EXCLUDED.flow, session_id = EXCLUDED.session_id, draft = '{}'::jsonb`,
      [userId, flow, sessionId],
    );
  }

  /** Every session the user started from the bot. */
  async sessionIds(userId: string): Promise<string[]> {
    const { rows } = await this.pool.query<{ session_id: string }>(
      'SELECT session_id FROM bot_sessions WHERE user_id = $1 ORDER BY started_at',
      [userId],
    );
    return rows.map((r) => r.session_id);
  }

  /**
   * Back to the menu, only if the chat still points at `sessionId` (when given): the bot and the
   * notifier may both end a session, and only the one that resets the row tells the user.
   * Returns whether this call reset it.
   */
  async leaveFlow(userId: string, sessionId?: string): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `UPDATE bot_chats SET flow = 'menu', session_id = NULL, draft = '{}'::jsonb
        WHERE user_id = $1 AND flow <> 'menu' AND ($2::uuid IS NULL OR session_id = $2::uuid)`,
      [userId, sessionId ?? null],
    );
    return rowCount === 1;
  }

  async setDraft(userId: string, draft: Draft): Promise<void> {
    await this.pool.query('UPDATE bot_chats SET draft = $2 WHERE user_id = $1', [userId, JSON.stringify(draft)]);
  }

  /** Remembers that the user's own action reached `position` (never moves backwards). */
  async notePosition(userId: string, position: number): Promise<void> {
    await this.pool.query(
      `INSERT INTO bot_chats (user_id, last_position) VALUES ($1, $2)
       ON CONFLICT (user_id) DO UPDATE SET last_position = GREATEST(bot_chats.last_position, EXCLUDED.last_position)`,
      [userId, position],
    );
  }
}
