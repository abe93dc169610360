import type { Command } from 'commander';
import { ROLES, SHUTDOWN_TIMEOUT_MS, startApp, type Role } from '../app.js';
import { loadConfig } from '../config.js';
import { createLogger } from '../runtime.js';

const parseRoles = (value: string): Role[] => {
  const roles = value
    .split(',')
    .map((r) => r.trim())
    .filter(Boolean);
  const unknown = roles.filter((r) => !ROLES.includes(r as Role));
  if (unknown.length > 0 || roles.length === 0) {
    throw new Error(`--roles takes a comma-separated list of ${ROLES.join(', ')}; got ${value}`);
  }
  return roles as Role[];
};

export const register = (program: Command): void => {
  program
    .command('start')
    .description('serve HTTP and run the projectors, workers and bot (each where configured)')
    .option('--roles <list>', `which parts to run: ${ROLES.join(',')}`, ROLES.join(','))
    .action(async (options: { roles: string }) => {
      const config = loadConfig();
      const logger = createLogger(config);
      const app = await startApp(config, logger, parseRoles(options.roles));
      logger.info({ address: app.address, roles: options.roles }, 'modera started');
      const shutdown = (signal: string) => {
        logger.info({ signal }, 'shutting down');
        const force = setTimeout(() => {
          logger.error(`shutdown took longer than ${SHUTDOWN_TIMEOUT_MS} ms; exiting`);
          process.exit(1);
        }, SHUTDOWN_TIMEOUT_MS);
        force.unref();
        app.stop().then(
          () => process.exit(0),
          (error: unknown) => {
            logger.error({ err: error }, 'shutdown failed');
            process.exit(1);
          },
        );
      };
      process.once('SIGINT', () => shutdown('SIGINT'));
      process.once('SIGTERM', () => shutdown('SIGTERM'));
    });
};
