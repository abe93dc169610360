import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { isAdminGuard, requireAdmin } from '../auth.js';
import { countedExecute } from '../api/commandMetrics.js';
import type { AdminContext, AdminDependencies } from './adminContext.js';
import { registerFinanceRoutes } from './financeRoutes.js';
import { registerSupportRoutes } from './supportRoutes.js';

export type { AdminDependencies } from './adminContext.js';

/**
 * The admin routes (`/admin/…`, bearer tokens from ADMIN_TOKENS): support reads a user's
 * timeline and makes audited corrections; finance reads the ledger export, balances, daily
 * figures and the reconcile report. Everything is read from the events, never the read tables.
 */

/** Refuses, at start, an admin route registered without a role guard in its onRequest hooks. */
const requireGuardOnEveryRoute = (app: FastifyInstance): void => {
  app.addHook('onRoute', (route) => {
    if (![route.onRequest ?? []].flat().some(isAdminGuard)) {
      const name = `${String(route.method)} ${route.url}`;
      throw new Error(`admin route ${name} has no role guard (onRequest: context.support or context.finance)`);
    }
  });
};

export const adminRoutes =
  (deps: AdminDependencies): FastifyPluginAsync =>
  async (app) => {
    requireGuardOnEveryRoute(app);
    const context: AdminContext = {
      ...deps,
      executeAccount: countedExecute(deps.executeAccount),
      support: requireAdmin(deps.tokens, ['support']),
      finance: requireAdmin(deps.tokens, ['finance']),
    };
    registerSupportRoutes(app, context);
    registerFinanceRoutes(app, context);
  };
