import type pg from 'pg';
import { NOTIFY_SQL } from './sql.js';

/**
 * At most one NOTIFY per this many ms from one process: a burst of appends costs one wake-up per
 * interval instead of one extra transaction per append. The first append after a quiet spell
 * notifies at once, so an idle system sees no added latency.
 */
export const NOTIFY_MIN_INTERVAL_MS = 10;

/**
 * Wakes listening subscriptions after appends commit. The NOTIFY is sent on its own, after the
 * append's commit, not inside the append transaction: PostgreSQL serialises the commits of all
 * transactions that NOTIFY behind one database-wide lock (PreCommit_Notify, held through the WAL
 * flush), which would undo group commit for concurrent writers. A NOTIFY that fails or comes late
 * only delays a wake-up: subscriptions also poll.
 */
export class CommitNotifier {
  private inFlight: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private owed = false;
  private draining = false;
  private lastSentAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly pool: pg.Pool,
    private readonly minIntervalMs = NOTIFY_MIN_INTERVAL_MS,
  ) {}

  /** An append committed: a NOTIFY must go out after this moment. */
  poke(): void {
    this.owed = true;
    this.schedule();
  }

  /** Sends the NOTIFY still owed, if any, and waits for it. */
  async drain(): Promise<void> {
    this.draining = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    while (this.inFlight || this.owed) {
      if (!this.inFlight) this.send();
      await this.inFlight;
    }
  }

  private schedule(): void {
    if (this.timer || this.inFlight) return;
    const waitMs = this.lastSentAt + this.minIntervalMs - performance.now();
    if (waitMs <= 0 || this.draining) {
      this.send();
      return;
    }
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.schedule();
    }, waitMs);
  }

  private send(): void {
    this.owed = false;
    this.lastSentAt = performance.now();
    this.inFlight = this.pool
      .query(NOTIFY_SQL)
      .then(
        () => undefined,
        () => undefined,
      )
      .finally(() => {
        this.inFlight = undefined;
        // Appends that committed while this one was on its way may not be covered by it.
        if (this.owed) this.schedule();
      });
  }
}
