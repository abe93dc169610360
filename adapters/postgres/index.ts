export { startEmbeddedPostgres, EmbeddedPostgresError, type EmbeddedServer, type EmbeddedOptions } from './embedded.js';
export { createPool, type PoolOptions } from './pool.js';
export { inTransaction } from '../../projections/transaction.js';
export { migrate, MigrationError, SCHEMA_DIR } from './migrate.js';
export { pgJobQueue, pgSweepCandidates, readJob } from './sessionJobs.js';
export { createReadModel, transactionKind, WAIT_POLL_MS } from './readModel.js';
