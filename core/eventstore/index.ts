export * from './types.js';
export * from './errors.js';
export { categoryOf, assertStreamName, validateAppend, type SerializedEvent } from './validation.js';
export { deterministicUuid } from './eventIds.js';
export { MemoryEventStore } from './memoryEventStore.js';
