import type { Rejection } from '../../core/ledger/index.js';
import type {
  HoldRequest,
  ImageInput,
  ImageKind,
  ImageRejection,
  StylePreferences,
  StylistStatus,
  TryOnNext,
  TryOnStatus,
} from '../../core/sessions/index.js';

/**
 * What the session flows offer their callers (the bot, the HTTP API) and what they need: small
 * ports. app/sessions/services.ts implements the flows over the session streams; the callers and
 * tests may swap any one of them.
 */

/** Where a write landed in the global log: the profile waits for the read tables to pass it. */
export interface Written {
  position: number;
}

/**
 * Who sent a session command: `user:<telegram id>` for a person, `system:<part>` for the bot
 * itself, `service:api` for the HTTP API. A user may act only on sessions of their own
 * (`not_session_owner`); the actor is kept in every event's metadata, as the worker's
 * `system:worker` is. Omitted: the service's own.
 */
export type Actor = `user:${string}` | `system:${string}` | `service:${string}`;

/** A command the domain refused, with its stable code (`insufficient_credits`, `wrong_state`, …). */
export type Outcome = ({ ok: true } & Written) | ({ ok: false; rejection: string } & Written);

export interface ConsentPort {
  has(userId: string): Promise<boolean>;
  give(userId: string, occurredAt: string): Promise<Outcome>;
  withdraw(userId: string, occurredAt: string): Promise<Outcome>;
}

export type StoredImage = { ok: true; image: ImageInput } | { ok: false; rejection: ImageRejection };

export interface ImagesPort {
  /** Validates by magic bytes and size, then stores under a key made from the session id. */
  store(kind: ImageKind, sessionId: string, bytes: Buffer): Promise<StoredImage>;
  read(imageKey: string): Promise<Buffer>;
  /** Deletes every photo of these sessions, uploaded or generated; returns how many. */
  deletePhotos(sessionIds: readonly string[]): Promise<number>;
}

/** What every session flow offers when the user walks away or goes silent. */
interface SessionEnding {
  /**
   * The user left the flow (menu, /start, another flow): a session still waiting for input is
   * cancelled; one being processed keeps going, and its result is still delivered.
   */
  abandon(sessionId: string, occurredAt: string, actor?: Actor): Promise<Outcome>;
  /** 30 minutes of silence: ExpireSession (releases any hold); `session_not_idle` if it is not. */
  expire(sessionId: string, occurredAt: string, actor?: Actor): Promise<Outcome>;
  /** The user who started the session; undefined for an unknown id. */
  ownerOf(sessionId: string): Promise<string | undefined>;
}

export interface TryOnPort extends SessionEnding {
  start(userId: string, sessionId: string, occurredAt: string): Promise<Outcome>;
  /** The session's state, from its stream (`not_started` for an unknown id). */
  status(sessionId: string): Promise<TryOnStatus>;
  provideClothing(sessionId: string, image: ImageInput, occurredAt: string, actor?: Actor): Promise<Outcome>;
  /**
   * The last input: submits the session and reserves its credits on the account. A refused
   * reservation (`insufficient_credits`, `account_in_debt`) is recorded on the session and
   * returned as the rejection: nothing is held.
   */
  providePerson(sessionId: string, image: ImageInput, occurredAt: string, actor?: Actor): Promise<Outcome>;
  rate(sessionId: string, rating: number, occurredAt: string, actor?: Actor): Promise<Outcome>;
  finish(sessionId: string, next: TryOnNext, occurredAt: string, actor?: Actor): Promise<Outcome>;
}

export interface StylistPort extends SessionEnding {
  start(userId: string, sessionId: string, occurredAt: string): Promise<Outcome>;
  status(sessionId: string): Promise<StylistStatus>;
  providePhoto(sessionId: string, image: ImageInput, occurredAt: string, actor?: Actor): Promise<Outcome>;
  /** Submits the session and reserves its credits, like `TryOnPort.providePerson`. */
  submitPreferences(
    sessionId: string,
    preferences: StylePreferences,
    occurredAt: string,
    actor?: Actor,
  ): Promise<Outcome>;
  finish(sessionId: string, occurredAt: string, actor?: Actor): Promise<Outcome>;
}

/** The prices the bot announces; the session deciders reserve the same ones. */
export interface Prices {
  tryon: number;
  styling: number;
}

/**
 * Reserving a session's credits on the account: ReserveCredits with the session id as the
 * reservation id, idempotent. app/worker's holds implement it (the worker reserves the same way).
 */
export interface HoldReserver {
  reserve(
    hold: HoldRequest,
    occurredAt: string,
  ): Promise<{ ok: true; expiresAt: string } | { ok: false; rejection: Rejection }>;
}
