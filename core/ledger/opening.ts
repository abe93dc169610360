import type { TelegramProfile } from './commands.js';
import type { LedgerConfig } from './config.js';
import { SYSTEM_OPERATOR, WELCOME_GRANT_ID, type AccountEvent, type AccountOpenedData } from './events.js';

/**
 * The events that open an account: `AccountOpened`, then the welcome grant when one is
 * configured. The welcome grant is tied to the opening, whichever command opens the account
 * (the user starting the bot, or a payment that arrived first): "once per account" is then
 * simply "once per AccountOpened", and a user who pays before starting the bot is a new user
 * too, so gets the same welcome. It has the fixed grant id `welcome`, so it is idempotent like
 * any grant.
 */
export const openingEvents = (
  userId: string,
  openedBy: AccountOpenedData['openedBy'],
  profile: TelegramProfile,
  config: LedgerConfig,
): { events: AccountEvent[]; balanceAfter: number } => {
  const opened: AccountEvent = { type: 'AccountOpened', data: { userId, openedBy, profile } };
  if (config.welcomeCredits === 0) return { events: [opened], balanceAfter: 0 };
  const welcome: AccountEvent = {
    type: 'CreditsGranted',
    data: {
      grantId: WELCOME_GRANT_ID,
      credits: config.welcomeCredits,
      reason: 'welcome',
      operator: SYSTEM_OPERATOR,
      balanceAfter: config.welcomeCredits,
    },
  };
  return { events: [opened, welcome], balanceAfter: config.welcomeCredits };
};
