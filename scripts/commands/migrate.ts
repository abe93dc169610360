import type { Command } from 'commander';
import { loadConfig } from '../config.js';
import { createLogger, openDatabase } from '../runtime.js';

export const register = (program: Command): void => {
  program
    .command('migrate')
    .description('apply the SQL migrations of schema/ (also done at start)')
    .option('--json', 'print one JSON document')
    .action(async (options: { json?: boolean }) => {
      const config = loadConfig();
      const logger = createLogger(config, { stderr: true });
      const database = await openDatabase(config, logger, { migrate: false });
      try {
        const { migrate } = await import('../../adapters/postgres/migrate.js');
        const result = await migrate(database.pool);
        process.stdout.write(
          options.json
            ? `${JSON.stringify(result)}\n`
            : `applied: ${result.applied.join(', ') || 'nothing (up to date)'}\n`,
        );
      } finally {
        await database.close();
      }
    });
};
