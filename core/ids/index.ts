export {
  TELEGRAM_USER_ID_MAX,
  TELEGRAM_USER_ID_MAX_DIGITS,
  TELEGRAM_USER_ID_RULE,
  isTelegramUserId,
  isTelegramUserIdNumber,
  parseTelegramUserId,
} from './telegramUserId.js';
