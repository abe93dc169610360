export {
  buildTimeline,
  type Timeline,
  type TimelineEvent,
  type TimelineOptions,
  type SessionLocator,
} from './timeline.js';
export {
  exportLedger,
  ledgerCsv,
  movementOf,
  rowOf,
  totalsOf,
  LEDGER_CSV_COLUMNS,
  MOVEMENT_TYPES,
  type LedgerExport,
  type LedgerRow,
  type LedgerTotal,
  type MovementType,
} from './financeExport.js';
export {
  balancesAsOf,
  financeReport,
  REPORT_MAX_DAYS,
  type BalancesAsOf,
  type DailyFigures,
  type FinanceReport,
} from './financeReport.js';
export { csvField, toCsv, type CsvValue } from './csv.js';
export {
  auditHandler,
  auditStream,
  AUDIT_CATEGORY,
  OPERATOR_ACTIONS,
  type OperatorAction,
  type OperatorActionRecorded,
  type RecordAction,
} from './audit.js';
export { readWholeStream, readCategories, recordedBy, replayAccount, EMPTY_STATE, type AccountState } from './read.js';
