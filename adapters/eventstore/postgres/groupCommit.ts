import type { AppendRow } from './sql.js';

/**
 * Group commit for appends. The appends made in one turn of the event loop go together, at the
 * end of that turn, while fewer than `maxInFlight` batches are on their way; otherwise they wait,
 * and when a batch returns, everything that waited goes together in one transaction
 * (schema/008_eventstore_group_commit.sql). One writer sees one round trip per append, as without
 * batching; sixteen writers share commits (and the position mutex) instead of queueing for them
 * one by one.
 *
 * Why the end of the turn: a returning batch answers its writers together, and their next
 * appends come a few microtasks apart. Sent at once, the first took the free connection and
 * committed alone: with 16 writers, 70% of batches held one append (5 on average). Gathered,
 * the 16 go in one batch, and appends kept pace with plain single-row INSERTs (0.9-1.1 of them).
 *
 * Each append still gets its own answer. When a batch of several fails as a whole (a reused
 * event id, a cancel, the database going away), nothing of it was written, and its appends are
 * sent again one by one, so the error an append gets is its own.
 */

export interface PendingAppend {
  stream: string;
  expected: number;
  ids: string[];
  types: string[];
  data: string[];
  metadata: string[];
  /** Length of the serialized data and metadata, to bound a batch. */
  bytes: number;
}

/** Runs one batch; the outcomes come back in the order of the batch. */
export type RunBatch = (batch: readonly PendingAppend[]) => Promise<AppendRow[]>;

export interface GroupCommitOptions {
  /** Batches on their way at once (each holds a pool connection). */
  maxInFlight: number;
  /** A batch closes at this many events or bytes (a single larger append still goes alone). */
  maxEvents: number;
  maxBytes: number;
}

interface Waiting {
  append: PendingAppend;
  resolve: (outcome: AppendRow) => void;
  reject: (error: unknown) => void;
}

export class GroupCommit {
  private readonly queue: Waiting[] = [];
  private inFlight = 0;
  private pumpScheduled = false;

  constructor(
    private readonly run: RunBatch,
    private readonly options: GroupCommitOptions,
  ) {}

  append(append: PendingAppend): Promise<AppendRow> {
    return new Promise((resolve, reject) => {
      this.queue.push({ append, resolve, reject });
      this.pumpAtEndOfTurn();
    });
  }

  private pumpAtEndOfTurn(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    setImmediate(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  private pump(): void {
    while (this.inFlight < this.options.maxInFlight && this.queue.length > 0) {
      void this.send(this.take());
    }
  }

  /** The longest prefix of the queue within the batch bounds (at least one append). */
  private take(): Waiting[] {
    let events = 0;
    let bytes = 0;
    let n = 0;
    for (const { append } of this.queue) {
      events += append.ids.length;
      bytes += append.bytes;
      if (n > 0 && (events > this.options.maxEvents || bytes > this.options.maxBytes)) break;
      n += 1;
    }
    return this.queue.splice(0, n);
  }

  private async send(batch: Waiting[]): Promise<void> {
    this.inFlight += 1;
    try {
      const outcomes = await this.run(batch.map((w) => w.append));
      batch.forEach((w, i) => w.resolve(outcomes[i]!));
    } catch (error) {
      if (batch.length === 1) {
        batch[0]!.reject(error);
      } else {
        // Nothing of the batch was written: each append again, alone, for its own answer.
        await Promise.all(batch.map((w) => this.run([w.append]).then(([outcome]) => w.resolve(outcome!), w.reject)));
      }
    } finally {
      this.inFlight -= 1;
      this.pump();
    }
  }
}
