import type pg from 'pg';
import type { ProjectionHealth } from './health.js';
import { backoffMs } from '../core/backoff/index.js';
import type { EventStore } from '../core/eventstore/index.js';
import { ConnectionLock } from './advisoryLock.js';
import { BATCH_MAX_EVENTS, commitBatch, isolateFailure, isTransient, readBatch, sleep, type Batch } from './batches.js';
import { ensureCheckpoint, readCheckpoint, recordFailure } from './checkpoints.js';
import { CheckpointMoved, ProjectionFailed } from './errors.js';
import { quarantineStream } from './quarantine.js';
import { projectionStatus } from './status.js';
import { silentLogger, type Logger } from './logger.js';
import { liveTables, type Projection } from './types.js';

/** Pause between polls of the store's head when caught up, ms: bounds the live lag it adds. */
export const IDLE_POLL_MS = 20;
/** How often a standby tries to take over the lock, ms. */
export const STANDBY_RETRY_MS = 1_000;
/** How often a failed projector looks whether its failure was cleared (by a rebuild), ms. */
export const FAILED_RECHECK_MS = 2_000;
/** Backoff after a transient failure: first and longest pause, ms. */
export const RETRY_MIN_MS = 100;
export const RETRY_MAX_MS = 5_000;
const RETRY_BACKOFF = { baseMs: RETRY_MIN_MS, ceilingMs: RETRY_MAX_MS, jitter: 'none' } as const;

export interface RunnerOptions {
  store: EventStore;
  pool: pg.Pool;
  projection: Projection;
  logger?: Logger;
  batchSize?: number;
  idlePollMs?: number;
  standbyRetryMs?: number;
}

export type RunnerState = ProjectionHealth['state'];

/** A promise and the function that resolves it. */
const deferred = (): { promise: Promise<void>; resolve: () => void } => {
  let resolve: () => void = () => undefined;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
};

/**
 * Runs one projection: one active instance per projection name across every process (an
 * advisory lock), the others stand by and take over when the holder's connection dies. Reads
 * the global log from the checkpoint and applies each batch with its checkpoint in one
 * transaction. An event the projection cannot apply quarantines its stream and the projector
 * goes on with every other one (quarantine.ts); only a batch that fails as a whole stops it
 * (state `failed`, error recorded in the checkpoint row) until a rebuild clears it. Transient
 * database failures are retried with backoff.
 */
export class ProjectorRunner {
  private stateValue: RunnerState = 'stopped';
  private failure: ProjectionFailed | undefined;
  private position = 0;
  private readonly abort = new AbortController();
  private readonly lock: ConnectionLock;
  private loop: Promise<void> | undefined;
  private failedSignal = deferred();
  private readonly logger: Logger;
  private readonly batchSize: number;

  constructor(private readonly options: RunnerOptions) {
    this.lock = new ConnectionLock(options.pool, options.projection.name);
    this.logger = options.logger ?? silentLogger;
    this.batchSize = options.batchSize ?? BATCH_MAX_EVENTS;
    this.lock.onLost(() => this.logger.warn({ projection: this.name }, 'projector lock connection lost: standing by'));
  }

  get name(): string {
    return this.options.projection.name;
  }

  get state(): RunnerState {
    return this.stateValue;
  }

  /** Why it stopped, when `state` is `failed`. */
  get error(): ProjectionFailed | undefined {
    return this.failure;
  }

  start(): void {
    this.loop ??= this.run().catch((error: unknown) => {
      this.logger.error({ projection: this.name, err: error }, 'projector loop crashed');
      this.stateValue = 'failed';
    });
  }

  /** Resolves when the projector has failed, or its loop has ended (stopped). */
  async done(): Promise<void> {
    await Promise.race([this.loop, this.failedSignal.promise]);
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop;
    await this.lock.release();
    if (this.stateValue !== 'failed') this.stateValue = 'stopped';
  }

  /** Position and lag as stored, with this instance's state. */
  async health(): Promise<ProjectionHealth> {
    const status = await projectionStatus(this.options.store, this.options.pool, this.name);
    return { ...status, state: this.stateValue, ...(this.failure ? { error: this.failure.message } : {}) };
  }

  private async run(): Promise<void> {
    const { signal } = this.abort;
    let failures = 0;
    let prefetch: Promise<Batch> | undefined;
    while (!signal.aborted) {
      try {
        if (!this.lock.held) {
          prefetch = undefined;
          if (!(await this.takeOver())) continue;
        }
        const batch = await (prefetch ?? this.read(this.position));
        prefetch = undefined;
        if (batch.next === this.position) {
          await sleep(this.options.idlePollMs ?? IDLE_POLL_MS, signal);
          continue;
        }
        // A full batch means more is waiting: read it while this one is written.
        if (batch.events.length >= this.batchSize)
          prefetch = this.read(batch.next).catch(() => ({ events: [], next: batch.next }));
        // A batch cut short by a quarantine goes on from where it stopped, not from the prefetch.
        if (!(await this.commit(batch))) prefetch = undefined;
        failures = 0;
      } catch (error) {
        prefetch = undefined;
        if (error instanceof CheckpointMoved) {
          this.position = (await readCheckpoint(this.options.pool, this.name))?.position ?? 0;
          this.logger.info(
            { projection: this.name, position: this.position },
            'checkpoint moved by another writer: continuing from it',
          );
        } else if (isTransient(error) || !this.lock.held) {
          failures += 1;
          const retryMs = backoffMs(failures, RETRY_BACKOFF, 0);
          this.logger.warn({ projection: this.name, err: error, retryMs }, 'projector: transient failure, retrying');
          await sleep(retryMs, signal);
        } else {
          await this.fail(error);
          await this.waitForRemedy();
        }
      }
    }
  }

  private read(after: number): Promise<Batch> {
    return readBatch(this.options.store, this.options.projection, after, this.batchSize);
  }

  /**
   * Applies a batch. An event that cannot be applied quarantines its stream (quarantine.ts) and
   * the batch stops right before it: returns false, and the loop reads on from there, holding
   * that stream back. Only a batch that fails as a whole while each event applies alone fails
   * the projection.
   */
  private async commit(batch: Batch): Promise<boolean> {
    const { pool, projection } = this.options;
    try {
      await commitBatch(pool, projection, liveTables(projection), this.name, this.position, batch);
      this.position = batch.next;
      return true;
    } catch (error) {
      if (error instanceof CheckpointMoved || isTransient(error) || batch.events.length === 0) throw error;
      const isolated = await isolateFailure(
        pool,
        projection,
        liveTables(projection),
        this.name,
        this.position,
        batch.events,
      );
      this.position = isolated.position;
      if (!isolated.event) throw new ProjectionFailed(this.name, undefined, isolated.error ?? error);
      const reason = (isolated.error as Error)?.message ?? String(isolated.error);
      await quarantineStream(pool, this.name, isolated.event, reason);
      this.logger.error(
        { projection: this.name, stream: isolated.event.stream, position: isolated.event.position, reason },
        'projector: stream quarantined, its later events held back; every other stream goes on',
      );
      return false;
    }
  }

  private async takeOver(): Promise<boolean> {
    this.stateValue = 'standby';
    if (!(await this.lock.tryAcquire())) {
      await sleep(this.options.standbyRetryMs ?? STANDBY_RETRY_MS, this.abort.signal);
      return false;
    }
    await ensureCheckpoint(this.options.pool, this.name);
    this.position = (await readCheckpoint(this.options.pool, this.name))?.position ?? 0;
    this.stateValue = 'running';
    this.logger.info({ projection: this.name, position: this.position }, 'projector active');
    return true;
  }

  /**
   * A failed projector waits until its checkpoint's error is cleared (a rebuild's swap or a
   * repair does that), then stands by again: fixing it needs no restart.
   */
  private async waitForRemedy(): Promise<void> {
    const { signal } = this.abort;
    while (!signal.aborted) {
      await sleep(FAILED_RECHECK_MS, signal);
      const checkpoint = await readCheckpoint(this.options.pool, this.name).catch(() => undefined);
      if (checkpoint && checkpoint.lastError === null) {
        this.logger.info(
          { projection: this.name, position: checkpoint.position },
          'projector failure cleared: resuming',
        );
        this.failure = undefined;
        this.stateValue = 'standby';
        this.failedSignal = deferred();
        return;
      }
    }
  }

  private async fail(error: unknown): Promise<void> {
    this.failure = error instanceof ProjectionFailed ? error : new ProjectionFailed(this.name, undefined, error);
    this.stateValue = 'failed';
    this.logger.error({ projection: this.name, err: this.failure, position: this.position }, this.failure.message);
    await recordFailure(this.options.pool, this.name, this.failure.message).catch(() => undefined);
    await this.lock.release();
    this.failedSignal.resolve();
  }
}
