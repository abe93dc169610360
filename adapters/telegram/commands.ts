import type { I18n } from '@grammyjs/i18n';
import type { Api } from 'grammy';
import { LANGUAGES } from './chatState.js';
import type { BotContext } from './context.js';
import { DEFAULT_LANGUAGE } from './i18n.js';

/** The commands shown in Telegram's menu; /paysupport is required of bots that sell for Stars. */
export const BOT_COMMANDS = ['start', 'menu', 'help', 'paysupport'] as const;

/** Sets the command list per language (the default language for everyone else). */
export const publishCommands = async (api: Api, i18n: I18n<BotContext>): Promise<void> => {
  for (const language of LANGUAGES) {
    const commands = BOT_COMMANDS.map((command) => ({ command, description: i18n.t(language, `command-${command}`) }));
    await api.setMyCommands(commands, language === DEFAULT_LANGUAGE ? {} : { language_code: language });
  }
};
