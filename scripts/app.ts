import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { Logger } from 'pino';
import { createEventStore } from '../adapters/eventstore/index.js';
import { adminRoutes } from '../adapters/http/admin/adminRoutes.js';
import { serviceApiRoutes } from '../adapters/http/api/serviceApi.js';
import { collectHealth, type HealthCheck, type ProjectionHealth } from '../adapters/http/health.js';
import { projectionQuarantinedStreams, projectorLagEvents, projectorLagSeconds } from '../adapters/http/metrics.js';
import { filesRoute } from '../adapters/http/filesRoute.js';
import { buildHttpServer } from '../adapters/http/server.js';
import { createProviderRefunds } from '../app/payments/index.js';
import { providerRefunders } from '../adapters/payments/index.js';
import {
  createReadModel,
  fashionSessionLocator,
  fencedTransaction,
  pgJobQueue,
  pgSweepCandidates,
} from '../adapters/postgres/index.js';
import {
  createTelegramRuntime,
  telegramSettingsFromEnv,
  type TelegramRuntime,
  type TelegramSettings,
} from '../adapters/telegram/runtime.js';
import { startInputPurge } from './inputPurge.js';
import { startSweeper, startWorker } from '../app/worker/index.js';
import type { EventStore } from '../core/eventstore/index.js';
import {
  PROJECTIONS,
  projectionStatus,
  reconcile,
  repairAccount,
  startProjectors,
  type RunningProjectors,
} from '../projections/index.js';
import { ConfigError, type Config, type Feature } from './config.js';
import { localFiles } from './localFiles.js';
import { openDatabase, VERSION, type Database } from './runtime.js';
import { createServices, type Services } from './services.js';

export const ROLES = ['api', 'projector', 'worker', 'bot'] as const;
export type Role = (typeof ROLES)[number];

/** A long-running part of the service, stopped in the reverse order of its start. */
export interface Component {
  name: string;
  stop(): Promise<void>;
}

export interface App {
  database: Database;
  store: EventStore;
  services: Services;
  http?: FastifyInstance;
  address?: string;
  stop(): Promise<void>;
}

/**
 * How far behind the head a projection may be for the admin reconcile to say `ok`, positions. A
 * request does not wait for catch-up as the CLI's `--wait` does, and live projectors trail a busy
 * log by a batch or so; further behind than this, finance is told.
 */
export const ADMIN_RECONCILE_MAX_LAG_EVENTS = 1_000;

/** Stopping must finish within this, or the process exits anyway. */
export const SHUTDOWN_TIMEOUT_MS = 30_000;

const featureChecks = (features: readonly Feature[]): Record<string, HealthCheck> =>
  Object.fromEntries(
    features.map((f) => [
      f.name,
      async () =>
        f.enabled
          ? { state: 'up' as const, detail: f.reason ?? 'configured' }
          : { state: 'off' as const, detail: f.reason ?? '' },
    ]),
  );

/** Lag of every projection: from this process's runners, or from the checkpoints when they run elsewhere. */
const projectionHealth =
  (store: EventStore, database: Database, projectors: RunningProjectors | undefined) =>
  async (): Promise<ProjectionHealth[]> => {
    const report = projectors
      ? await projectors.status()
      : await Promise.all(PROJECTIONS.map((p) => projectionStatus(store, database.pool, p.name)));
    for (const p of report) {
      projectorLagEvents.set({ projector: p.name }, p.lagEvents);
      projectorLagSeconds.set({ projector: p.name }, p.lagSeconds);
      projectionQuarantinedStreams.set({ projector: p.name }, p.quarantined.length);
    }
    return report;
  };

const startBackground = (
  roles: readonly Role[],
  app: { store: EventStore; database: Database; services: Services; logger: Logger },
): Component[] => {
  const { store, database, services, logger } = app;
  const components: Component[] = [];
  const common = {
    store,
    pool: database.pool,
    logger,
    snapshots: services.snapshots,
    ledgerConfig: services.ledgerConfig,
    loops: services.loops,
  };
  if (roles.includes('worker')) {
    services.payments.processor.start();
    components.push({ name: 'payments processor', stop: () => services.payments.processor.stop() });
    const reconciler = services.payments.startReconciler();
    components.push({ name: 'payments reconciler', stop: () => reconciler.stop() });
    const sweeper = startSweeper({ ...common, candidates: pgSweepCandidates(database.pool) });
    components.push({ name: 'hold sweeper', stop: () => sweeper.stop() });
    const purge = startInputPurge(services.images, { loops: services.loops });
    components.push({ name: 'input purge', stop: () => purge.stop() });
    if (services.ai.status === 'on') {
      const worker = startWorker({
        ...common,
        jobs: pgJobQueue(database.pool),
        ai: services.ai.chain,
        images: services.images,
      });
      components.push({ name: 'ai worker', stop: () => worker.stop() });
    } else {
      logger.warn(
        { reason: services.ai.reason },
        'AI worker not started: try-on and stylist jobs wait until a provider is configured',
      );
    }
  }
  return components;
};

interface Telegram {
  settings: TelegramSettings;
  runtime: TelegramRuntime;
}

const apiPlugins = (
  config: Config,
  app: { store: EventStore; database: Database; services: Services },
  telegram: Telegram | undefined,
): FastifyPluginAsync[] => {
  const { store, database, services } = app;
  const pool = database.pool;
  return [
    services.payments.routes,
    serviceApiRoutes({
      token: config.env.INTERNAL_API_TOKEN,
      pool,
      store,
      executeAccount: services.executeAccount,
      ledgerConfig: services.ledgerConfig,
      startPurchase: services.payments.checkout,
    }),
    adminRoutes({
      tokens: config.env.ADMIN_TOKENS,
      store,
      sessions: fashionSessionLocator(pool),
      executeAccount: services.executeAccount,
      refundAtProvider: createProviderRefunds(providerRefunders(services.payments, services.payments)),
      rebuildUser: (userId) => repairAccount(store, pool, Number(userId)),
      reconcile: () => reconcile({ store, pool, maxLag: ADMIN_RECONCILE_MAX_LAG_EVENTS }),
    }),
    filesRoute(localFiles(services)),
    ...(telegram?.settings.transport.mode === 'webhook' ? [telegram.runtime.webhookRoutes()] : []),
  ];
};

interface Parts {
  store: EventStore;
  database: Database;
  services: Services;
  logger: Logger;
}

/** The bot, when its token is set and this process has the bot role; not started yet. */
const createTelegram = (config: Config, roles: readonly Role[], parts: Parts): Telegram | undefined => {
  const { store, database, services, logger } = parts;
  const settings = telegramSettingsFromEnv(config.env);
  if (!settings || !roles.includes('bot')) return undefined;
  if (settings.transport.mode === 'webhook' && !roles.includes('api')) {
    throw new ConfigError([
      '--roles: the bot in webhook mode (TELEGRAM_WEBHOOK_URL) needs the api role in the same process',
    ]);
  }
  const runtime = createTelegramRuntime({
    settings,
    pool: database.pool,
    store,
    ledger: services.ledger,
    ledgerConfig: services.ledgerConfig,
    loops: services.loops,
    fencedTransaction: (lease, work) => fencedTransaction(database.pool, lease, work),
    paymentsInbox: services.payments.inbox,
    purchases: services.payments.purchases,
    images: services.images,
    reads: createReadModel(database.pool),
    snapshots: services.snapshots,
    logger,
    webCheckoutUrl: config.env.PUBLIC_BASE_URL ? `${config.env.PUBLIC_BASE_URL}/checkout` : undefined,
    wakePayments: () => services.payments.processor.wake(),
  });
  return { settings, runtime };
};

/** The HTTP server with its health checks and every route, listening on PORT and HOST. */
const serveHttp = async (
  config: Config,
  parts: Parts & { features: readonly Feature[]; projectors: RunningProjectors | undefined; startedAt: number },
  telegram: Telegram | undefined,
): Promise<{ http: FastifyInstance; address: string }> => {
  const { store, database, logger } = parts;
  const checks: Record<string, HealthCheck> = {
    database: async () => {
      await database.pool.query('SELECT 1');
      return { state: 'up', detail: database.embedded ? 'embedded PostgreSQL' : 'DATABASE_URL' };
    },
    eventstore: async () => ({ state: 'up', detail: `${store.backend}, head position ${await store.headPosition()}` }),
    ...featureChecks(parts.features),
  };
  const http = await buildHttpServer({
    logger,
    ...(config.env.TRUST_PROXY !== undefined ? { trustProxy: config.env.TRUST_PROXY } : {}),
    health: () =>
      collectHealth({
        version: VERSION,
        startedAt: parts.startedAt,
        checks,
        critical: ['database', 'eventstore'],
        projections: projectionHealth(store, database, parts.projectors),
        loops: () => parts.services.loops.registry.health(),
      }),
    plugins: apiPlugins(config, parts, telegram),
  });
  const address = await http.listen({ port: config.env.PORT, host: config.env.HOST });
  return { http, address };
};

/** Starts the service with the given roles on one database. */
export const startApp = async (config: Config, logger: Logger, roles: readonly Role[]): Promise<App> => {
  const startedAt = Date.now();
  const database = await openDatabase(config, logger);
  const components: Component[] = [];
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      for (const component of components.reverse()) {
        await component
          .stop()
          .catch((error: unknown) => logger.error({ err: error, component: component.name }, 'stop failed'));
      }
      await database.close();
    })());
  try {
    const store = createEventStore({ eventStoreUrl: config.env.EVENTSTORE_URL, pool: database.pool });
    components.push({ name: 'event store', stop: () => store.close() });
    const services = await createServices({ config, database, store, logger });
    const features = [...config.features, ...services.features];
    for (const f of features) if (!f.enabled) logger.warn({ feature: f.name, reason: f.reason }, `${f.name} is off`);

    const projectors = roles.includes('projector')
      ? startProjectors({ store, pool: database.pool, logger })
      : undefined;
    if (projectors) components.push({ name: 'projectors', stop: () => projectors.stop() });
    components.push(...startBackground(roles, { store, database, services, logger }));

    const telegram = createTelegram(config, roles, { store, database, services, logger });
    const served = roles.includes('api')
      ? await serveHttp(config, { store, database, services, logger, features, projectors, startedAt }, telegram)
      : undefined;
    if (served) components.push({ name: 'http', stop: () => served.http.close() });
    if (telegram) {
      await telegram.runtime.start();
      components.push({ name: 'telegram bot', stop: () => telegram.runtime.stop() });
    }
    return { database, store, services, ...(served ?? {}), stop };
  } catch (error) {
    await stop();
    throw error;
  }
};
