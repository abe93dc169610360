import type { Command } from 'commander';
import { loadConfig } from '../config.js';
import { instant } from '../reports/withStore.js';
import { createLogger, openDatabase } from '../runtime.js';

/** What one `payments reconcile` run reports (one JSON document with --json). */
export interface ReconcileReport {
  since: string;
  providers: Array<{
    provider: string;
    paid: number;
    credited: number;
    missing: number;
    missingPaymentIds: string[];
    error?: string;
  }>;
  /** What the processor did right after, with the rows the run recorded (and any others due). */
  applied: Record<string, number>;
  inbox: Array<{ provider: string; status: string; count: number }>;
}

const reconcile = async (options: { json?: boolean; since?: string }): Promise<number> => {
  const sinceIso = instant('--since', options.since);
  const since = sinceIso === undefined ? undefined : new Date(sinceIso);
  const config = loadConfig();
  const logger = createLogger(config, { stderr: true });
  const database = await openDatabase(config, logger);
  const [{ createEventStore }, { PostgresSnapshotStore }, { createCommandHandler }, ledger, { setupPayments }] =
    await Promise.all([
      import('../../adapters/eventstore/index.js'),
      import('../../adapters/eventstore/postgres/snapshotStore.js'),
      import('../../core/eventstore/commandHandler.js'),
      import('../../core/ledger/index.js'),
      import('../paymentsSetup.js'),
    ]);
  const store = createEventStore({ eventStoreUrl: config.env.EVENTSTORE_URL, pool: database.pool });
  try {
    const handler = createCommandHandler(ledger.accountDecider(ledger.defaultLedgerConfig), {
      store,
      snapshots: new PostgresSnapshotStore(database.pool),
    });
    const payments = setupPayments({
      env: config.env,
      pool: database.pool,
      ledger: handler,
      ledgerConfig: ledger.defaultLedgerConfig,
      logger,
    });
    const result = await payments.reconcile(since ? { since } : {});
    const applied: Record<string, number> = {};
    for (const { result: r } of await payments.processor.drain()) {
      const key = r.status === 'done' ? r.outcome : r.status;
      applied[key] = (applied[key] ?? 0) + 1;
    }
    const report: ReconcileReport = { ...result, applied, inbox: await payments.inbox.counts() };
    if (options.json) process.stdout.write(`${JSON.stringify(report)}\n`);
    else {
      for (const p of report.providers) {
        process.stdout.write(
          `${p.provider}: ${p.paid} paid since ${report.since}, ${p.credited} credited, ${p.missing} missing` +
            `${p.error ? ` (error: ${p.error})` : ''}\n`,
        );
      }
      process.stdout.write(`applied: ${JSON.stringify(applied)}\n`);
    }
    return report.providers.some((p) => p.error) ? 1 : 0;
  } finally {
    await store.close();
    await database.close();
  }
};

export const register = (program: Command): void => {
  const payments = program.command('payments').description('payments: Telegram Stars, Stripe, YooKassa');
  payments
    .command('reconcile')
    .description(
      'ask each configured provider for recent paid payments and credit any no webhook delivered (exactly once)',
    )
    .option('--json', 'print one JSON document')
    .option('--since <iso>', 'look back to this time (default: 72 hours ago)')
    .action(async (options: { json?: boolean; since?: string }) => {
      process.exitCode = await reconcile(options);
    });
};
