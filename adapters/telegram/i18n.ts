import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { I18n } from '@grammyjs/i18n';
import { LANGUAGES, type Language } from './chatState.js';
import type { BotContext } from './context.js';

/** The Fluent files, one per language: `locales/en.ftl`, `locales/ru.ftl`. */
export const LOCALES_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'locales');
export const DEFAULT_LANGUAGE: Language = 'en';

/** Telegram's language_code (`ru`, `ru-RU`, `en-GB`, …) as one of ours, or undefined. */
export const languageOf = (languageCode: string | undefined): Language | undefined => {
  const base = languageCode?.toLowerCase().split(/[-_]/)[0];
  return (LANGUAGES as readonly string[]).includes(base ?? '') ? (base as Language) : undefined;
};

/**
 * The i18n plugin: the language the user picked, else their Telegram language, else English.
 * Fluent's bidi isolation marks are off: every message here is left-to-right, and the marks
 * would otherwise end up inside button texts and amounts.
 */
export const createI18n = (): I18n<BotContext> => {
  const i18n = new I18n<BotContext>({
    defaultLocale: DEFAULT_LANGUAGE,
    fluentBundleOptions: { useIsolating: false },
    localeNegotiator: (ctx) => ctx.chatState?.language ?? languageOf(ctx.from?.language_code) ?? DEFAULT_LANGUAGE,
  });
  i18n.loadLocalesDirSync(LOCALES_DIR);
  return i18n;
};
