import type { Logger } from '../../projections/logger.js';
import type { LoopOptions, LoopRegistry } from './durableLoop.js';
import type { LeaseStore, LoopMetrics } from './ports.js';

/**
 * What the composition root hands every background job so that its loop runs on the shared
 * lease store, metrics and health. Each part is optional: without a lease store a loop runs in
 * every instance (tests, a single process), without metrics nothing is counted.
 */
export interface LoopServices {
  leases?: LeaseStore | undefined;
  metrics?: LoopMetrics | undefined;
  registry?: LoopRegistry | undefined;
  logger?: Logger | undefined;
}

/** The parts of LoopOptions that come from LoopServices; `exclusive`: one instance across processes. */
export const loopSettings = <C>(services: LoopServices | undefined, exclusive: boolean): Partial<LoopOptions<C>> => ({
  ...(exclusive && services?.leases ? { lease: { store: services.leases } } : {}),
  ...(services?.metrics ? { metrics: services.metrics } : {}),
  ...(services?.registry ? { registry: services.registry } : {}),
  ...(services?.logger ? { logger: services.logger } : {}),
});
