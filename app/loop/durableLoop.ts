import { silentLogger, type Logger } from '../../projections/logger.js';
import { backoffMs, type BackoffPolicy } from '../../core/backoff/index.js';
import { LeaseLost } from './errors.js';
import { noMetrics, type Lease, type LeaseStore, type LoopMetrics } from './ports.js';

/** Backoff after failed steps unless a loop says otherwise: 100 ms doubling to 30 s, jittered. */
export const LOOP_BACKOFF: BackoffPolicy = { baseMs: 100, ceilingMs: 30_000, jitter: 'equal' };
/**
 * How long a lease is good for without a renewal, ms. A live holder renews it every third of
 * that, so this only bounds how long a crashed holder's loop stays stopped before a standby
 * takes it over.
 */
export const LEASE_TTL_MS = 15_000;
/** How often a standby tries to take the lease over, ms. */
export const STANDBY_RETRY_MS = 1_000;
/** How long stop() waits for a running step to finish before it gives up on it, ms. */
export const STOP_GRACE_MS = 10_000;

export interface StepContext<C> {
  /** The lease this step runs under: the fenced write checks it. Undefined for a loop without one. */
  readonly lease: Lease | undefined;
  /** Where the loop stands: loaded when the lease was taken, then what the last step returned. */
  readonly checkpoint: C | undefined;
  /** Aborted when stop() was asked: end the step soon, at a point where it is whole. */
  readonly stopping: AbortSignal;
  /** Aborted when the lease was lost or stop's grace ran out: give up now, nothing will commit. */
  readonly signal: AbortSignal;
}

/** `more`: work is waiting, run again at once (else the loop pauses `idleMs`). */
export interface StepResult<C> {
  more?: boolean;
  checkpoint?: C;
}

export interface LoopOptions<C> {
  name: string;
  step: (ctx: StepContext<C>) => Promise<StepResult<C> | void>;
  /** Pause after a step that found nothing to do (a scheduled loop: its interval), ms. */
  idleMs: number;
  /** Pause before the first step, ms; default none. */
  initialDelayMs?: number;
  backoff?: BackoffPolicy;
  /** Only one holder across every process runs the loop; without it every instance runs it. */
  lease?: { store: LeaseStore; ttlMs?: number; standbyRetryMs?: number; holder?: string };
  /** Read when the lease is taken (the last holder may have moved it); the step writes it. */
  checkpoint?: { load: () => Promise<C> };
  metrics?: LoopMetrics;
  logger?: Logger;
  stopGraceMs?: number;
  /** A draw in [0, 1) for the backoff's jitter; default Math.random. */
  random?: () => number;
  /** Lists the loop in /health while it runs. */
  registry?: LoopRegistry;
}

export type LoopState = 'stopped' | 'standby' | 'running' | 'backoff';

/** One loop's entry in /health. */
export interface LoopHealth {
  name: string;
  state: LoopState;
  holder?: string;
  generation?: number;
  steps: number;
  consecutiveFailures: number;
  /** The pause before the next try, while in `backoff`, ms. */
  retryInMs?: number;
  lastError?: string;
  lastStepAt?: string;
}

/** Ends after `ms`, or at once when `signal` aborts or `wake` is called. */
const pause = (ms: number, signal: AbortSignal, wakers: Set<() => void>): Promise<void> =>
  new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      wakers.delete(done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done);
    wakers.add(done);
  });

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/**
 * The one durable loop every background job runs on: a named loop that, when given a lease
 * store, runs in one instance across every process (the others stand by and take over when
 * the holder's lease expires or is released); steps one unit of work at a time; backs off with
 * jitter up to a ceiling after failures; keeps a checkpoint; reports metrics and a health
 * entry; and stops gracefully, waiting for a running step (bounded by `stopGraceMs`).
 *
 * A lease alone cannot stop a paused holder from writing after it lost the lease; the step's
 * own write is fenced by the lease's generation (adapters/postgres/leaseStore.ts), and a
 * `LeaseLost` thrown from it sends the loop back to standby.
 */
export class DurableLoop<C = never> {
  readonly name: string;
  private readonly logger: Logger;
  private readonly metrics: LoopMetrics;
  private readonly holder: string;
  private readonly stopping = new AbortController();
  private readonly wakers = new Set<() => void>();
  private lease: Lease | undefined;
  private leaseAbort = new AbortController();
  private renewTimer: NodeJS.Timeout | undefined;
  private checkpoint: C | undefined;
  private checkpointLoaded = false;
  private running: Promise<void> | undefined;
  private healthValue: LoopHealth;

  constructor(private readonly options: LoopOptions<C>) {
    this.name = options.name;
    this.logger = options.logger ?? silentLogger;
    this.metrics = options.metrics ?? noMetrics;
    this.holder = options.lease?.holder ?? `${process.pid}:${globalThis.crypto.randomUUID().slice(0, 8)}`;
    this.healthValue = { name: this.name, state: 'stopped', steps: 0, consecutiveFailures: 0 };
  }

  start(): void {
    this.options.registry?.add(this);
    this.running ??= this.run().catch((error: unknown) => {
      // Every step error is caught in run(): this is a bug in the loop itself.
      this.logger.error({ loop: this.name, err: error }, 'durable loop crashed');
    });
  }

  /** Cuts an idle pause short: new work was just recorded in this process. */
  wake(): void {
    for (const done of [...this.wakers]) done();
  }

  health(): LoopHealth {
    return {
      ...this.healthValue,
      ...(this.lease ? { holder: this.lease.holder, generation: this.lease.generation } : {}),
    };
  }

  /**
   * Stops taking new steps and waits for the running one to finish, at most `stopGraceMs`;
   * past that the step's signal is aborted and the lease released anyway: should the step
   * still try to commit, its fenced write is refused.
   */
  async stop(): Promise<void> {
    this.stopping.abort();
    this.wake();
    if (this.running) {
      let timer: NodeJS.Timeout | undefined;
      const grace = new Promise<'late'>(
        (resolve) => (timer = setTimeout(() => resolve('late'), this.options.stopGraceMs ?? STOP_GRACE_MS)),
      );
      const ended = await Promise.race([this.running.then(() => 'ended' as const), grace]);
      clearTimeout(timer);
      if (ended === 'late')
        this.logger.warn({ loop: this.name }, 'loop step still running after the stop grace: abandoned');
    }
    await this.dropLease('stopped', true);
    this.healthValue = { ...this.healthValue, state: 'stopped' };
    this.options.registry?.remove(this);
  }

  private async run(): Promise<void> {
    const signal = this.stopping.signal;
    if (this.options.initialDelayMs) await pause(this.options.initialDelayMs, signal, this.wakers);
    let failures = 0;
    while (!signal.aborted) {
      const started = performance.now();
      try {
        if (!(await this.ready())) continue;
        const result = await this.options.step(this.context());
        if (result?.checkpoint !== undefined) this.checkpoint = result.checkpoint;
        failures = 0;
        this.stepEnded(result?.more ? 'more' : 'idle', started);
        if (!result?.more) await pause(this.options.idleMs, signal, this.wakers);
      } catch (error) {
        if (error instanceof LeaseLost) {
          this.stepEnded('fenced', started);
          this.logger.warn(
            { loop: this.name, generation: error.lease.generation },
            'lease lost: the step was fenced out, standing by',
          );
          await this.dropLease('standby', false);
          continue;
        }
        failures += 1;
        await this.backOff(failures, error, started);
      }
    }
  }

  /** Holds the lease (taking it if free) and the checkpoint; false after a standby pause. */
  private async ready(): Promise<boolean> {
    const leasing = this.options.lease;
    if (leasing && !this.lease) {
      this.healthValue = { ...this.healthValue, state: 'standby' };
      const lease = await leasing.store.acquire(this.name, this.holder, leasing.ttlMs ?? LEASE_TTL_MS);
      if (!lease) {
        await pause(leasing.standbyRetryMs ?? STANDBY_RETRY_MS, this.stopping.signal, this.wakers);
        return false;
      }
      this.holdLease(lease);
    }
    if (this.options.checkpoint && !this.checkpointLoaded) {
      this.checkpoint = await this.options.checkpoint.load();
      this.checkpointLoaded = true;
    }
    this.healthValue = { ...this.healthValue, state: 'running' };
    return true;
  }

  private context(): StepContext<C> {
    return {
      lease: this.lease,
      checkpoint: this.checkpoint,
      stopping: this.stopping.signal,
      signal: this.leaseAbort.signal,
    };
  }

  private async backOff(failures: number, error: unknown, started: number): Promise<void> {
    const retryInMs = backoffMs(failures, this.options.backoff ?? LOOP_BACKOFF, (this.options.random ?? Math.random)());
    this.stepEnded('failed', started);
    this.healthValue = {
      ...this.healthValue,
      state: 'backoff',
      consecutiveFailures: failures,
      retryInMs,
      lastError: messageOf(error),
    };
    this.logger.warn(
      { loop: this.name, err: error, failures, retryInMs },
      'loop step failed: retrying after a backoff',
    );
    await pause(retryInMs, this.stopping.signal, this.wakers);
  }

  private stepEnded(outcome: 'more' | 'idle' | 'failed' | 'fenced', started: number): void {
    const durationMs = performance.now() - started;
    this.metrics.stepEnded(this.name, outcome, durationMs);
    const { retryInMs: _retry, ...rest } = this.healthValue;
    this.healthValue =
      outcome === 'failed'
        ? this.healthValue
        : {
            ...rest,
            steps: rest.steps + 1,
            consecutiveFailures: 0,
            lastStepAt: new Date().toISOString(),
          };
  }

  private holdLease(lease: Lease): void {
    const leasing = this.options.lease!;
    const ttlMs = leasing.ttlMs ?? LEASE_TTL_MS;
    this.lease = lease;
    this.leaseAbort = new AbortController();
    this.checkpointLoaded = false;
    this.metrics.leaseHeld(this.name, true);
    this.logger.info(
      { loop: this.name, holder: lease.holder, generation: lease.generation },
      'loop lease taken: running',
    );
    this.renewTimer = setInterval(
      () => {
        leasing.store.renew(lease, ttlMs).then(
          (kept) => {
            if (!kept && this.lease === lease) {
              this.logger.warn({ loop: this.name, generation: lease.generation }, 'loop lease taken over: standing by');
              void this.dropLease('standby', false);
            }
          },
          (error: unknown) =>
            this.logger.warn(
              { loop: this.name, err: error },
              'loop lease renewal failed: the next one may still succeed',
            ),
        );
      },
      Math.max(1, Math.floor(ttlMs / 3)),
    );
    this.renewTimer.unref();
  }

  /** Lets go of the lease: aborts a step running under it; `release` gives it up in the store too. */
  private async dropLease(state: LoopState, release: boolean): Promise<void> {
    const lease = this.lease;
    clearInterval(this.renewTimer);
    this.renewTimer = undefined;
    this.leaseAbort.abort();
    if (!lease) return;
    this.lease = undefined;
    this.checkpointLoaded = false;
    this.metrics.leaseHeld(this.name, false);
    this.healthValue = { ...this.healthValue, state };
    if (release)
      await this.options.lease?.store
        .release(lease)
        .catch((error: unknown) =>
          this.logger.warn({ loop: this.name, err: error }, 'loop lease release failed: it expires on its own'),
        );
  }
}

/** The loops running in this process, for /health. */
export class LoopRegistry {
  private readonly loops = new Set<Pick<DurableLoop<unknown>, 'health'>>();

  add(loop: Pick<DurableLoop<unknown>, 'health'>): void {
    this.loops.add(loop);
  }

  remove(loop: Pick<DurableLoop<unknown>, 'health'>): void {
    this.loops.delete(loop);
  }

  health(): LoopHealth[] {
    return [...this.loops].map((loop) => loop.health());
  }
}

/** Starts a loop (see DurableLoop) and returns it. */
export const startLoop = <C = never>(options: LoopOptions<C>): DurableLoop<C> => {
  const loop = new DurableLoop(options);
  loop.start();
  return loop;
};
