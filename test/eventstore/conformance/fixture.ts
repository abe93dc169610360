import { randomBytes, randomUUID } from 'node:crypto';
import type { Test } from 'tap';
import type { EventStore, NewEvent, RecordedEvent, Subscription } from '../../../core/eventstore/index.js';

export type StoreFactory = (t: Test) => Promise<EventStore>;

/** How long a test waits for a subscription to deliver before failing. */
export const DELIVERY_TIMEOUT_MS = 5_000;

/**
 * Names unique to one test run, so the suite also runs against a shared server (KurrentDB) that
 * holds other runs' events: every category carries this run's suffix, and reads of the global
 * log start from the head taken when the test began.
 */
export class Fixture {
  private readonly suffix = randomBytes(5).toString('hex').replace(/^\d/, 'x');
  private sequence = 0;

  constructor(readonly store: EventStore) {}

  category(base: string): string {
    return `${base}${this.suffix}`;
  }

  stream(base = 'account', id?: string): string {
    return `${this.category(base)}-${id ?? String(++this.sequence)}`;
  }

  event(type = 'CreditsGranted', data: unknown = { credits: 5 }, id: string = randomUUID()): NewEvent {
    return { id, type, data, metadata: { occurredAt: '2025-01-02T03:04:05.000Z', actor: 'system:test' } };
  }

  events(count: number, type?: string): NewEvent[] {
    return Array.from({ length: count }, (_, i) => this.event(type, { credits: i + 1 }));
  }

  /** Events of this run's categories after `after`, in global order. */
  async readOwn(after: number, bases: readonly string[]): Promise<RecordedEvent[]> {
    return this.store.readAll({ after, categories: bases.map((b) => this.category(b)) });
  }
}

/** Pulls events off a subscription with a deadline, keeping a pending pull for the next call. */
export class Pull {
  private readonly iterator: AsyncIterator<RecordedEvent>;
  private pending: Promise<IteratorResult<RecordedEvent>> | undefined;

  constructor(readonly subscription: Subscription) {
    this.iterator = subscription[Symbol.asyncIterator]();
  }

  /** The next `count` events; fails the test by throwing when they do not come in time. */
  async take(count: number, timeoutMs = DELIVERY_TIMEOUT_MS): Promise<RecordedEvent[]> {
    const taken: RecordedEvent[] = [];
    const deadline = Date.now() + timeoutMs;
    while (taken.length < count) {
      const result = await this.next(deadline - Date.now());
      if (result === 'timeout')
        throw new Error(`subscription delivered ${taken.length} of ${count} events in ${timeoutMs} ms`);
      if (result.done) throw new Error(`subscription ended after ${taken.length} of ${count} events`);
      taken.push(result.value);
    }
    return taken;
  }

  /** Whatever arrives within `ms` (undefined when nothing did). */
  async poll(ms: number): Promise<IteratorResult<RecordedEvent> | undefined> {
    const result = await this.next(ms);
    return result === 'timeout' ? undefined : result;
  }

  /**
   * Whatever arrives before `signal` settles (undefined when nothing did). The signal is a proof
   * that the subscription has had its chance (it read the log again), never a mere delay.
   */
  async pollUntil(signal: Promise<unknown>): Promise<IteratorResult<RecordedEvent> | undefined> {
    this.pending ??= this.iterator.next();
    const result = await Promise.race([this.pending, signal.then(() => 'signal' as const)]);
    if (result === 'signal') return undefined;
    this.pending = undefined;
    return result;
  }

  private async next(ms: number): Promise<IteratorResult<RecordedEvent> | 'timeout'> {
    this.pending ??= this.iterator.next();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>(
      (resolve) => (timer = setTimeout(() => resolve('timeout'), Math.max(ms, 0))),
    );
    const result = await Promise.race([this.pending, timeout]);
    clearTimeout(timer);
    if (result !== 'timeout') this.pending = undefined;
    return result;
  }
}

export const positionsOf = (events: readonly RecordedEvent[]): number[] => events.map((e) => e.position);
export const idsOf = (events: readonly { id: string }[]): string[] => events.map((e) => e.id);

export const isIncreasing = (values: readonly number[]): boolean =>
  values.every((v, i) => i === 0 || v > values[i - 1]!);
