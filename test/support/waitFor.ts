import type pg from 'pg';
import { readCheckpoint } from '../../projections/checkpoints.js';

/**
 * The one way a test waits: on a condition, with a deadline, never on a fixed sleep. A sleep is
 * too short on a busy machine (six suites on two cores) and too long everywhere else; a wait on
 * the condition is as fast as the system and fails with a message that says what never came.
 *
 * To show that something does NOT happen, wait for a positive signal that the system has had
 * its chance (a later event delivered, a checkpoint passed, a poll completed), then assert.
 */

/**
 * How long a wait lasts before it fails the test: far above any healthy wait, even with two suites
 * on a machine of two cores (a child process under tsx took over 20 s to start there), and well
 * below tap's 300 s per file, so a failure names what never came. Paid only when a test fails.
 */
export const WAIT_DEADLINE_MS = 60_000;
/** How often the condition is looked at again: most conditions are one cheap query. */
export const WAIT_POLL_MS = 10;

export interface WaitOptions {
  timeoutMs?: number | undefined;
  pollMs?: number | undefined;
}

/** A value that means "not yet". */
type NotYet = undefined | false | null;

/**
 * Polls `probe` until it returns something other than undefined, null or false, and returns
 * that. Throws `timed out after N ms waiting for <what>` at the deadline; an error the probe
 * throws (a failed projector, say) ends the wait at once.
 */
export const waitFor = async <T>(
  what: string,
  probe: () => T | NotYet | Promise<T | NotYet>,
  options: WaitOptions = {},
): Promise<Exclude<T, NotYet>> => {
  const timeoutMs = options.timeoutMs ?? WAIT_DEADLINE_MS;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== null && value !== false) return value as Exclude<T, NotYet>;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? WAIT_POLL_MS));
  }
};

/** What `projected` needs of a running projector: its checkpoint's name and whether it failed. */
interface Projector {
  readonly name: string;
  readonly state: string;
  readonly error?: Error | undefined;
}

/**
 * Waits until `runner`'s checkpoint reaches `position` (a failed runner ends the wait with its
 * error). With `orFailed`, a failed runner ends the wait quietly: for tests of the failure.
 */
export const projected = async (
  pool: pg.Pool,
  runner: Projector,
  position: number,
  options: WaitOptions & { orFailed?: boolean } = {},
): Promise<void> => {
  await waitFor(
    `projection ${runner.name} to reach position ${position}`,
    async () => {
      if (runner.state === 'failed') {
        if (options.orFailed) return true;
        throw runner.error ?? new Error(`projection ${runner.name} failed`);
      }
      return ((await readCheckpoint(pool, runner.name))?.position ?? 0) >= position;
    },
    options,
  );
};
