import type { FastifyPluginAsync } from 'fastify';
import type pg from 'pg';
import pino from 'pino';
import { PostgresEventStore } from '../../adapters/eventstore/postgres/index.js';
import { fashionSessionLocator } from '../../adapters/postgres/sessionLocator.js';
import { adminRoutes, type AdminDependencies } from '../../adapters/http/admin/adminRoutes.js';
import type { ExecuteAccount } from '../../adapters/http/api/commandMetrics.js';
import { serviceApiRoutes, type ServiceApiDependencies } from '../../adapters/http/api/serviceApi.js';
import { collectHealth } from '../../adapters/http/health.js';
import { buildHttpServer } from '../../adapters/http/server.js';
import { createCommandHandler } from '../../core/eventstore/index.js';
import {
  ACCOUNT_STREAM_PREFIX,
  accountDecider,
  defaultLedgerConfig,
  guardAccountCommands,
  type AccountCommand,
} from '../../core/ledger/index.js';
import { testDatabase } from './database.js';

type Test = Parameters<typeof testDatabase>[0];

export const SERVICE_TOKEN = 'service-token-0123456789';
export const SUPPORT_TOKEN = 'support-token-0123456789';
export const FINANCE_TOKEN = 'finance-token-0123456789';
export const ADMIN_TOKENS = [
  { name: 'ann', role: 'support' as const, token: SUPPORT_TOKEN },
  { name: 'bob', role: 'finance' as const, token: FINANCE_TOKEN },
];

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/**
 * The service API and the admin routes on a fresh migrated PostgreSQL, with the real ledger
 * command handler on the PostgreSQL event store. Optional ports (payments, sessions, projections)
 * come from the test.
 */
export interface HttpApiBase {
  store: PostgresEventStore;
  pool: pg.Pool;
  executeAccount: (userId: string, command: AccountCommand) => ReturnType<ExecuteAccount>;
}

type Extra<D> = Partial<D> | ((base: HttpApiBase) => Partial<D> | Promise<Partial<D>>);
const resolve = async <D>(extra: Extra<D> | undefined, base: HttpApiBase): Promise<Partial<D>> =>
  typeof extra === 'function' ? extra(base) : (extra ?? {});

export const httpApi = async (
  t: Test,
  options: {
    api?: Extra<ServiceApiDependencies>;
    admin?: Extra<AdminDependencies>;
    /** More route plugins (webhooks, checkout, files), for tests that walk every route. */
    plugins?: (base: HttpApiBase) => FastifyPluginAsync[];
  } = {},
) => {
  const { pool } = await testDatabase(t);
  const store = new PostgresEventStore(pool);
  // As scripts/services.ts wires it: the guarded command path.
  const handler = guardAccountCommands(createCommandHandler(accountDecider(), { store }));
  const executeAccount = (userId: string, command: AccountCommand) =>
    handler(`${ACCOUNT_STREAM_PREFIX}${userId}`, command);
  const base: HttpApiBase = { store, pool, executeAccount };
  const api = await resolve(options.api, base);
  const admin = await resolve(options.admin, base);
  const app = await buildHttpServer({
    logger: pino({ level: 'silent' }),
    health: () =>
      collectHealth({ version: 't', startedAt: Date.now(), checks: {}, critical: [], projections: async () => [] }),
    plugins: [
      serviceApiRoutes({
        token: SERVICE_TOKEN,
        pool,
        store,
        executeAccount,
        ledgerConfig: defaultLedgerConfig,
        ...api,
      }),
      adminRoutes({ tokens: ADMIN_TOKENS, store, sessions: fashionSessionLocator(pool), executeAccount, ...admin }),
      ...(options.plugins?.(base) ?? []),
    ],
  });
  t.teardown(async () => {
    await app.close();
    await store.close();
  });
  return { app, store, pool, executeAccount };
};
