import path from 'node:path';
import type { I18n } from '@grammyjs/i18n';
import { GrammyError, InputFile, type Api } from 'grammy';
import type { InlineKeyboardMarkup } from 'grammy/types';
import type pg from 'pg';
import {
  DurableLoop,
  loopSettings,
  type Lease,
  type LoopServices,
  type StepContext,
  type StepResult,
} from '../../app/loop/index.js';
import type { EventStore, RecordedEvent } from '../../core/eventstore/index.js';
import { accountStream } from '../../core/ledger/index.js';
import type { ChatStateStore } from './chatState.js';
import type { BotContext } from './context.js';
import { isBlockedError, resultOf, type Deliveries } from './deliveries.js';
import { DEFAULT_LANGUAGE } from './i18n.js';
import type { Logger } from '../../projections/logger.js';
import { NOTIFIED_CATEGORIES, NOTIFIED_EVENT_TYPES, notificationOf, type Notification } from './notifications.js';
import type { ImagesPort } from './ports.js';
import { renderNotification } from './render.js';

/**
 * Sends what the user must hear about that happens outside their updates: AI results, refunds
 * of held credits, payment confirmations, expired sessions. Driven by a subscription to the
 * event log with a checkpoint in `bot_notifier_checkpoints`.
 *
 * At most once per event: before sending, the event is claimed in `bot_notifications`; after
 * sending, the claim is marked and the checkpoint moved, in one transaction. A crash between
 * claim and mark leaves the claim 'sending'; at the next start it becomes 'unknown' (the message
 * may or may not have gone out; Telegram has no idempotency key) and is never sent again. The
 * checkpoint only moves past an event once it is dealt with, so nothing is skipped after a crash.
 *
 * It runs on the durable loop under a lease: one notifier across processes, and the claims a
 * crash left open are settled by whoever takes the lease over (never a live holder's claims).
 * Its writes are fenced by the lease's generation.
 */

export const NOTIFIER_NAME = 'telegram';
/** After a failure to prepare or record a notification, wait this long and read again: first and longest, ms. */
export const NOTIFIER_RETRY_MS = [500, 30_000] as const;
/** Events read per step. */
export const NOTIFIER_BATCH_EVENTS = 100;
/** Pause between reads of the log's head when caught up, ms: bounds how late a message goes out. */
export const NOTIFIER_IDLE_MS = 100;
/**
 * A session's outcome is told once the ledger has settled its hold (the worker does it right
 * after recording the outcome), so "the credits were returned" is true when read and the profile
 * shows it. Past this wait the message goes anyway: the hold's expiry returns the credits.
 */
export const HOLD_SETTLE_WAIT_MS = 3_000;
const HOLD_SETTLE_POLL_MS = 50;
/** Account events looked at, newest first, to find the settlement. */
const SETTLEMENT_LOOKBACK_EVENTS = 50;

/** An event whose message cannot be prepared (its image is gone) is given up after this many tries. */
export const MAX_PREPARE_ATTEMPTS = 5;

/**
 * A transaction fenced by the notifier's lease: it commits only while that lease is still held
 * (the PostgreSQL lease store's `fencedTransaction`, bound to the pool by the composition root).
 */
export type FencedTransaction = <T>(
  lease: Lease | undefined,
  work: (client: pg.PoolClient) => Promise<T>,
) => Promise<T>;

export interface NotifierOptions {
  store: EventStore;
  pool: pg.Pool;
  fencedTransaction: FencedTransaction;
  api: Api;
  i18n: I18n<BotContext>;
  images: Pick<ImagesPort, 'read'>;
  chats: ChatStateStore;
  /** Blocked chats and results kept for the user's return. */
  deliveries: Deliveries;
  logger: Logger;
  name?: string;
  /** The lease store (one notifier across processes), metrics and health. */
  loops?: LoopServices | undefined;
}

export interface Outgoing {
  chatId: string;
  /** Where the user's state now is in the log: the profile waits for the read tables to pass it. */
  position: number;
  text: string;
  photo?: { bytes: Buffer; fileName: string };
  replyMarkup?: InlineKeyboardMarkup;
}

type Delivery =
  | { status: 'sent'; messageId: number }
  /** `blocked`: the user has blocked the bot; nothing more is sent to them until they come back. */
  | { status: 'failed' | 'unknown'; error: string; blocked?: boolean };

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

export class Notifier {
  private readonly name: string;
  private abort = new AbortController();
  private loop: DurableLoop<number> | undefined;
  private readonly prepareFailures = new Map<string, number>();

  constructor(private readonly options: NotifierOptions) {
    this.name = options.name ?? NOTIFIER_NAME;
  }

  /** Follows the log from the checkpoint; whoever takes the lease first settles claims a crash left open. */
  async start(): Promise<void> {
    const { pool, logger } = this.options;
    await pool.query('INSERT INTO bot_notifier_checkpoints (name, position) VALUES ($1, 0) ON CONFLICT DO NOTHING', [
      this.name,
    ]);
    const leased = this.options.loops?.leases !== undefined;
    // Without a lease (one process) the claims are settled before anything is sent.
    if (!leased) await this.settleInterrupted();
    this.abort = new AbortController();
    this.loop = new DurableLoop<number>({
      logger,
      ...loopSettings(this.options.loops, true),
      name: `notifier-${this.name}`,
      idleMs: NOTIFIER_IDLE_MS,
      backoff: { baseMs: NOTIFIER_RETRY_MS[0], ceilingMs: NOTIFIER_RETRY_MS[1], jitter: 'equal' },
      checkpoint: {
        load: async () => {
          if (leased) await this.settleInterrupted();
          return this.checkpoint();
        },
      },
      step: (ctx) => this.step(ctx),
    });
    this.loop.start();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop?.stop();
    this.loop = undefined;
  }

  /** The position up to which every event has been dealt with. */
  async checkpoint(): Promise<number> {
    const { rows } = await this.options.pool.query<{ position: number }>(
      'SELECT position FROM bot_notifier_checkpoints WHERE name = $1',
      [this.name],
    );
    return rows[0]?.position ?? 0;
  }

  /** Claims left 'sending' by a crash become 'unknown' (the message may have gone): never sent again. */
  private async settleInterrupted(): Promise<void> {
    const { pool, logger } = this.options;
    const stale = await pool.query(
      `UPDATE bot_notifications SET status = 'unknown', error = 'interrupted while sending', finished_at = now()
        WHERE status = 'sending'`,
    );
    if (stale.rowCount) logger.warn({ count: stale.rowCount }, 'notifications interrupted by a crash: not sent again');
    const redeliveries = await this.options.deliveries.settleInterrupted();
    if (redeliveries) {
      logger.warn({ count: redeliveries }, 'result re-deliveries interrupted by a crash: not sent again');
    }
  }

  /**
   * Deals with the next events after the checkpoint, up to the head read first: everything at or
   * below it is visible for good, so an event that commits late is never stepped over.
   */
  private async step(ctx: StepContext<number>): Promise<StepResult<number>> {
    const after = ctx.checkpoint ?? 0;
    const head = await this.options.store.headPosition();
    if (head <= after) return {};
    const read = await this.options.store.readAll({
      after,
      categories: NOTIFIED_CATEGORIES,
      eventTypes: NOTIFIED_EVENT_TYPES,
      maxCount: NOTIFIER_BATCH_EVENTS,
    });
    let position = after;
    for (const event of read.filter((e) => e.position <= head)) {
      if (ctx.stopping.aborted) return { checkpoint: position };
      await this.handle(event, ctx.lease);
      position = event.position;
    }
    const full = read.length === NOTIFIER_BATCH_EVENTS;
    if (!full && head > position) {
      await this.advance(head, ctx.lease);
      position = head;
    }
    return { checkpoint: position, more: full };
  }

  /** Deals with one event: prepare, claim, send, record. Throws only before anything was sent. */
  async handle(event: RecordedEvent, lease?: Lease): Promise<void> {
    const notification = notificationOf(event);
    if (!notification) return this.advance(event.position, lease);
    const outgoing = await this.prepareBounded(event, notification);
    if (!outgoing) return this.advance(event.position, lease);
    const claimed = await this.options.pool.query(
      `INSERT INTO bot_notifications (event_id, position, chat_id, kind, status) VALUES ($1, $2, $3, $4, 'sending')
       ON CONFLICT (event_id) DO NOTHING`,
      [event.id, event.position, outgoing.chatId, notification.kind],
    );
    if (claimed.rowCount !== 1) return this.advance(event.position, lease);
    const delivery =
      'error' in outgoing
        ? { status: 'failed' as const, error: outgoing.error }
        : await this.sendUnlessBlocked(outgoing);
    if (delivery.status !== 'sent')
      this.options.logger.warn({ eventId: event.id, ...delivery }, 'notification not delivered');
    if (delivery.status !== 'sent' && delivery.blocked) await this.keepForReturn(event, outgoing.chatId);
    await this.options.fencedTransaction(lease, async (tx) => {
      await tx.query(
        'UPDATE bot_notifications SET status = $2, message_id = $3, error = $4, finished_at = now() ' +
          'WHERE event_id = $1',
        [
          event.id,
          delivery.status,
          delivery.status === 'sent' ? delivery.messageId : null,
          delivery.status === 'sent' ? null : delivery.error,
        ],
      );
      await tx.query('UPDATE bot_notifier_checkpoints SET position = GREATEST(position, $2) WHERE name = $1', [
        this.name,
        event.position,
      ]);
    });
    if ('position' in outgoing) await this.options.chats.notePosition(outgoing.chatId, outgoing.position);
  }

  /**
   * Sends again what the user could not be sent while they had blocked the bot (they are back:
   * my_chat_member, or a message). Each result is claimed first, so it goes out at most once.
   * Returns how many were delivered.
   */
  async redeliver(userId: string): Promise<number> {
    const { deliveries, store } = this.options;
    let delivered = 0;
    for (const claim of await deliveries.claimWaiting(userId)) {
      const event = (await store.readStream(claim.stream)).find((e) => e.id === claim.eventId);
      const notification = event && notificationOf(event);
      const outgoing = notification && (await this.prepare(notification, event.position).catch(() => undefined));
      const delivery: Delivery = outgoing
        ? await this.send(outgoing)
        : { status: 'failed', error: 'result could not be prepared' };
      if (delivery.status === 'sent') {
        await deliveries.finish(claim.eventId, 'delivered');
        if (outgoing) await this.options.chats.notePosition(outgoing.chatId, outgoing.position);
        delivered++;
        continue;
      }
      this.options.logger.warn({ userId, eventId: claim.eventId, ...delivery }, 'result not re-delivered');
      // Refused: it waits for the next return or its expiry (credits back); maybe sent: never again.
      await deliveries.finish(claim.eventId, delivery.status === 'unknown' ? 'unknown' : 'waiting');
      if (delivery.blocked) {
        await deliveries.block(userId);
        break;
      }
    }
    return delivered;
  }

  /** The user blocked the bot: mark the chat, and keep a paid result to send on their return. */
  private async keepForReturn(event: RecordedEvent, chatId: string): Promise<void> {
    await this.options.deliveries.block(chatId);
    const result = resultOf(event);
    if (result) await this.options.deliveries.keep(result);
  }

  private async sendUnlessBlocked(outgoing: Outgoing): Promise<Delivery> {
    if (await this.options.deliveries.isBlocked(outgoing.chatId)) {
      return { status: 'failed', error: 'chat blocked the bot', blocked: true };
    }
    return this.send(outgoing);
  }

  private async advance(position: number, lease: Lease | undefined): Promise<void> {
    await this.options.fencedTransaction(lease, (tx) =>
      tx.query('UPDATE bot_notifier_checkpoints SET position = GREATEST(position, $2) WHERE name = $1', [
        this.name,
        position,
      ]),
    );
  }

  /** Retries a failing preparation through the run loop's backoff, then records it as failed. */
  private async prepareBounded(
    event: RecordedEvent,
    notification: Notification,
  ): Promise<Outgoing | { chatId: string; error: string } | undefined> {
    try {
      const outgoing = await this.prepare(notification, event.position);
      this.prepareFailures.delete(event.id);
      return outgoing;
    } catch (error) {
      const failures = (this.prepareFailures.get(event.id) ?? 0) + 1;
      this.prepareFailures.set(event.id, failures);
      if (failures < MAX_PREPARE_ATTEMPTS || notification.kind === 'session_expired') throw error;
      this.prepareFailures.delete(event.id);
      return {
        chatId: notification.userId,
        error: `could not prepare: ${error instanceof Error ? error.message : String(error)}`,
      };
    }
  }

  /** The message for a notification, in the user's language; undefined when no one is to be told. */
  private async prepare(notification: Notification, eventPosition: number): Promise<Outgoing | undefined> {
    const { chats, images, i18n } = this.options;
    const userId =
      notification.kind === 'session_expired' ? await chats.leaveSession(notification.sessionId) : notification.userId;
    if (userId === undefined) return undefined;
    const settled =
      'reservationId' in notification ? await this.settlementOf(userId, notification.reservationId) : undefined;
    const language = (await chats.languageFor(userId)) ?? DEFAULT_LANGUAGE;
    const t = (key: string, variables?: Record<string, string | number>) => i18n.t(language, key, variables);
    const photo =
      notification.kind === 'tryon_result'
        ? {
            bytes: await images.read(notification.resultImageKey),
            fileName: `tryon${path.extname(notification.resultImageKey)}`,
          }
        : undefined;
    return {
      chatId: userId,
      position: Math.max(eventPosition, settled ?? 0),
      ...renderNotification(notification, t, language),
      ...(photo ? { photo } : {}),
    };
  }

  /** The position where the ledger captured or released this hold; undefined if not within the wait. */
  private async settlementOf(userId: string, reservationId: string): Promise<number | undefined> {
    const deadline = Date.now() + HOLD_SETTLE_WAIT_MS;
    for (;;) {
      const recent = await this.options.store.readStream(accountStream(userId), {
        direction: 'backwards',
        maxCount: SETTLEMENT_LOOKBACK_EVENTS,
      });
      const settlement = recent.find(
        (e) =>
          (e.type === 'ReservationCaptured' || e.type === 'ReservationReleased') &&
          (e.data as { reservationId?: string }).reservationId === reservationId,
      );
      if (settlement) return settlement.position;
      if (Date.now() >= deadline || this.abort.signal.aborted) return undefined;
      await sleep(HOLD_SETTLE_POLL_MS, this.abort.signal);
    }
  }

  private async send(outgoing: Outgoing): Promise<Delivery> {
    const { api } = this.options;
    const markup = outgoing.replyMarkup ? { reply_markup: outgoing.replyMarkup } : {};
    try {
      const message = outgoing.photo
        ? await api.sendPhoto(outgoing.chatId, new InputFile(outgoing.photo.bytes, outgoing.photo.fileName), {
            caption: outgoing.text,
            ...markup,
          })
        : await api.sendMessage(outgoing.chatId, outgoing.text, {
            ...markup,
            link_preview_options: { is_disabled: true },
          });
      return { status: 'sent', messageId: message.message_id };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      // Telegram answered no (blocked, chat gone): it was not sent. Anything else may have been.
      const status = error instanceof GrammyError ? 'failed' : 'unknown';
      return { status, error: message, blocked: isBlockedError(error) };
    }
  }
}
