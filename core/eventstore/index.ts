export * from './types.js';
export * from './errors.js';
export { categoryOf, assertStreamName, validateAppend, type SerializedEvent } from './validation.js';
export { deterministicUuid } from './eventIds.js';
export { MemoryEventStore } from './memoryEventStore.js';
export { MemorySnapshotStore } from './memorySnapshotStore.js';
export { CACHED_KEYS_PER_STREAM } from './streamLoader.js';
export {
  SNAPSHOT_LOAD_MAX_KEYS,
  type Snapshot,
  type SnapshotEntry,
  type SnapshotStore,
  type SnapshotWithTail,
} from './snapshotStore.js';
export type { CommandDecider, DomainEvent, SnapshotCodec } from './commandDecider.js';
export {
  createCommandHandler,
  ConcurrencyExhausted,
  MAX_COMMAND_ATTEMPTS,
  SNAPSHOT_EVERY_EVENTS,
  CACHED_STREAMS,
  type CommandHandler,
  type CommandHandlerOptions,
  type CommandResult,
} from './commandHandler.js';
