import type pg from 'pg';
import { backoffMs } from '../../../core/backoff/index.js';
import { LISTEN_SQL } from './sql.js';

/** First and longest pause before reconnecting a dropped LISTEN connection. */
export const LISTEN_RECONNECT_MIN_MS = 100;
export const LISTEN_RECONNECT_MAX_MS = 5_000;

/**
 * The one LISTEN connection of a store, shared by its subscriptions. Every notification (and
 * every reconnect, since notifications may have been missed while down) bumps `version` and wakes
 * the waiters. A dropped connection is re-opened with backoff until `close()`.
 */
export class ChangeListener {
  private versionCounter = 0;
  private readonly waiters = new Set<() => void>();
  private client: pg.Client | undefined;
  private closed = false;
  private started = false;
  private reconnectTimer: NodeJS.Timeout | undefined;
  /** Reconnects failed in a row. */
  private failures = 0;

  constructor(
    private readonly connect: () => pg.Client,
    private readonly onError: (error: unknown) => void = () => undefined,
  ) {}

  get version(): number {
    return this.versionCounter;
  }

  /** Opens the connection on first use; later calls do nothing. */
  start(): void {
    if (this.started || this.closed) return;
    this.started = true;
    void this.open();
  }

  /**
   * Resolves once `version` has moved past `seen`, after `timeoutMs` (the fallback poll), or when
   * `signal` aborts.
   */
  wait(seen: number, timeoutMs: number, signal: AbortSignal): Promise<void> {
    if (this.versionCounter !== seen || signal.aborted || this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      signal.addEventListener('abort', done);
      this.waiters.add(done);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    this.wakeAll();
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private wakeAll(): void {
    this.versionCounter += 1;
    for (const wake of [...this.waiters]) wake();
  }

  private async open(): Promise<void> {
    const client = this.connect();
    this.client = client;
    let dropped = false;
    const drop = (error?: unknown) => {
      if (dropped) return;
      dropped = true;
      if (error) this.onError(error);
      if (this.client === client) this.client = undefined;
      client.end().catch(() => undefined);
      this.scheduleReconnect();
    };
    client.on('notification', () => this.wakeAll());
    client.on('error', drop);
    client.on('end', () => drop());
    try {
      await client.connect();
      await client.query(LISTEN_SQL);
      this.failures = 0;
      // Anything committed while we were not listening is picked up by this wake-up.
      this.wakeAll();
    } catch (error) {
      drop(error);
    }
  }

  private scheduleReconnect(): void {
    if (this.closed) return;
    this.failures += 1;
    const delayMs = backoffMs(
      this.failures,
      { baseMs: LISTEN_RECONNECT_MIN_MS, ceilingMs: LISTEN_RECONNECT_MAX_MS, jitter: 'none' },
      0,
    );
    this.reconnectTimer = setTimeout(() => void this.open(), delayMs);
  }
}
