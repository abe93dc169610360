// The Telegram bot's public surface: what the app wires at start.
export {
  createTelegramRuntime,
  buildDependencies,
  telegramSettingsFromEnv,
  type TelegramRuntime,
  type TelegramRuntimeOptions,
  type TelegramSettings,
  type TelegramMode,
} from './runtime.js';
export { createBot, RATE_LIMIT, AUTO_RETRY, DEFAULT_API_ROOT, type BotOptions } from './bot.js';
export { telegramWebhookRoutes, WEBHOOK_PATH, SECRET_HEADER, type TelegramWebhookOptions } from './routes.js';
export { startPolling, ALLOWED_UPDATES, type Polling, type PollingOptions } from './polling.js';
export { Notifier, NOTIFIER_NAME, type NotifierOptions } from './notifier.js';
export { UpdateProcessor, type UpdateHandler } from './updateProcessor.js';
export { UpdateInbox, chatKeyOf } from './updateInbox.js';
export { ChatStateStore, LANGUAGES, type Language } from './chatState.js';
export { createI18n, LOCALES_DIR } from './i18n.js';
export type { BotContext, BotDependencies } from './context.js';
export type * from './ports.js';
