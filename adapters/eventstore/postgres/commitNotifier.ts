import type pg from 'pg';
import { NOTIFY_SQL } from './sql.js';

/**
 * Wakes listening subscriptions after appends commit. The NOTIFY is sent on its own, after the
 * append's commit, not inside the append transaction: PostgreSQL serialises the commits of all
 * transactions that NOTIFY behind one database-wide lock (PreCommit_Notify, held through the WAL
 * flush), which would undo group commit for concurrent writers. At most one NOTIFY is in flight;
 * appends that commit meanwhile are covered by one more afterwards. It carries no xid-bearing
 * write, so its commit does not wait for a WAL flush. A NOTIFY that fails is only a late wake-up:
 * subscriptions also poll.
 */
export class CommitNotifier {
  private inFlight: Promise<void> | undefined;
  private again = false;

  constructor(private readonly pool: pg.Pool) {}

  poke(): void {
    if (this.inFlight) {
      this.again = true;
      return;
    }
    this.again = false;
    this.inFlight = this.pool
      .query(NOTIFY_SQL)
      .then(
        () => undefined,
        () => undefined,
      )
      .finally(() => {
        this.inFlight = undefined;
        if (this.again) this.poke();
      });
  }

  /** Waits for the NOTIFY in flight, if any (and the one queued behind it). */
  async drain(): Promise<void> {
    while (this.inFlight) await this.inFlight;
  }
}
