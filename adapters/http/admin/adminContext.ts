import type { EventStore } from '../../../core/eventstore/index.js';
import type { ReconcileReport } from '../../../projections/index.js';
import type { ExecuteAccount } from '../api/commandMetrics.js';
import type { AdminGuard, AdminIdentity } from '../auth.js';
import type { SessionLocator } from '../../../app/reports/timeline.js';
import type { ProviderRefund } from '../../../app/support/actions.js';

/**
 * What the admin routes are given: their dependencies plus the role guards. It lives apart from
 * `adminRoutes.ts` (which registers the routes) so the route files can name it without importing
 * their own registrar.
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
