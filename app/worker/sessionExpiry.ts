import { SESSION_IDLE_TIMEOUT_SECONDS } from '../../core/sessions/index.js';
import type { Holds, SettleOutcome } from './holds.js';
import type { SweepCandidates } from './jobs.js';
import { SWEEP_BATCH } from './limits.js';
import { resolutionIn, type SessionStreams } from '../sessions/sessionStreams.js';
import type { Clock, Logger } from './types.js';

/**
 * Ends sessions left idle for SESSION_IDLE_TIMEOUT_SECONDS (the architecture document's "30
 * minutes of inactivity") and releases their holds. Candidates come from `session_activity`; the
 * session stream decides (`session_not_idle` if the user came back meanwhile), so a stale row
 * never expires a live session.
 */

export interface ExpiryDeps {
  candidates: Pick<SweepCandidates, 'idleSessions'>;
  sessions: SessionStreams;
  holds: Holds;
  clock: Clock;
  logger: Logger;
  batch?: number;
}

export interface ExpiryReport {
  expired: number;
  /** How the holds of the expired sessions were settled. */
  holds: Partial<Record<SettleOutcome, number>>;
}

/** One pass over the idle sessions; returns what it did. */
export const expireIdleSessions = async (deps: ExpiryDeps): Promise<ExpiryReport> => {
  const now = deps.clock();
  const cutoff = new Date(now.getTime() - SESSION_IDLE_TIMEOUT_SECONDS * 1000);
  const report: ExpiryReport = { expired: 0, holds: {} };
  for (const row of await deps.candidates.idleSessions(cutoff, deps.batch ?? SWEEP_BATCH)) {
    const result = await deps.sessions.shared(row.kind, row.sessionId, {
      type: 'ExpireSession',
      occurredAt: now.toISOString(),
    });
    if (!result.ok) continue; // came back to life, or ended otherwise: the projector catches up
    // Already expired by an earlier pass that may have stopped before the release: settle again.
    const resolution = resolutionIn(result) ?? (await deps.sessions.load(row.kind, row.sessionId)).state.holdResolution;
    if (result.events.length > 0) report.expired += 1;
    if (resolution?.action !== 'release') continue;
    const outcome = await deps.holds.settle(resolution, now.toISOString());
    report.holds[outcome] = (report.holds[outcome] ?? 0) + 1;
    deps.logger.info({ sessionId: row.sessionId, kind: row.kind, outcome }, 'idle session expired');
  }
  return report;
};
