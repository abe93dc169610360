import type { Command } from 'commander';
import { DEMO_DEFAULT_USERS, DEMO_MAX_USERS, runDemo } from '../demo/generator.js';
import { instant, printJson, UsageError, withStore } from '../reports/withStore.js';

export const register = (program: Command): void => {
  program
    .command('demo')
    .description('fill the store with a realistic history through the real command path (idempotent per seed)')
    .option('--users <n>', `how many users (1..${DEMO_MAX_USERS})`, String(DEMO_DEFAULT_USERS))
    .option('--seed <seed>', 'the same seed gives the same history', 'modera')
    .option('--start <iso>', 'start of the simulated history (default: 14 days ago, midnight UTC)')
    .option('--json', 'print one JSON document')
    .action(async (options: { users: string; seed: string; start?: string; json?: boolean }) => {
      const users = Number(options.users);
      if (!/^\d+$/.test(options.users) || users < 1 || users > DEMO_MAX_USERS)
        throw new UsageError(`--users: expected 1..${DEMO_MAX_USERS}`);
      const start = instant('--start', options.start);
      await withStore(async ({ store }) => {
        const summary = await runDemo({
          store,
          users,
          seed: options.seed,
          ...(start ? { start: new Date(start) } : {}),
        });
        if (options.json) return printJson(summary);
        const lines = [
          `demo (seed ${summary.seed}): ${summary.users.length} users, ${summary.eventsWritten} events written, ` +
            `head position ${summary.headPosition}`,
          `purchases: ${summary.purchases.count} (${summary.purchases.deliveries} webhook deliveries, ` +
            `${summary.purchases.duplicatesIgnored} duplicates ignored)`,
          `try-ons: ${JSON.stringify(summary.sessions.tryon)}; stylist: ${JSON.stringify(summary.sessions.styling)}`,
          `refunds ${summary.refunds}, chargebacks ${summary.chargebacks}, ` +
            `support grants ${summary.supportGrants}, expired holds ${summary.expiredHolds}`,
          ...summary.users.map((u) => `  ${u.userId}  ${u.story}   npx modera user timeline ${u.userId}`),
        ];
        process.stdout.write(`${lines.join('\n')}\n`);
      });
    });
};
