import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { collectHealth, type HealthCheck } from '../adapters/http/health.js';
import { buildHttpServer } from '../adapters/http/server.js';
import type { EventStore } from '../core/eventstore/index.js';
import { createEventStore } from '../adapters/eventstore/index.js';
import type { Config } from './config.js';
import { openDatabase, VERSION, type Database } from './runtime.js';

export const ROLES = ['api', 'projector', 'worker', 'bot'] as const;
export type Role = (typeof ROLES)[number];

/** A long-running part of the service, started in order and stopped in reverse. */
export interface Component {
  name: string;
  stop(): Promise<void>;
}

export interface App {
  database: Database;
  store: EventStore;
  http?: FastifyInstance;
  address?: string;
  stop(): Promise<void>;
}

/** Stopping must finish within this, or the process exits anyway. */
export const SHUTDOWN_TIMEOUT_MS = 30_000;

/** Starts the service with the given roles on one database. */
export const startApp = async (config: Config, logger: Logger, roles: readonly Role[]): Promise<App> => {
  const startedAt = Date.now();
  const database = await openDatabase(config, logger);
  const components: Component[] = [];
  const store = createEventStore({ eventStoreUrl: config.env.EVENTSTORE_URL, pool: database.pool });
  components.push({ name: 'eventstore', stop: () => store.close() });
  for (const feature of config.features) {
    if (!feature.enabled) logger.warn({ feature: feature.name, reason: feature.reason }, `${feature.name} is off`);
  }
  const checks: Record<string, HealthCheck> = {
    database: async () => {
      await database.pool.query('SELECT 1');
      return { state: 'up', detail: database.embedded ? 'embedded PostgreSQL' : 'DATABASE_URL' };
    },
    eventstore: async () => {
      const head = await store.headPosition();
      return { state: 'up', detail: `${store.backend}, head position ${head}` };
    },
  };
  for (const feature of config.features) {
    checks[feature.name] = async () => (feature.enabled ? { state: 'up', detail: 'configured' } : { state: 'off', detail: feature.reason ?? '' });
  }

  let http: FastifyInstance | undefined;
  let address: string | undefined;
  if (roles.includes('api')) {
    http = await buildHttpServer({
      logger,
      health: () => collectHealth({ version: VERSION, startedAt, checks, critical: ['database', 'eventstore'], projections: async () => [] }),
    });
    address = await http.listen({ port: config.env.PORT, host: config.env.HOST });
    components.push({ name: 'http', stop: () => http!.close() });
  }

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      for (const component of components.reverse()) {
        await component.stop().catch((error: unknown) => logger.error({ err: error, component: component.name }, 'stop failed'));
      }
      await database.close();
    })());
  return { database, store, ...(http ? { http } : {}), ...(address ? { address } : {}), stop };
};
