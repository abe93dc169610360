import type pg from 'pg';
import type { EventStore } from '../../core/eventstore/index.js';
import { KurrentDbEventStore } from './kurrentdb/index.js';
import { PostgresEventStore } from './postgres/index.js';

export { KurrentDbEventStore } from './kurrentdb/index.js';
export { PostgresEventStore } from './postgres/index.js';

/**
 * The event store the configuration asks for: KurrentDB when EVENTSTORE_URL is set (events
 * only; read tables stay in PostgreSQL), otherwise PostgreSQL in the same database.
 */
export const createEventStore = (options: { eventStoreUrl?: string | undefined; pool: pg.Pool }): EventStore => {
  if (options.eventStoreUrl) {
    // esdb:// is the EventStoreDB spelling of the same protocol; the client takes kurrentdb://.
    return new KurrentDbEventStore(options.eventStoreUrl.replace(/^esdb(\+discover)?:/, 'kurrentdb$1:'));
  }
  return new PostgresEventStore(options.pool);
};
