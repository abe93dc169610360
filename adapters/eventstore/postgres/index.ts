export {
  PostgresEventStore,
  SUBSCRIBE_POLL_INTERVAL_MS,
  LISTEN_APPLICATION_NAME,
  type PostgresEventStoreOptions,
} from './postgresEventStore.js';
export { isUnavailable } from './errors.js';
export { PostgresSnapshotStore, type PostgresSnapshotStoreOptions } from './snapshotStore.js';
