export { KurrentDbEventStore, type KurrentDbEventStoreOptions } from './kurrentDbEventStore.js';
export { RESUBSCRIBE_DEFAULTS, type ResubscribePolicy } from './subscription.js';
