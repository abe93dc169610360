import t from 'tap';
import { KurrentDbEventStore } from '../../adapters/eventstore/kurrentdb/index.js';
import { eventStoreConformance } from './conformance.js';

// Runs the conformance suite against a real KurrentDB when KURRENTDB_TEST_URL names one, e.g.
// `kurrentdb://localhost:2113?tls=false`. Without it this file says it was skipped: there is no
// stand-in for the server here (the adapter's own logic is unit-tested beside it).
const url = process.env.KURRENTDB_TEST_URL;

if (url) {
  eventStoreConformance(t, async () => new KurrentDbEventStore(url));
} else {
  t.plan(0, 'KURRENTDB_TEST_URL not set: KurrentDB backend not exercised');
}
