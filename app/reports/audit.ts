import { createCommandHandler, type CommandHandler, type EventStore } from '../../core/eventstore/index.js';
import { readWholeStream } from './read.js';

/**
 * The audit trail of operator actions: one stream per user, `audit-<userId>`, one
 * `OperatorActionRecorded` event per action, carrying who did it, why, and what came of it. The
 * ledger event an action caused (a grant, a refund, a release) carries the operator as its
 * actor and the action id as its correlation id; the reason and the outcome live here, so an
 * action the ledger refused, or one with no ledger event at all (a rebuild), is audited too.
 */

export const AUDIT_CATEGORY = 'audit';
export const auditStream = (userId: string): string => `${AUDIT_CATEGORY}-${userId}`;

export const OPERATOR_ACTIONS = ['goodwill_grant', 'refund_purchase', 'release_hold', 'rebuild_read_rows'] as const;
export type OperatorAction = (typeof OPERATOR_ACTIONS)[number];

export interface OperatorActionRecorded {
  type: 'OperatorActionRecorded';
  data: {
    /** Made by the caller (or the route): a retried action is recorded once. */
    actionId: string;
    action: OperatorAction;
    userId: string;
    operator: string;
    role: string;
    reason: string;
    /** What the action was about: credits, paymentId, reservationId… */
    details: Record<string, unknown>;
    /** `ok`, `no_change` (already done), or the rejection code. */
    outcome: string;
    /** The global position of the ledger event it caused, when it caused one. */
    ledgerPosition: number | null;
  };
}

export type RecordAction = OperatorActionRecorded['data'] & { occurredAt: string };

interface AuditState {
  actionIds: ReadonlySet<string>;
}

/** A decider so simple it lives here: an action id is recorded once per user. */
export const auditHandler = (store: EventStore): CommandHandler<RecordAction, never> =>
  createCommandHandler<RecordAction, OperatorActionRecorded, AuditState, never>(
    {
      initialState: () => ({ actionIds: new Set() }),
      evolve: (state, event) => ({ actionIds: new Set(state.actionIds).add(event.data.actionId) }),
      decide: (command, state) => {
        if (state.actionIds.has(command.actionId)) return { ok: true, events: [] };
        const { occurredAt: _occurredAt, ...data } = command;
        return { ok: true, events: [{ type: 'OperatorActionRecorded', data }] };
      },
      metadataOf: (command) => ({
        occurredAt: command.occurredAt,
        actor: `operator:${command.operator}`,
        correlationId: command.actionId,
      }),
    },
    { store },
  );

/** An action as recorded, with the global position of its audit event. */
export interface RecordedAction {
  position: number;
  data: OperatorActionRecorded['data'];
}

/**
 * The record of one action id on this user's audit stream: what a retried action answers with
 * (its own record, not whatever the stream holds last). Undefined when it was never recorded.
 */
export const findRecordedAction = async (
  store: EventStore,
  userId: string,
  actionId: string,
): Promise<RecordedAction | undefined> => {
  const events = await readWholeStream(store, auditStream(userId));
  const found = events.find(
    (e) => e.type === 'OperatorActionRecorded' && (e.data as { actionId?: unknown }).actionId === actionId,
  );
  return found && { position: found.position, data: found.data as OperatorActionRecorded['data'] };
};
