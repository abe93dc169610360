export { startEmbeddedPostgres, EmbeddedPostgresError, type EmbeddedServer, type EmbeddedOptions } from './embedded.js';
export { createPool, type PoolOptions } from './pool.js';
export { inTransaction } from '../../projections/transaction.js';
export { migrate, MigrationError, SCHEMA_DIR } from './migrate.js';
export { PostgresLeaseStore, assertLeaseHeld, fencedTransaction } from './leaseStore.js';
export { PostgresSnapshotStore, type PostgresSnapshotStoreOptions } from './snapshotStore.js';
export { fashionSessionLocator } from './sessionLocator.js';
export { postgresPaymentInbox, recordDelivery, inboxCounts } from './paymentsInbox.js';
export { postgresPurchaseIndex, applyFactOnPool } from './paymentPurchases.js';
