import type { Command } from 'commander';
import { balancesAsOf, exportLedger, financeReport, ledgerCsv, REPORT_MAX_DAYS } from '../../app/reports/index.js';
import { instant, printJson, UsageError, withStore } from '../reports/withStore.js';

/** Both ends of a period, checked: `from` before `to`. */
const period = (options: { from?: string; to?: string }): { from: string; to: string } => {
  const from = instant('--from', options.from);
  const to = instant('--to', options.to);
  if (!from || !to) throw new UsageError('--from and --to are required');
  if (Date.parse(from) >= Date.parse(to)) throw new UsageError('--from must be before --to');
  return { from, to };
};

export const register = (program: Command): void => {
  const finance = program.command('finance').description('read-only finance reports from the events');
  finance
    .command('export')
    .description('every movement of credits recorded in [from, to), with totals per type, currency and provider')
    .option('--from <iso>', 'start of the period (inclusive), by recording time')
    .option('--to <iso>', 'end of the period (exclusive)')
    .option('--format <format>', 'json or csv', 'json')
    .action(async (options: { from?: string; to?: string; format: string }) => {
      if (options.format !== 'json' && options.format !== 'csv') throw new UsageError('--format: expected json or csv');
      const range = period(options);
      await withStore(async ({ store }) => {
        const ledger = await exportLedger(store, range);
        if (options.format === 'json') printJson(ledger);
        else process.stdout.write(ledgerCsv(ledger));
      });
    });
  finance
    .command('report')
    .description(
      'per day: revenue, credits sold and consumed, refunds, chargebacks, liability, ' +
        `AI cost (at most ${REPORT_MAX_DAYS} days)`,
    )
    .option('--from <iso>', 'first day')
    .option('--to <iso>', 'end (exclusive)')
    .option('--json', 'print one JSON document')
    .action(async (options: { from?: string; to?: string; json?: boolean }) => {
      const range = period(options);
      if (Date.parse(range.to) - Date.parse(range.from) > REPORT_MAX_DAYS * 86_400_000)
        throw new UsageError(`a report covers at most ${REPORT_MAX_DAYS} days`);
      await withStore(async ({ store }) => {
        const report = await financeReport(store, range);
        if (options.json) return printJson(report);
        for (const d of report.days) {
          process.stdout.write(
            `${d.day} revenue USD ${d.revenueMinor.USD} RUB ${d.revenueMinor.RUB} XTR ${d.revenueMinor.XTR}; ` +
              `sold ${d.creditsSold}, consumed ${d.creditsConsumed}, ` +
              `refunded ${d.creditsRefunded}, charged back ${d.creditsChargedBack}; ` +
              `liability ${d.liabilityCredits}; ` +
              `AI µUSD tryon ${d.aiCostMicroUsd.tryon} styling ${d.aiCostMicroUsd.styling}\n`,
          );
        }
      });
    });
  finance
    .command('balances')
    .description('the balance of every account from the events recorded before --as-of')
    .option('--as-of <iso>', 'default: now')
    .option('--json', 'print one JSON document')
    .action(async (options: { asOf?: string; json?: boolean }) => {
      const asOf = instant('--as-of', options.asOf) ?? new Date().toISOString();
      await withStore(async ({ store }) => {
        const balances = await balancesAsOf(store, asOf);
        if (options.json) return printJson(balances);
        for (const a of balances.accounts)
          process.stdout.write(
            `${a.userId} balance ${a.balance} available ${a.available} held ${a.held}${a.inDebt ? ' IN DEBT' : ''}\n`,
          );
        const t = balances.totals;
        process.stdout.write(
          `${t.accounts} accounts: balance ${t.balance}, liability ${t.liabilityCredits}, debt ${t.debtCredits}\n`,
        );
      });
    });
};
