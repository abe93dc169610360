/** How often a waiting test looks at its condition again, ms. */
export const WAIT_POLL_MS = 20;
/** The longest a test waits for work done on another schedule (a projector, a worker), ms. */
export const WAIT_DEFAULT_MS = 15_000;

/** Waits until `check` holds, looking again every WAIT_POLL_MS; throws past the deadline. Never a fixed sleep. */
export const waitFor = async (check: () => Promise<boolean> | boolean, timeoutMs = WAIT_DEFAULT_MS): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not true within ${timeoutMs} ms: ${check.toString().slice(0, 200)}`);
    await new Promise((resolve) => setTimeout(resolve, WAIT_POLL_MS));
  }
};
