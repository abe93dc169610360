import type { preHandlerAsyncHookHandler } from 'fastify';
import type pg from 'pg';
import type { EventStore } from '../../../core/eventstore/index.js';
import type { LedgerConfig } from '../../../core/ledger/index.js';
import type { ImageInput, ImageKind } from '../../../core/sessions/index.js';
import type { StylistPort, TryOnPort } from '../../../app/sessions/ports.js';
import type { ExecuteAccount } from './commandMetrics.js';
import type { StartPurchase } from './purchases.js';

/**
 * What the service API's routes are given: its dependencies plus the per-user budget. It lives
 * apart from `serviceApi.ts` (which registers the routes) so the route files can name it without
 * importing their own registrar.
 */

/**
 * The session services the bot uses (app/sessions/services.ts), as far as the API needs them,
 * made with the actor `service:api`: the events of every step after the start carry it (a start
 * is the user's own, `user:<id>`).
 */
export interface FashionDependencies {
  tryOn: Pick<TryOnPort, 'start' | 'provideClothing' | 'providePerson'>;
  stylist: Pick<StylistPort, 'start' | 'providePhoto' | 'submitPreferences'>;
  /**
   * Fetches an image the client points at (size-limited, allowed hosts only), validates and stores it:
   * `imagesFromUrl`.
   */
  images: {
    fromUrl(
      kind: ImageKind,
      sessionId: string,
      url: string,
    ): Promise<{ ok: true; image: ImageInput } | { ok: false; rejection: string }>;
  };
}

export interface ServiceApiDependencies {
  /** INTERNAL_API_TOKEN; without it every route answers 503 feature_off. */
  token: string | undefined;
  /** Read tables (`users`) and the idempotency keys. */
  pool: pg.Pool;
  store: EventStore;
  /** The ledger's command handler on `account-<userId>`. */
  executeAccount: ExecuteAccount;
  ledgerConfig: LedgerConfig;
  /** The payments module's checkout; without it purchases answer 503 feature_off. */
  startPurchase?: StartPurchase | undefined;
  /** The session orchestration; without it the fashion routes answer 503 feature_off. */
  fashion?: FashionDependencies | undefined;
  /** Requests per user per minute; default RATE_LIMIT_PER_MINUTE (the architecture's 100). */
  rateLimitPerMinute?: number;
}

export interface RouteContext extends ServiceApiDependencies {
  /**
   * The per-user budget, run before every handler (after validation: a body's user_id counts).
   * Auth runs earlier, in the scope's onRequest hook.
   */
  guard: preHandlerAsyncHookHandler[];
}
