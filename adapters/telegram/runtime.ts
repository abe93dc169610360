import type { FastifyPluginAsync } from 'fastify';
import type { Bot } from 'grammy';
import type { LoopServices } from '../../app/loop/index.js';
import type { UserFromGetMe } from 'grammy/types';
import type pg from 'pg';
import { createAccountsService, createConsentService, createSupportService } from '../../app/accounts/accounts.js';
import type { LedgerHandler } from '../../app/accounts/ledger.js';
import type { ReadModelPort } from '../../app/accounts/ports.js';
import type { ImageStore } from '../../app/sessions/imageStore.js';
import { createImages } from '../../app/sessions/images.js';
import { createStylistService, createTryOnService } from '../../app/sessions/services.js';
import { createHolds } from '../../app/worker/holds.js';
import type { EventStore, SnapshotStore } from '../../core/eventstore/index.js';
import { featurePrice, type LedgerConfig } from '../../core/ledger/index.js';
import { AlbumStore } from './albums.js';
import { createBot } from './bot.js';
import { ChatDebounce } from './chatDebounce.js';
import { ChatStateStore } from './chatState.js';
import { publishCommands } from './commands.js';
import { createI18n } from './i18n.js';
import type { BotContext, BotDependencies } from './context.js';
import type { Logger } from '../../projections/logger.js';
import { Notifier, type FencedTransaction } from './notifier.js';
import { ALLOWED_UPDATES, startPolling } from './polling.js';
import { telegramWebhookRoutes } from './routes.js';
import { createStarsPayments } from './services/payments.js';
import type { DeliveryRecorder } from '../../app/payments/inbox.js';
import type { PurchaseIndex } from '../../app/payments/purchases.js';
import type { PresencePort } from './ports.js';
import { Deliveries, markBlockedOn403, UndeliveredSweeper } from './deliveries.js';
import { UpdateInbox } from './updateInbox.js';
import { UpdateProcessor } from './updateProcessor.js';

/**
 * The whole bot wired to the real system: the account and session use cases (app/), the read
 * tables, payments and storage as the composition root hands them in; the update inbox and
 * processor; the notifier. The app starts it in webhook mode (with a public URL) or polling mode
 * (local use).
 */

export type TelegramMode = { mode: 'webhook'; url: string; secretToken: string } | { mode: 'polling' };

export interface TelegramSettings {
  token: string;
  apiRoot: string;
  transport: TelegramMode;
}

/** From the environment: webhook mode when TELEGRAM_WEBHOOK_URL is set, else long polling. */
export const telegramSettingsFromEnv = (env: {
  TELEGRAM_BOT_TOKEN?: string | undefined;
  TELEGRAM_WEBHOOK_URL?: string | undefined;
  TELEGRAM_WEBHOOK_SECRET?: string | undefined;
  TELEGRAM_API_ROOT?: string | undefined;
}): TelegramSettings | undefined => {
  if (!env.TELEGRAM_BOT_TOKEN) return undefined;
  const apiRoot = env.TELEGRAM_API_ROOT ?? 'https://api.telegram.org';
  if (env.TELEGRAM_WEBHOOK_URL && !env.TELEGRAM_WEBHOOK_SECRET)
    throw new Error('TELEGRAM_WEBHOOK_URL needs TELEGRAM_WEBHOOK_SECRET');
  const transport: TelegramMode = env.TELEGRAM_WEBHOOK_URL
    ? { mode: 'webhook', url: env.TELEGRAM_WEBHOOK_URL, secretToken: env.TELEGRAM_WEBHOOK_SECRET! }
    : { mode: 'polling' };
  return { token: env.TELEGRAM_BOT_TOKEN, apiRoot, transport };
};

export interface TelegramRuntimeOptions {
  settings: TelegramSettings;
  /** The lease store, metrics and health the notifier and the update recovery loop run with. */
  loops?: LoopServices | undefined;
  /** The payments inbox and purchase index the bot's Stars payments are recorded and applied through. */
  paymentsInbox: DeliveryRecorder;
  purchases: PurchaseIndex;
  /** Fences the notifier's writes by its lease (see notifier.ts). */
  fencedTransaction: FencedTransaction;
  pool: pg.Pool;
  store: EventStore;
  ledger: LedgerHandler;
  ledgerConfig: LedgerConfig;
  images: ImageStore;
  /** The balance and history reads over the ledger's read tables (adapters/postgres). */
  reads: ReadModelPort;
  /** The ledger's snapshot store, if the app keeps one (holds load faster with it). */
  snapshots?: SnapshotStore;
  logger: Logger;
  /** Tests give it to skip getMe; in production `start` fetches it. */
  botInfo?: UserFromGetMe;
  /** `<PUBLIC_BASE_URL>/checkout` when card payments are on. */
  webCheckoutUrl?: string | undefined;
  /** Wakes the payments processor after the bot records a Stars refund. */
  wakePayments?: () => void;
  /** Overrides of single ports or the clock (tests). */
  overrides?: Partial<BotDependencies>;
  rateLimit?: { limit: number; timeFrameMs: number };
}

export interface TelegramRuntime {
  bot: Bot<BotContext>;
  processor: UpdateProcessor;
  notifier: Notifier;
  deps: BotDependencies;
  /** The Fastify plugin serving POST /webhook/telegram (webhook mode only). */
  webhookRoutes(): FastifyPluginAsync;
  /** Starts handling (recovering pending updates), the notifier, then the webhook or polling. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

export const buildDependencies = (options: TelegramRuntimeOptions, presence: PresencePort): BotDependencies => {
  const { pool, store, ledger, ledgerConfig } = options;
  const prices = { tryon: featurePrice(ledgerConfig, 'tryon'), styling: featurePrice(ledgerConfig, 'styling') };
  const consent = options.overrides?.consent ?? createConsentService(store);
  const holds = createHolds({
    store,
    config: ledgerConfig,
    actor: 'system:bot',
    ...(options.snapshots ? { snapshots: options.snapshots } : {}),
  });
  const sessions = { store, holds, consent, prices };
  return {
    chats: new ChatStateStore(pool),
    albums: new AlbumStore(pool),
    debounce: new ChatDebounce(pool),
    accounts: createAccountsService(ledger),
    reads: options.reads,
    consent,
    images: createImages(options.images),
    tryOn: createTryOnService(sessions),
    stylist: createStylistService(sessions),
    payments: createStarsPayments({
      inbox: options.paymentsInbox,
      purchases: options.purchases,
      store,
      ledger,
      ledgerConfig,
      webCheckoutUrl: options.webCheckoutUrl,
      ...(options.wakePayments ? { wakeProcessor: options.wakePayments } : {}),
    }),
    support: createSupportService(store),
    presence,
    prices,
    logger: options.logger,
    ...options.overrides,
  };
};

/** Points Telegram at the webhook, or starts long polling; returns how to stop the polling. */
const connectTransport = async (
  bot: Bot<BotContext>,
  processor: UpdateProcessor,
  transport: TelegramMode,
  logger: Logger,
): Promise<(() => Promise<void>) | undefined> => {
  if (transport.mode === 'webhook') {
    await bot.api.setWebhook(transport.url, {
      secret_token: transport.secretToken,
      allowed_updates: [...ALLOWED_UPDATES],
      drop_pending_updates: false,
    });
    logger.info({ url: transport.url }, 'telegram webhook set');
    return undefined;
  }
  return (await startPolling({ api: bot.api, accept: (update) => processor.accept(update), logger })).stop;
};

/** The notifier, sending with the bot's Api. */
const createNotifier = (
  options: TelegramRuntimeOptions,
  parts: { bot: Bot<BotContext>; i18n: ReturnType<typeof createI18n>; deps: BotDependencies; deliveries: Deliveries },
): Notifier =>
  new Notifier({
    store: options.store,
    pool: options.pool,
    api: parts.bot.api,
    i18n: parts.i18n,
    images: parts.deps.images,
    chats: parts.deps.chats,
    deliveries: parts.deliveries,
    logger: options.logger,
    loops: options.loops,
    fencedTransaction: options.fencedTransaction,
  });

export const createTelegramRuntime = (options: TelegramRuntimeOptions): TelegramRuntime => {
  const { settings, logger } = options;
  const deliveries = new Deliveries(options.pool);
  // The notifier sends with the bot's Api, so it is made after the bot: bound late.
  const late: { notifier?: Notifier } = {};
  const presence: PresencePort = {
    blocked: (userId) => deliveries.block(userId),
    returned: async (userId) => {
      if (await deliveries.unblock(userId)) await late.notifier?.redeliver(userId);
    },
  };
  const deps = buildDependencies(options, presence);
  const i18n = createI18n();
  const bot = createBot({
    token: settings.token,
    apiRoot: settings.apiRoot,
    deps,
    i18n,
    ...(options.botInfo ? { botInfo: options.botInfo } : {}),
    ...(options.rateLimit ? { rateLimit: options.rateLimit } : {}),
  });
  const processor = new UpdateProcessor({ inbox: new UpdateInbox(options.pool), bot, logger, loops: options.loops });
  const notifier = createNotifier(options, { bot, i18n, deps, deliveries });
  late.notifier = notifier;
  bot.api.config.use(markBlockedOn403(deliveries, logger));
  const sweeper = new UndeliveredSweeper({ deliveries, store: options.store, ledger: options.ledger, logger });
  let stopPolling: (() => Promise<void>) | undefined;
  const { transport } = settings;

  return {
    bot,
    processor,
    notifier,
    deps,
    webhookRoutes: () => {
      if (transport.mode !== 'webhook') throw new Error('the webhook route is only served in webhook mode');
      return telegramWebhookRoutes({
        secretToken: transport.secretToken,
        accept: (update) => processor.accept(update),
      });
    },
    start: async () => {
      if (!options.botInfo) await bot.init();
      await publishCommands(bot.api, i18n);
      await processor.start();
      await notifier.start();
      sweeper.start();
      stopPolling = await connectTransport(bot, processor, transport, logger);
    },
    stop: async () => {
      await stopPolling?.();
      sweeper.stop();
      await notifier.stop();
      await processor.stop();
    },
  };
};
