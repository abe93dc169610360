import type { Api } from 'grammy';
import { backoffMs } from '../../core/backoff/index.js';
import type { Update } from 'grammy/types';
import type { Logger } from '../../projections/logger.js';

/**
 * Long polling for local use (no public URL): the same path as the webhook, fed by getUpdates.
 * An update is confirmed to Telegram (the next offset) only after it is recorded in the inbox,
 * so a crash between fetching and recording loses nothing.
 */

/** Seconds Telegram holds a getUpdates call open waiting for updates. */
export const POLL_TIMEOUT_SECONDS = 30;
/** Updates per getUpdates call (Telegram's maximum is 100). */
export const POLL_LIMIT = 100;
/** Backoff after a failed poll doubles from the first value up to the second. */
export const POLL_BACKOFF_MS = [500, 30_000] as const;

/**
 * The update kinds the bot handles: asked for explicitly, in polling and in setWebhook.
 * `my_chat_member` says when the user blocks or unblocks the bot.
 */
export const ALLOWED_UPDATES = ['message', 'callback_query', 'pre_checkout_query', 'my_chat_member'] as const;

export interface PollingOptions {
  api: Api;
  accept(update: Update): Promise<'new' | 'duplicate'>;
  logger: Logger;
  timeoutSeconds?: number;
}

export interface Polling {
  /** Ends the current long poll and the loop; resolves when the loop has exited. */
  stop(): Promise<void>;
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });

/** Deletes any webhook (getUpdates refuses to run while one is set) and starts the loop. */
export const startPolling = async (options: PollingOptions): Promise<Polling> => {
  const { api, logger } = options;
  await api.deleteWebhook({ drop_pending_updates: false });
  const abort = new AbortController();
  let offset = 0;
  let failures = 0;

  const pollOnce = async () => {
    const updates = await api.getUpdates(
      {
        offset,
        limit: POLL_LIMIT,
        timeout: options.timeoutSeconds ?? POLL_TIMEOUT_SECONDS,
        allowed_updates: [...ALLOWED_UPDATES],
      },
      // grammY types its signal with the abort-controller shim; Node's is the same at run time.
      abort.signal as Parameters<Api['getUpdates']>[1],
    );
    for (const update of updates) {
      await options.accept(update);
      offset = update.update_id + 1;
    }
  };

  const loop = (async () => {
    while (!abort.signal.aborted) {
      try {
        await pollOnce();
        failures = 0;
      } catch (error) {
        if (abort.signal.aborted) break;
        failures += 1;
        const retryInMs = backoffMs(
          failures,
          { baseMs: POLL_BACKOFF_MS[0], ceilingMs: POLL_BACKOFF_MS[1], jitter: 'none' },
          0,
        );
        logger.warn({ err: error, retryInMs }, 'telegram polling failed');
        await sleep(retryInMs, abort.signal);
      }
    }
  })();
  logger.info({}, 'telegram bot polling');

  return {
    stop: async () => {
      abort.abort();
      await loop;
    },
  };
};
