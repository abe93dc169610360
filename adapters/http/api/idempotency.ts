import { createHash } from 'node:crypto';
import type pg from 'pg';

/**
 * Idempotency keys of the service API, in `api_idempotency_keys` (schema/007). A key is a
 * client's promise that requests carrying it are the same request: the first answer is kept and
 * replayed; another body under the same key is a client bug and is refused.
 */

/** `Idempotency-Key` values: printable ASCII without spaces, like Stripe's (at most 255). */
export const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

export interface StoredAnswer {
  requestHash: string;
  statusCode: number;
  response: unknown;
}

/** JSON with object keys sorted, so the same body hashes the same whatever its key order. */
const canonical = (value: unknown): string => {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
};

export const requestHash = (body: unknown): string => createHash('sha256').update(canonical(body)).digest('hex');

type Queryable = Pick<pg.Pool, 'query'>;

export const findAnswer = async (db: Queryable, scope: string, key: string): Promise<StoredAnswer | undefined> => {
  const result = await db.query<{ request_hash: string; status_code: number; response: unknown }>(
    'SELECT request_hash, status_code, response FROM api_idempotency_keys WHERE scope = $1 AND idempotency_key = $2', [scope, key]);
  const row = result.rows[0];
  return row && { requestHash: row.request_hash, statusCode: row.status_code, response: row.response };
};

/**
 * Keeps the first answer for a key. Two requests racing with one key both ran the same
 * idempotent command; whichever stores first wins, and the other's answer is that one.
 */
export const storeAnswer = async (db: Queryable, scope: string, key: string, answer: StoredAnswer): Promise<StoredAnswer> => {
  const inserted = await db.query(
    `INSERT INTO api_idempotency_keys (scope, idempotency_key, request_hash, status_code, response)
     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (scope, idempotency_key) DO NOTHING`,
    [scope, key, answer.requestHash, answer.statusCode, JSON.stringify(answer.response)]);
  if (inserted.rowCount === 1) return answer;
  return (await findAnswer(db, scope, key)) ?? answer;
};
