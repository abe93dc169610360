import type { Expected } from './types.js';

/**
 * Typed failures of the event store, one class per failure domain. The `code` is stable and
 * machine-readable; the message is for people.
 */
export type EventStoreErrorCode =
  | 'wrong_expected_revision'
  | 'invalid_stream_name'
  | 'invalid_event'
  | 'event_too_large'
  | 'event_not_serializable'
  | 'store_unavailable';

export class EventStoreError extends Error {
  constructor(
    readonly code: EventStoreErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'EventStoreError';
  }
}

/** Another writer got there first: reload the stream and decide again. */
export class WrongExpectedRevision extends EventStoreError {
  constructor(
    readonly stream: string,
    readonly expected: Expected,
    readonly actual: number | 'no_stream',
  ) {
    super('wrong_expected_revision', `stream ${stream}: expected ${String(expected)}, found ${String(actual)}`);
    this.name = 'WrongExpectedRevision';
  }
}

/** Input the store refuses before writing anything. */
export class InvalidAppend extends EventStoreError {
  constructor(
    code: 'invalid_stream_name' | 'invalid_event' | 'event_too_large' | 'event_not_serializable',
    message: string,
  ) {
    super(code, message);
    this.name = 'InvalidAppend';
  }
}

/** The backend could not be reached or failed mid-call; the outcome of an append is unknown. */
export class StoreUnavailable extends EventStoreError {
  constructor(message: string, cause?: unknown) {
    super('store_unavailable', message, { cause });
    this.name = 'StoreUnavailable';
  }
}
