import { readFileSync } from 'node:fs';
import pino, { type Logger } from 'pino';
import type pg from 'pg';
import { createPool, migrate, startEmbeddedPostgres, type EmbeddedServer } from '../adapters/postgres/index.js';
import type { Config } from './config.js';

export const VERSION = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

/** The database every role shares: DATABASE_URL, or the embedded server in MODERA_DATA_DIR. */
export interface Database {
  url: string;
  pool: pg.Pool;
  embedded?: EmbeddedServer;
  close(): Promise<void>;
}

export const createLogger = (config: Config, options: { stderr?: boolean } = {}): Logger =>
  pino({ level: config.env.LOG_LEVEL, base: { service: 'modera' } }, options.stderr ? pino.destination(2) : undefined);

/** Opens (and with `migrate`, migrates) the database: the embedded one unless DATABASE_URL is set. */
export const openDatabase = async (
  config: Config,
  logger: Logger,
  options: { migrate?: boolean; poolMax?: number } = {},
): Promise<Database> => {
  let embedded: EmbeddedServer | undefined;
  let url = config.env.DATABASE_URL;
  if (!url) {
    logger.info({ dataDir: config.dataDir }, 'DATABASE_URL not set: starting the embedded PostgreSQL');
    embedded = await startEmbeddedPostgres({
      dataDir: config.dataDir,
      log: (line) => logger.debug({ postgres: line }),
    });
    url = embedded.url;
  }
  const pool = createPool(url, { max: options.poolMax ?? 20 });
  try {
    if (options.migrate ?? true) {
      const { applied } = await migrate(pool);
      if (applied.length > 0) logger.info({ applied }, 'migrations applied');
    }
  } catch (error) {
    await pool.end();
    await embedded?.stop();
    throw error;
  }
  return {
    url,
    pool,
    ...(embedded ? { embedded } : {}),
    close: async () => {
      await pool.end();
      await embedded?.stop();
    },
  };
};
