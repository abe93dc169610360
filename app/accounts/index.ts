export type { LedgerHandler } from './ledger.js';
export {
  createAccountsService,
  createConsentService,
  createSupportService,
  CONSENT_VERSION,
  SUPPORT_CATEGORY,
} from './accounts.js';
export type { AccountsPort, Balance, ReadModelPort, SupportPort, TransactionView } from './ports.js';
