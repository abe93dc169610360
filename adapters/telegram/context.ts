import type { I18n, I18nFlavor } from '@grammyjs/i18n';
import type { Context } from 'grammy';
import type { Message } from 'grammy/types';
import type { AlbumStore } from './albums.js';
import type { ChatDebounce } from './chatDebounce.js';
import type { ChatState, ChatStateStore } from './chatState.js';
import type { TelegramFiles } from './files.js';
import type { Logger } from '../../projections/logger.js';
import type {
  AccountsPort,
  ConsentPort,
  ImagesPort,
  PaymentsPort,
  PresencePort,
  Prices,
  ReadModelPort,
  StylistPort,
  SupportPort,
  TryOnPort,
} from './ports.js';

/** Everything the handlers use, injected once when the bot is built. */
export interface BotDependencies {
  chats: ChatStateStore;
  albums: AlbumStore;
  /** One answer per intent: repeated taps and prompts, per chat, so a double tap is not two replies. */
  debounce: ChatDebounce;
  accounts: AccountsPort;
  reads: ReadModelPort;
  consent: ConsentPort;
  images: ImagesPort;
  tryOn: TryOnPort;
  stylist: StylistPort;
  payments: PaymentsPort;
  support: SupportPort;
  presence: PresencePort;
  prices: Prices;
  logger: Logger;
  /** The bot's clock: every command's occurredAt comes from here. */
  now?: () => Date;
  /** New session ids (UUID v4 by default). */
  newId?: () => string;
}

/** What the bot adds to grammY's context for its handlers. */
export interface ModeraFlavor {
  deps: Required<Pick<BotDependencies, 'now' | 'newId'>> & BotDependencies;
  /** The sender's conversation state, loaded before the handlers run. */
  chatState: ChatState;
  files: TelegramFiles;
  i18nInstance: I18n<BotContext>;
  /** The Telegram user id as the ledger names it (decimal). */
  userId: string;
  /** `now()` as ISO 8601, fixed for the whole update. */
  occurredAt: string;
  /** The whole album this message belongs to, in album order (message_id); unset for a lone message. */
  album?: Message[];
  /** True while a prompt (`sendPrompt`) is being sent: other messages end a run of prompts. */
  sendingPrompt: boolean;
}

export type BotContext = Context & I18nFlavor & ModeraFlavor;
