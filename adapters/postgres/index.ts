export { startEmbeddedPostgres, EmbeddedPostgresError, type EmbeddedServer, type EmbeddedOptions } from './embedded.js';
export { createPool, inTransaction, type PoolOptions } from './pool.js';
export { migrate, MigrationError, SCHEMA_DIR } from './migrate.js';
export { PostgresSnapshotStore, type PostgresSnapshotStoreOptions } from './snapshotStore.js';
export { pgJobQueue, pgSweepCandidates, readJob } from './sessionJobs.js';
export { createReadModel, transactionKind, WAIT_POLL_MS } from './readModel.js';
