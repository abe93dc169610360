import { randomUUID } from 'node:crypto';
import type { EventStore } from '../../core/eventstore/index.js';
import { accountStream } from '../../core/ledger/index.js';
import {
  consentDecider,
  consentStream,
  hasConsent,
  type Consent,
  type ConsentCommand,
  type ConsentEvent,
} from '../../core/sessions/index.js';
import { outcomeOf, sessionCommandPath } from '../sessions/commandPath.js';
import type { ConsentPort } from '../sessions/ports.js';
import type { LedgerHandler } from './ledger.js';
import type { AccountsPort, SupportPort } from './ports.js';

/** The account, consent and support ports over the ledger and the event store. */

/** The consent text's version: a new text (another provider, another purpose) needs a new consent. */
export const CONSENT_VERSION = 1;

export const createAccountsService = (ledger: LedgerHandler): AccountsPort => ({
  open: async (userId, profile, occurredAt) =>
    outcomeOf(
      await ledger(accountStream(userId), {
        type: 'OpenAccount',
        userId,
        profile,
        occurredAt,
        metadata: { actor: `user:${userId}` },
      }),
    ),
});

export const createConsentService = (store: EventStore): ConsentPort => {
  const streams = sessionCommandPath<ConsentCommand, ConsentEvent, Consent>(store, consentDecider);
  return {
    has: async (userId) => hasConsent(await streams.load(consentStream(userId)), CONSENT_VERSION),
    give: async (userId, occurredAt) =>
      outcomeOf(
        await streams.run(consentStream(userId), {
          type: 'GiveConsent',
          userId,
          version: CONSENT_VERSION,
          occurredAt,
          actor: `user:${userId}`,
        }),
      ),
    withdraw: async (userId, occurredAt) =>
      outcomeOf(
        await streams.run(consentStream(userId), {
          type: 'WithdrawConsent',
          userId,
          occurredAt,
          actor: `user:${userId}`,
        }),
      ),
  };
};

/** Stream category of support requests: one stream per request, `support-<requestId>`. */
export const SUPPORT_CATEGORY = 'support';

/**
 * A support request is a fact for the support team's timeline: `SupportRequested` in its own
 * stream. The request id is short enough for a user to quote.
 */
export const createSupportService = (store: EventStore, newId: () => string = randomUUID): SupportPort => ({
  request: async (userId, topic, occurredAt) => {
    const eventId = newId();
    const requestId = eventId.slice(0, 8).toUpperCase();
    const written = await store.appendToStream(
      `${SUPPORT_CATEGORY}-${eventId}`,
      [
        {
          id: eventId,
          type: 'SupportRequested',
          data: { requestId, userId, topic, channel: 'telegram' },
          metadata: { occurredAt, actor: `user:${userId}` },
        },
      ],
      { expected: 'no_stream' },
    );
    return { requestId, position: written.position };
  },
});
