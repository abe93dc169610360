import type { Test } from 'tap';
import { appendCases } from './conformance/appendCases.js';
import { concurrencyCases } from './conformance/concurrencyCases.js';
import { invalidCases } from './conformance/invalidCases.js';
import { readCases } from './conformance/readCases.js';
import { subscriptionCases } from './conformance/subscriptionCases.js';
import type { StoreFactory } from './conformance/fixture.js';

export type { StoreFactory } from './conformance/fixture.js';

/**
 * The one conformance suite every EventStore backend passes. `factory` returns a store for one
 * subtest (closed at its end). The suite only relies on its own uniquely named categories and on
 * positions read at its start, so it also runs on a shared server that holds other data.
 */
export const eventStoreConformance = (t: Test, factory: StoreFactory): void => {
  const closing: StoreFactory = async (sub) => {
    const store = await factory(sub);
    sub.teardown(() => store.close());
    return store;
  };
  appendCases(t, closing);
  readCases(t, closing);
  subscriptionCases(t, closing);
  invalidCases(t, closing);
  concurrencyCases(t, closing);
};
