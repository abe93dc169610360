import { BotError, GrammyError } from 'grammy';
import { DurableLoop, loopSettings, type LoopServices } from '../../app/loop/index.js';
import type { Update } from 'grammy/types';
import { ALBUM_COLLECT_WINDOW_MS } from './albums.js';
import { ChatQueue } from './chatQueue.js';
import type { Logger } from '../../projections/logger.js';
import { chatKeyOf, MAX_UPDATE_ATTEMPTS, type UpdateInbox } from './updateInbox.js';

/**
 * Record, acknowledge, then act: `accept` writes an update to the inbox and queues it on its
 * chat; the caller (webhook route, polling loop) answers Telegram as soon as `accept` returns.
 * The queue hands each chat's updates to the bot one at a time, in order. A failed update is
 * tried again in place (its chat waits, keeping the order) up to MAX_UPDATE_ATTEMPTS.
 */

/** Pending updates not in memory (left by a crash, or a lost insert answer) are picked up this often. */
export const RECOVERY_INTERVAL_MS = 30_000;
/** Waits before the 2nd and 3rd attempt of a failed update. */
export const RETRY_DELAYS_MS = [200, 1_000] as const;
/** Handled updates are pruned once per this many recovery rounds. */
const PRUNE_EVERY_ROUNDS = 120;

export interface UpdateHandler {
  handleUpdate(update: Update): Promise<void>;
}

export interface UpdateProcessorOptions {
  inbox: UpdateInbox;
  bot: UpdateHandler;
  logger: Logger;
  queue?: ChatQueue;
  recoveryIntervalMs?: number;
  retryDelaysMs?: readonly number[];
  /** How long a part of an album waits for the rest of it, from its arrival. */
  albumWindowMs?: number;
  /** Metrics and health of the recovery loop. It takes no lease: it queues updates in this process. */
  loops?: LoopServices | undefined;
}

/** The recovery loop's name. */
export const UPDATE_RECOVERY_LOOP = 'telegram-update-recovery';
/** A recovery round that failed (the database away) is tried again from this, doubling up to the interval. */
export const RECOVERY_RETRY_MIN_MS = 1_000;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Telegram said no (blocked by the user, message gone): another attempt would be refused too. */
const isPermanent = (error: unknown): boolean =>
  (error instanceof BotError ? error.error : error) instanceof GrammyError;

export class UpdateProcessor {
  private readonly queue: ChatQueue;
  private readonly inFlight = new Set<number>();
  private loop: DurableLoop | undefined;
  private rounds = 0;
  private stopped = false;

  constructor(private readonly options: UpdateProcessorOptions) {
    this.queue = options.queue ?? new ChatQueue();
  }

  /** Records the update and queues it; `duplicate` (nothing queued) when it was seen before. */
  async accept(update: Update): Promise<'new' | 'duplicate'> {
    const outcome = await this.options.inbox.record(update);
    if (outcome === 'duplicate') {
      this.options.logger.info({ updateId: update.update_id }, 'duplicate telegram update ignored');
      return outcome;
    }
    this.schedule(update, chatKeyOf(update), Date.now());
    return outcome;
  }

  /** Queues what the inbox still holds unhandled, then keeps checking every interval. */
  async start(): Promise<void> {
    this.stopped = false;
    await this.recover();
    const intervalMs = this.options.recoveryIntervalMs ?? RECOVERY_INTERVAL_MS;
    this.loop = new DurableLoop<never>({
      logger: this.options.logger,
      ...loopSettings(this.options.loops, false),
      name: UPDATE_RECOVERY_LOOP,
      idleMs: intervalMs,
      initialDelayMs: intervalMs,
      backoff: { baseMs: Math.min(RECOVERY_RETRY_MIN_MS, intervalMs), ceilingMs: intervalMs, jitter: 'equal' },
      step: () => this.recoverRound(),
    });
    this.loop.start();
  }

  /** Stops recovery and waits for the queued updates to be handled. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop?.stop();
    this.loop = undefined;
    await this.queue.idle();
  }

  /** Resolves once everything queued so far has been handled (tests, shutdown). */
  idle(): Promise<void> {
    return this.queue.idle();
  }

  async recover(): Promise<void> {
    try {
      await this.recoverRound();
    } catch (error) {
      this.options.logger.error({ err: error }, 'telegram inbox recovery failed; next round will try again');
    }
  }

  /** Queues the pending updates not in memory; prunes now and then. Throws when the inbox is away. */
  private async recoverRound(): Promise<void> {
    if (this.stopped) return;
    for (const entry of await this.options.inbox.pending()) {
      this.schedule(entry.update, entry.chatKey, entry.receivedAt.getTime());
    }
    if (++this.rounds % PRUNE_EVERY_ROUNDS === 1) await this.options.inbox.prune();
  }

  private schedule(update: Update, key: string, receivedAtMs: number): void {
    // A recovery round can read a row between its insert and `accept` queueing it: queue it once.
    if (this.inFlight.has(update.update_id)) return;
    this.inFlight.add(update.update_id);
    void this.queue
      .push(key, async () => {
        await this.albumWait(update, receivedAtMs);
        await this.handle(update);
      })
      .finally(() => this.inFlight.delete(update.update_id));
  }

  /**
   * A part of an album waits (in its chat's queue: only that chat waits) until the album has had
   * time to arrive whole; its parts are then all in the inbox for the bot to take together.
   */
  private async albumWait(update: Update, receivedAtMs: number): Promise<void> {
    if (update.message?.media_group_id === undefined) return;
    const waitMs = receivedAtMs + (this.options.albumWindowMs ?? ALBUM_COLLECT_WINDOW_MS) - Date.now();
    if (waitMs > 0) await sleep(waitMs);
  }

  private async handle(update: Update): Promise<void> {
    const delays = this.options.retryDelaysMs ?? RETRY_DELAYS_MS;
    for (let attempt = 1; attempt <= MAX_UPDATE_ATTEMPTS; attempt++) {
      try {
        await this.options.bot.handleUpdate(update);
      } catch (error) {
        if (await this.recordFailure(update, error)) return;
        await sleep(delays[attempt - 1] ?? delays[delays.length - 1] ?? 0);
        continue;
      }
      try {
        await this.options.inbox.markHandled(update.update_id);
      } catch (error) {
        // Handled but not marked: a recovery round handles it again, which the idempotent
        // commands behind the handlers make harmless.
        this.options.logger.error({ err: error, updateId: update.update_id }, 'could not mark telegram update handled');
      }
      return;
    }
  }

  /** Returns whether the update is finished with (given up, or the inbox is unreachable). */
  private async recordFailure(update: Update, error: unknown): Promise<boolean> {
    const { logger, inbox } = this.options;
    const cause = error instanceof BotError ? error.error : error;
    const message = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
    try {
      const givenUp = await inbox.markFailed(update.update_id, message, { giveUp: isPermanent(error) });
      (givenUp ? logger.error : logger.warn).call(
        logger,
        { err: cause, updateId: update.update_id },
        givenUp ? 'telegram update given up' : 'telegram update failed; trying again',
      );
      return givenUp;
    } catch (inboxError) {
      // The database is gone: the update stays pending and the recovery round picks it up.
      logger.error({ err: inboxError, updateId: update.update_id }, 'telegram inbox unreachable');
      return true;
    }
  }
}
