import { InvalidAppend } from './errors.js';
import { APPEND_MAX_EVENTS, EVENT_MAX_BYTES, STREAM_NAME_MAX_LENGTH, type Expected, type NewEvent } from './types.js';

// `category-id`: a lower-case category, a dash, then an id without spaces or control characters.
const STREAM_NAME = /^[a-z][a-z0-9_]*-[A-Za-z0-9_.:@=+-]+$/;
const EVENT_TYPE = /^[A-Za-z][A-Za-z0-9_.]{0,99}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The category of a stream: the part before the first `-`. */
export const categoryOf = (stream: string): string => {
  const dash = stream.indexOf('-');
  return dash === -1 ? stream : stream.slice(0, dash);
};

export const assertStreamName = (stream: string): void => {
  if (typeof stream !== 'string' || stream.length > STREAM_NAME_MAX_LENGTH || !STREAM_NAME.test(stream)) {
    throw new InvalidAppend(
      'invalid_stream_name',
      `invalid stream name ${JSON.stringify(stream)}: expected "category-id" (lower-case category, ` +
        `no spaces, at most ${STREAM_NAME_MAX_LENGTH} characters)`,
    );
  }
};

export const assertExpected = (expected: Expected): void => {
  if (expected === 'no_stream' || expected === 'exists') return;
  if (!Number.isSafeInteger(expected) || expected < 0) {
    throw new InvalidAppend('invalid_event', `expected revision must be 'no_stream', 'exists' or a revision >= 0`);
  }
};

/** A validated event, serialised once so every backend stores exactly these bytes. */
export interface SerializedEvent {
  id: string;
  type: string;
  data: string;
  metadata: string;
}

const serialize = (value: unknown, what: string, eventId: string): string => {
  let json: string | undefined;
  try {
    json = JSON.stringify(value, (_key, v: unknown) => {
      if (typeof v === 'bigint') throw new TypeError('BigInt is not JSON');
      if (typeof v === 'number' && !Number.isFinite(v)) throw new TypeError('non-finite number');
      if (typeof v === 'function' || typeof v === 'symbol') throw new TypeError(`${typeof v} is not JSON`);
      return v;
    });
  } catch (error) {
    throw new InvalidAppend(
      'event_not_serializable',
      `event ${eventId}: ${what} is not JSON-serialisable (${(error as Error).message})`,
    );
  }
  if (json === undefined) {
    throw new InvalidAppend('event_not_serializable', `event ${eventId}: ${what} is not JSON-serialisable`);
  }
  return json;
};

/**
 * Checks a whole append before anything is written: the stream, the expected revision and every
 * event. Throws an `InvalidAppend`; returns the events serialised.
 */
export const validateAppend = (stream: string, events: readonly NewEvent[], expected: Expected): SerializedEvent[] => {
  assertStreamName(stream);
  assertExpected(expected);
  if (!Array.isArray(events) || events.length === 0) {
    throw new InvalidAppend('invalid_event', `append to ${stream}: at least one event is required`);
  }
  if (events.length > APPEND_MAX_EVENTS) {
    throw new InvalidAppend('invalid_event', `append to ${stream}: at most ${APPEND_MAX_EVENTS} events at once`);
  }
  const ids = new Set<string>();
  return events.map((event) => {
    if (typeof event.id !== 'string' || !UUID.test(event.id)) {
      throw new InvalidAppend('invalid_event', `event id ${JSON.stringify(event.id)} is not a lower-case UUID`);
    }
    if (ids.has(event.id)) throw new InvalidAppend('invalid_event', `event id ${event.id} appears twice in one append`);
    ids.add(event.id);
    if (typeof event.type !== 'string' || !EVENT_TYPE.test(event.type)) {
      throw new InvalidAppend('invalid_event', `event ${event.id}: invalid type ${JSON.stringify(event.type)}`);
    }
    if (typeof event.metadata?.occurredAt !== 'string' || Number.isNaN(Date.parse(event.metadata.occurredAt))) {
      throw new InvalidAppend('invalid_event', `event ${event.id}: metadata.occurredAt must be an ISO timestamp`);
    }
    const data = serialize(event.data, 'data', event.id);
    const metadata = serialize(event.metadata, 'metadata', event.id);
    const bytes = Buffer.byteLength(data) + Buffer.byteLength(metadata);
    if (bytes > EVENT_MAX_BYTES) {
      throw new InvalidAppend(
        'event_too_large',
        `event ${event.id} is ${bytes} bytes; the limit is ${EVENT_MAX_BYTES} bytes`,
      );
    }
    return { id: event.id, type: event.type, data, metadata };
  });
};
