import type pg from 'pg';
import type { SessionLocator } from '../../app/reports/timeline.js';

/**
 * Session ids of a user from the `fashion_sessions` read table. Only a pointer to streams: the
 * timeline reads the events themselves, and also finds every session that reserved credits from
 * the account stream, so a projection that lags only hides sessions that never reached a hold.
 */
export const fashionSessionLocator =
  (pool: Pick<pg.Pool, 'query'>): SessionLocator =>
  async (userId) => {
    const result = await pool.query<{ id: string; session_type: 'tryon' | 'styling' }>(
      'SELECT id, session_type FROM fashion_sessions WHERE user_id = $1 ORDER BY created_at',
      [userId],
    );
    return result.rows.map((r) => ({ kind: r.session_type, sessionId: r.id }));
  };
