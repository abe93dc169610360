import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { ReconcileReport } from '../../../projections/index.js';
import type { EventStore } from '../../../core/eventstore/index.js';
import { isAdminGuard, requireAdmin, type AdminGuard, type AdminIdentity } from '../auth.js';
import { countedExecute, type ExecuteAccount } from '../api/commandMetrics.js';
import type { SessionLocator } from '../../../app/reports/timeline.js';
import type { ProviderRefund } from '../../../app/support/actions.js';
import { registerFinanceRoutes } from './financeRoutes.js';
import { registerSupportRoutes } from './supportRoutes.js';

/**
 * The admin routes (`/admin/…`, bearer tokens from ADMIN_TOKENS): support reads a user's
 * timeline and makes audited corrections; finance reads the ledger export, balances, daily
 * figures and the reconcile report. Everything is read from the events, never the read tables.
 */

export interface AdminDependencies {
  /** ADMIN_TOKENS, parsed: `name:role:token`. */
  tokens: ReadonlyArray<{ name: string; role: AdminIdentity['role']; token: string }>;
  store: EventStore;
  /** Finds a user's sessions for the timeline (only a pointer: events are read from the store). */
  sessions: SessionLocator;
  executeAccount: ExecuteAccount;
  /** Refunds at the provider (Stripe, YooKassa, Stars); without it support refunds answer 503. */
  refundAtProvider?: ProviderRefund | undefined;
  /** projections' `repairAccount`: rewrites one user's read rows; without it 503. */
  rebuildUser?: ((userId: string) => Promise<unknown>) | undefined;
  /** projections' `reconcile`; without it 503. */
  reconcile?: (() => Promise<ReconcileReport>) | undefined;
}

export interface AdminContext extends AdminDependencies {
  /** Route onRequest hooks: authentication and role, before the request is parsed or validated. */
  support: AdminGuard;
  finance: AdminGuard;
}

/** Refuses, at start, an admin route registered without a role guard in its onRequest hooks. */
const requireGuardOnEveryRoute = (app: FastifyInstance): void => {
  app.addHook('onRoute', (route) => {
    if (![route.onRequest ?? []].flat().some(isAdminGuard)) {
      const name = `${String(route.method)} ${route.url}`;
      throw new Error(`admin route ${name} has no role guard (onRequest: context.support or context.finance)`);
    }
  });
};

export const adminRoutes = (deps: AdminDependencies): FastifyPluginAsync => async (app) => {
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
