/**
 * The one backoff of the code base: how long to wait before attempt `attempt + 1` after
 * `attempt` failures in a row. Exponential from `baseMs`, capped at `ceilingMs`, jittered so
 * that many waiters who failed together do not come back together.
 *
 * Pure: the random draw arrives as an argument (a number in [0, 1)), as time does in the
 * deciders, so a test can pin it and a caller outside core/ passes `Math.random()`.
 */

/**
 * - `full`: anywhere in [0, cap): spreads colliding writers the most (AWS "full jitter").
 * - `equal`: in [cap/2, cap): never much shorter than the exponential step, still spread.
 * - `none`: exactly the exponential step.
 */
export type Jitter = 'full' | 'equal' | 'none';

export interface BackoffPolicy {
  /** Wait after the first failure (before jitter), ms. */
  readonly baseMs: number;
  /** Longest wait, whatever the number of failures, ms. */
  readonly ceilingMs: number;
  readonly jitter: Jitter;
}

/** Doublings beyond this change nothing (2^30 × any base is past every ceiling) and keep 2^n finite. */
export const BACKOFF_MAX_DOUBLINGS = 30;

/** The un-jittered step for `attempt` (1 = after the first failure), within [baseMs, ceilingMs]. */
export const backoffCapMs = (attempt: number, policy: BackoffPolicy): number => {
  const doublings = Math.min(Math.max(0, Math.floor(attempt) - 1), BACKOFF_MAX_DOUBLINGS);
  return Math.min(policy.ceilingMs, policy.baseMs * 2 ** doublings);
};

/**
 * The wait before the next attempt, whole ms. `random` is a draw in [0, 1); a value outside is
 * clamped into it, so the result always stays within [0, ceilingMs].
 */
export const backoffMs = (attempt: number, policy: BackoffPolicy, random: number): number => {
  const cap = backoffCapMs(attempt, policy);
  const r = Math.min(Math.max(random, 0), 1);
  switch (policy.jitter) {
    case 'full':
      return Math.floor(cap * r);
    case 'equal':
      return Math.floor(cap / 2 + (cap / 2) * r);
    case 'none':
      return cap;
    default: {
      const _exhaustive: never = policy.jitter;
      throw new Error(`unknown jitter ${String(_exhaustive)}`);
    }
  }
};
