import type { Lease } from './ports.js';

/**
 * A step's write found that its lease was taken over (a newer generation holds it): nothing
 * was committed. Thrown by the fenced write (adapters/postgres/leaseStore.ts); the loop drops
 * the lease and stands by, without counting a failure.
 */
export class LeaseLost extends Error {
  constructor(readonly lease: Lease) {
    super(`lease of loop ${lease.name} at generation ${lease.generation} is no longer held by ${lease.holder}`);
    this.name = 'LeaseLost';
  }
}
