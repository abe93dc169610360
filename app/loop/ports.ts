/**
 * What the durable loop needs from the outside world. The loop lives in app/ and does no IO of
 * its own: the lease store (PostgreSQL in adapters/postgres) and the metrics (prom-client in
 * adapters/http) are ports, wired in by the composition root.
 */

/**
 * The right to run one named loop, held by one instance at a time across every process. The
 * generation grows by one at every change of holder: it is the fencing token. A write that
 * must not land once the lease is lost checks it in its own transaction (see `LeaseStore`).
 */
export interface Lease {
  readonly name: string;
  readonly holder: string;
  readonly generation: number;
}

export interface LeaseStore {
  /**
   * Takes the lease of `name` for `holder` when no one holds it or its holder's lease has
   * expired (a new generation); undefined while someone else holds it. Expiry is judged by the
   * store's clock, so the clocks of the processes need not agree.
   */
  acquire(name: string, holder: string, ttlMs: number): Promise<Lease | undefined>;
  /** Extends a lease still held at its generation; false once someone else took it over. */
  renew(lease: Lease, ttlMs: number): Promise<boolean>;
  /** Gives the lease up at once (a standby takes it without waiting for the expiry). */
  release(lease: Lease): Promise<void>;
}

/** How a step ended, as metrics count it: a closed set of label values. */
export type StepOutcome = 'more' | 'idle' | 'failed' | 'fenced';

export interface LoopMetrics {
  stepEnded(loop: string, outcome: StepOutcome, durationMs: number): void;
  leaseHeld(loop: string, held: boolean): void;
}

export const noMetrics: LoopMetrics = { stepEnded: () => undefined, leaseHeld: () => undefined };
