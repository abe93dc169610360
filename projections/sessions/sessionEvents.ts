import type { RecordedEvent } from '../../core/eventstore/index.js';
import {
  STYLING_CATEGORY,
  TRYON_CATEGORY,
  type SessionFeature,
  type StylistEvent,
  type TryOnEvent,
} from '../../core/sessions/index.js';
import { UnprojectableEvent } from '../errors.js';

/**
 * The session events as projectors read them: the full list of types (complete by construction:
 * a new event type in core/sessions fails to compile here until it is listed), the kind a stream
 * belongs to, and the events that end a session.
 */

const TRYON_TYPES: Record<TryOnEvent['type'], true> = {
  TryOnStarted: true,
  ClothingImageProvided: true,
  PersonImageProvided: true,
  TryOnSubmitted: true,
  TryOnProcessingStarted: true,
  TryOnSucceeded: true,
  TryOnFailed: true,
  TryOnRated: true,
  TryOnCompleted: true,
  SessionCancelled: true,
  SessionExpired: true,
};
const STYLIST_TYPES: Record<StylistEvent['type'], true> = {
  StylingStarted: true,
  StylePhotoProvided: true,
  StylePreferencesProvided: true,
  StylingSubmitted: true,
  StylingProcessingStarted: true,
  StylingSucceeded: true,
  StylingFailed: true,
  ShoppingOpened: true,
  ShoppingProductClicked: true,
  StylingCompleted: true,
  SessionCancelled: true,
  SessionExpired: true,
};

export const SESSION_EVENT_TYPES: readonly string[] = [
  ...new Set([...Object.keys(TRYON_TYPES), ...Object.keys(STYLIST_TYPES)]),
];
export const SESSION_CATEGORIES: readonly string[] = [TRYON_CATEGORY, STYLING_CATEGORY];

/** After these a session takes no more input (the bot's "back to default"). */
export const SESSION_ENDING_TYPES: ReadonlySet<string> = new Set([
  'TryOnFailed',
  'TryOnCompleted',
  'StylingFailed',
  'StylingCompleted',
  'SessionCancelled',
  'SessionExpired',
]);

export type SessionEvent = { kind: 'tryon'; event: TryOnEvent } | { kind: 'styling'; event: StylistEvent };

/** The session id a stream `tryon-<id>` / `styling-<id>` names. */
export const sessionIdOf = (recorded: RecordedEvent): string => recorded.stream.slice(recorded.stream.indexOf('-') + 1);

export const kindOf = (recorded: RecordedEvent): SessionFeature => {
  if (recorded.stream.startsWith(`${TRYON_CATEGORY}-`)) return 'tryon';
  if (recorded.stream.startsWith(`${STYLING_CATEGORY}-`)) return 'styling';
  throw new UnprojectableEvent(recorded, 'not a session stream');
};

/** The recorded event as the session's own union; its time is `data.occurredAt`. */
export const sessionEventOf = (recorded: RecordedEvent): SessionEvent => {
  const data = recorded.data as { occurredAt?: unknown } | null;
  if (typeof data?.occurredAt !== 'string')
    throw new UnprojectableEvent(recorded, 'session event without data.occurredAt');
  const event = { type: recorded.type, data: recorded.data };
  return kindOf(recorded) === 'tryon'
    ? { kind: 'tryon', event: event as TryOnEvent }
    : { kind: 'styling', event: event as StylistEvent };
};
