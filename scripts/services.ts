import { randomBytes } from 'node:crypto';
import { backoffMs } from '../core/backoff/index.js';
import { readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import { aiConfigFromEnv, createAiProviders, type AiSetup } from '../adapters/ai/index.js';
import { setupPayments, type Payments } from './paymentsSetup.js';
import { PostgresSnapshotStore } from '../adapters/eventstore/postgres/snapshotStore.js';
import { PostgresLeaseStore } from '../adapters/postgres/leaseStore.js';
import { loopMetrics } from '../adapters/http/metrics.js';
import { LoopRegistry, type LoopServices } from '../app/loop/index.js';
import { LocalImageStore, R2ImageStore, r2ConfigFromEnv, type ImageStore } from '../adapters/storage/index.js';
import { createCommandHandler, type CommandHandler, type EventStore } from '../core/eventstore/index.js';
import {
  accountDecider,
  ACCOUNT_STREAM_PREFIX,
  guardAccountCommands,
  defaultLedgerConfig,
  parseLedgerConfig,
  type AccountCommand,
  type LedgerConfig,
  type Rejection,
} from '../core/ledger/index.js';
import { aiEnvOf, ConfigError, r2EnvOf, type Config, type Feature } from './config.js';
import type { Database } from './runtime.js';

/** Conflicting writers back off between attempts; jittered so they don't collide again. */
export const COMMAND_BACKOFF_BASE_MS = 2;
export const COMMAND_BACKOFF_MAX_MS = 100;

const COMMAND_BACKOFF = { baseMs: COMMAND_BACKOFF_BASE_MS, ceilingMs: COMMAND_BACKOFF_MAX_MS, jitter: 'full' } as const;

// `attempt` counts from 1 after the first conflict; the first pause was already base × 2.
const jitteredBackoff = (attempt: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, backoffMs(attempt + 1, COMMAND_BACKOFF, Math.random())));

/** What every role shares: the ledger's command path, payments, AI and image storage. */
export interface Services {
  ledgerConfig: LedgerConfig;
  snapshots: PostgresSnapshotStore;
  ledger: CommandHandler<AccountCommand, Rejection>;
  executeAccount: (userId: string, command: AccountCommand) => ReturnType<CommandHandler<AccountCommand, Rejection>>;
  payments: Payments;
  ai: AiSetup;
  images: ImageStore;
  /** The signing key of local file links; undefined when images are on R2. */
  localFilesSecret?: string;
  /** Parts that are on or off beyond the plain secrets check of the configuration. */
  features: Feature[];
  /** What every background loop runs with: the lease store, metrics, the health registry. */
  loops: LoopServices & { registry: LoopRegistry };
}

/** MODERA_LEDGER_CONFIG: a JSON file of packages, prices and limits; default: the built-in ones. */
const loadLedgerConfig = async (file: string | undefined): Promise<LedgerConfig> => {
  if (!file) return defaultLedgerConfig;
  try {
    return parseLedgerConfig(JSON.parse(await readFile(file, 'utf8')));
  } catch (error) {
    throw new ConfigError([`MODERA_LEDGER_CONFIG: ${file}: ${(error as Error).message}`]);
  }
};

/**
 * The local image store signs its URLs with a key kept in the data directory, made on first use,
 * so links stay valid across restarts. Several instances behind one PUBLIC_BASE_URL should use R2.
 */
const localSigningSecret = async (dataDir: string): Promise<string> => {
  const file = path.join(dataDir, 'files-signing.key');
  if (existsSync(file)) return (await readFile(file, 'utf8')).trim();
  const secret = randomBytes(32).toString('base64url');
  await writeFile(file, secret, { mode: 0o600 });
  return secret;
};

const createImageStore = async (
  config: Config,
): Promise<{ images: ImageStore; feature: Feature; localFilesSecret?: string }> => {
  const r2 = r2ConfigFromEnv(r2EnvOf(config.env));
  if (r2)
    return { images: new R2ImageStore(r2), feature: { name: 'image_storage', enabled: true, reason: 'Cloudflare R2' } };
  const localFilesSecret = await localSigningSecret(config.dataDir);
  const images = new LocalImageStore(path.join(config.dataDir, 'files'), {
    signingSecret: localFilesSecret,
    ...(config.env.PUBLIC_BASE_URL ? { urlBase: config.env.PUBLIC_BASE_URL } : {}),
  });
  const feature = {
    name: 'image_storage',
    enabled: true,
    reason: `local directory ${path.join(config.dataDir, 'files')}`,
  };
  return { images, feature, localFilesSecret };
};

const aiSetup = (config: Config, logger: Logger): AiSetup => {
  try {
    return createAiProviders(aiConfigFromEnv(aiEnvOf(config.env)), {
      onProviderFailed: (failure) => logger.warn({ failure }, 'AI provider failed; trying the next'),
    });
  } catch (error) {
    throw new ConfigError([(error as Error).message]);
  }
};

export const createServices = async (options: {
  config: Config;
  database: Database;
  store: EventStore;
  logger: Logger;
}): Promise<Services> => {
  const { config, database, store, logger } = options;
  const ledgerConfig = await loadLedgerConfig(config.env.MODERA_LEDGER_CONFIG);
  // One query loads snapshot, ids and tail only when the events sit in the same database.
  const snapshots = new PostgresSnapshotStore(database.pool, { eventsInSameDatabase: store.backend === 'postgres' });
  const ledger = guardAccountCommands(
    createCommandHandler(accountDecider(ledgerConfig), {
      store,
      snapshots,
      backoff: jitteredBackoff,
      onSnapshotError: (error, stream) =>
        logger.warn({ err: error, stream }, 'snapshot save failed; the command stands'),
    }),
  );
  const loops = {
    leases: new PostgresLeaseStore(database.pool),
    metrics: loopMetrics,
    registry: new LoopRegistry(),
    logger,
  };
  const payments = setupPayments({ env: config.env, pool: database.pool, ledger, ledgerConfig, logger, loops });
  const ai = aiSetup(config, logger);
  const { images, feature: storage, localFilesSecret } = await createImageStore(config);
  return {
    ledgerConfig,
    snapshots,
    ledger,
    // The guard answers invalid_user_id before accountStream would crash on a bad id.
    executeAccount: (userId, command) => ledger(`${ACCOUNT_STREAM_PREFIX}${userId}`, command),
    payments,
    ai,
    images,
    loops,
    ...(localFilesSecret ? { localFilesSecret } : {}),
    features: [
      ...payments.features,
      ai.status === 'on'
        ? { name: 'ai_worker', enabled: true, reason: `providers: ${ai.providers.join(', ')}` }
        : { name: 'ai_worker', enabled: false, reason: ai.reason },
      storage,
    ],
  };
};
