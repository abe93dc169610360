import type { DurableLoop, LoopHealth, LoopOptions } from './durableLoop.js';
import type { LeaseStore, LoopLogger, LoopMetrics } from './ports.js';

/** The loops running in this process, for /health. */
export class LoopRegistry {
  private readonly loops = new Set<Pick<DurableLoop<unknown>, 'health'>>();

  add(loop: Pick<DurableLoop<unknown>, 'health'>): void {
    this.loops.add(loop);
  }

  remove(loop: Pick<DurableLoop<unknown>, 'health'>): void {
    this.loops.delete(loop);
  }

  health(): LoopHealth[] {
    return [...this.loops].map((loop) => loop.health());
  }
}

/**
 * What the composition root hands every background job so that its loop runs on the shared
 * lease store, metrics and health. Each part is optional: without a lease store a loop runs in
 * every instance (tests, a single process), without metrics nothing is counted.
 */
export interface LoopServices {
  leases?: LeaseStore | undefined;
  metrics?: LoopMetrics | undefined;
  registry?: LoopRegistry | undefined;
  logger?: LoopLogger | undefined;
}

/** The parts of LoopOptions that come from LoopServices; `exclusive`: one instance across processes. */
export const loopSettings = <C>(services: LoopServices | undefined, exclusive: boolean): Partial<LoopOptions<C>> => ({
  ...(exclusive && services?.leases ? { lease: { store: services.leases } } : {}),
  ...(services?.metrics ? { metrics: services.metrics } : {}),
  ...(services?.registry ? { registry: services.registry } : {}),
  ...(services?.logger ? { logger: services.logger } : {}),
});
