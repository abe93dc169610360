import { createHash, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import { HttpError } from '../errors.js';

/**
 * Idempotency keys of the service API, in `api_idempotency_keys` (schema/007, schema/010). A key
 * is a client's promise that requests carrying it are the same request. The key is claimed
 * before the command runs (a row `in_progress`, unique per scope and key), so requests racing
 * with one key run the command once: the others wait for its answer and replay it (same body),
 * or are refused at once (another body). A key belongs for good to the first body it was
 * claimed with, so no other body can ever run under it (a key once shared by two users
 * moved the credits of one whose every request was answered 422).
 *
 * Scope: the route. The service API has one caller (the bearer of INTERNAL_API_TOKEN, the bot's
 * backend), so route and caller are the same thing; the user is in the body, so a key reused
 * for another user is another body: 422, and nothing runs for it.
 */

/** `Idempotency-Key` values: printable ASCII without spaces, like Stripe's (at most 255). */
export const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

/**
 * How long a claim is its request's. A process that died mid-command loses the key after this,
 * and a retry with the same body runs the command again: the ledger ids made from the key keep
 * that exactly-once. Below a charge's hold lifetime (60 s) so a charge retried after a crash
 * still finds its hold open; far above the time a command takes (milliseconds).
 */
export const IDEMPOTENCY_LEASE_MS = 30_000;
/** How long a request waits for another with its key to finish before answering 409 (retry later). */
export const IDEMPOTENCY_WAIT_MS = 5_000;
/** How often a waiting request looks at the key again. */
export const IDEMPOTENCY_POLL_INTERVAL_MS = 20;

export interface IdempotencyLimits {
  leaseMs: number;
  waitMs: number;
  pollIntervalMs: number;
}

export const DEFAULT_IDEMPOTENCY_LIMITS: IdempotencyLimits = {
  leaseMs: IDEMPOTENCY_LEASE_MS,
  waitMs: IDEMPOTENCY_WAIT_MS,
  pollIntervalMs: IDEMPOTENCY_POLL_INTERVAL_MS,
};

export interface StoredAnswer {
  requestHash: string;
  statusCode: number;
  response: unknown;
}

/** What a request with a key may do: run the command, replay the answer, or neither. */
export type Claim =
  | { kind: 'claimed'; claimId: string }
  | { kind: 'replay'; answer: StoredAnswer }
  /** The key was claimed with another body. */
  | { kind: 'reused' }
  /** Another request with this key and body is still running. */
  | { kind: 'in_progress' };

/** JSON with object keys sorted, so the same body hashes the same whatever its key order. */
const canonical = (value: unknown): string => {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
};

export const requestHash = (body: unknown): string => createHash('sha256').update(canonical(body)).digest('hex');

type Queryable = Pick<pg.Pool, 'query'>;
interface KeyRow {
  request_hash: string;
  state: 'in_progress' | 'done';
  status_code: number | null;
  response: unknown;
}

/** The answer of a `done` row (the schema makes its status and response present). */
const answerOf = (row: KeyRow): StoredAnswer => ({
  requestHash: row.request_hash,
  statusCode: row.status_code!,
  response: row.response,
});

const readKey = async (db: Queryable, scope: string, key: string): Promise<KeyRow | undefined> =>
  (
    await db.query<KeyRow>(
      `SELECT request_hash, state, status_code, response FROM api_idempotency_keys
      WHERE scope = $1 AND idempotency_key = $2`,
      [scope, key],
    )
  ).rows[0];

/**
 * One attempt at the claim: a new key is inserted as ours; a key whose claim ran out (its
 * request died) is taken over, but only by the same body.
 */
const tryClaim = async (
  db: Queryable,
  scope: string,
  key: string,
  hash: string,
  leaseMs: number,
): Promise<Claim | undefined> => {
  const claimId = randomUUID();
  const claimed = await db.query(
    `INSERT INTO api_idempotency_keys (scope, idempotency_key, request_hash, state, claim_id, lease_until)
     VALUES ($1, $2, $3, 'in_progress', $4, now() + make_interval(secs => $5::double precision / 1000))
     ON CONFLICT (scope, idempotency_key) DO UPDATE
        SET claim_id = EXCLUDED.claim_id, lease_until = EXCLUDED.lease_until
      WHERE api_idempotency_keys.state = 'in_progress' AND api_idempotency_keys.lease_until <= now()
        AND api_idempotency_keys.request_hash = EXCLUDED.request_hash`,
    [scope, key, hash, claimId, leaseMs],
  );
  if (claimed.rowCount === 1) return { kind: 'claimed', claimId };
  const row = await readKey(db, scope, key);
  if (!row) return undefined;
  if (row.request_hash !== hash) return { kind: 'reused' };
  if (row.state === 'done') return { kind: 'replay', answer: answerOf(row) };
  return undefined;
};

/** Claims the key, waiting (bounded) while another request with the same body holds it. */
export const claimKey = async (
  db: Queryable,
  scope: string,
  key: string,
  hash: string,
  limits: IdempotencyLimits = DEFAULT_IDEMPOTENCY_LIMITS,
): Promise<Claim> => {
  const deadline = Date.now() + limits.waitMs;
  for (;;) {
    const claim = await tryClaim(db, scope, key, hash, limits.leaseMs);
    if (claim) return claim;
    if (Date.now() >= deadline) return { kind: 'in_progress' };
    await sleep(limits.pollIntervalMs);
  }
};

/**
 * Stores the answer of a claimed key. If the claim was lost (its lease ran out and a retry took
 * the key over, which then answered first), that stored answer is the key's answer.
 */
export const finishKey = async (
  db: Queryable,
  scope: string,
  key: string,
  claimId: string,
  answer: StoredAnswer,
): Promise<StoredAnswer> => {
  const stored = await db.query(
    `UPDATE api_idempotency_keys SET state = 'done', status_code = $4, response = $5, lease_until = NULL
      WHERE scope = $1 AND idempotency_key = $2 AND claim_id = $3 AND state = 'in_progress'`,
    [scope, key, claimId, answer.statusCode, JSON.stringify(answer.response)],
  );
  if (stored.rowCount === 1) return answer;
  const row = await readKey(db, scope, key);
  return row?.state === 'done' ? answerOf(row) : answer;
};

/**
 * Gives the claim up without an answer: the same body may run again at once. The key stays
 * bound to this body (another body is still refused): the command may have half run (a
 * charge's hold taken, its capture not), and only the same body finishes that.
 */
export const releaseKey = async (db: Queryable, scope: string, key: string, claimId: string): Promise<void> => {
  await db.query(
    `UPDATE api_idempotency_keys SET lease_until = now()
      WHERE scope = $1 AND idempotency_key = $2 AND claim_id = $3 AND state = 'in_progress'`,
    [scope, key, claimId],
  );
};

/** What a keyed command answered; `keep: false` for a refusal a retry may not meet (no credits yet). */
export interface KeyedOutcome {
  statusCode: number;
  response: unknown;
  keep: boolean;
}

/**
 * Runs `command` once per key: claim, run, store. Throws the registered 422 (another body) or
 * 409 (still running: retry). A command that throws, or whose answer is not kept, releases the
 * claim, so a retry with the same body runs it again (the ledger makes a rerun harmless).
 */
export const runOncePerKey = async (
  db: Queryable,
  request: { scope: string; key: string; body: unknown },
  command: () => Promise<KeyedOutcome>,
  limits: IdempotencyLimits = DEFAULT_IDEMPOTENCY_LIMITS,
): Promise<{ statusCode: number; response: unknown; replayed: boolean }> => {
  const { scope, key } = request;
  const hash = requestHash(request.body);
  const claim = await claimKey(db, scope, key, hash, limits);
  switch (claim.kind) {
    case 'reused':
      throw new HttpError('idempotency_key_reused', 'this Idempotency-Key was used with another body');
    case 'in_progress':
      throw new HttpError(
        'idempotency_key_in_progress',
        'a request with this Idempotency-Key is still running; retry with the same key',
      );
    case 'replay':
      return { statusCode: claim.answer.statusCode, response: claim.answer.response, replayed: true };
    case 'claimed':
      break;
    default: {
      const _exhaustive: never = claim;
      throw new Error(`unknown claim ${JSON.stringify(_exhaustive)}`);
    }
  }
  let outcome: KeyedOutcome;
  try {
    outcome = await command();
  } catch (error) {
    // If the release fails too, the lease runs out instead; the command's own error is the news.
    await releaseKey(db, scope, key, claim.claimId).catch(() => undefined);
    throw error;
  }
  if (!outcome.keep) {
    await releaseKey(db, scope, key, claim.claimId);
    return { statusCode: outcome.statusCode, response: outcome.response, replayed: false };
  }
  const mine: StoredAnswer = { requestHash: hash, statusCode: outcome.statusCode, response: outcome.response };
  const kept = await finishKey(db, scope, key, claim.claimId, mine);
  return { statusCode: kept.statusCode, response: kept.response, replayed: kept !== mine };
};
