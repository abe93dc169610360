import type { Logger } from '../../projections/logger.js';
import { loopSettings, startLoop, type DurableLoop, type LoopServices } from '../loop/index.js';
import { backoffMs } from '../../core/backoff/index.js';
import { applyFact, type ApplyDependencies, type ApplyResult } from './apply.js';
import type { PaymentFact } from './facts.js';
import type { InboxRow, PaymentInbox } from './inbox.js';
import type { Interpreter } from './interpret.js';

/** Rows one worker claims per round trip. */
export const PROCESSOR_BATCH_SIZE = 10;
/** A claimed row is the worker's for this long; if it dies, the row is claimed again after. */
export const PROCESSOR_LEASE_MS = 60_000;
/** How often an idle worker looks for due rows (a webhook in this process wakes it at once). */
export const PROCESSOR_POLL_INTERVAL_MS = 1_000;
/**
 * Attempts before a row that keeps failing, or whose provider keeps saying "not final yet", is
 * given up (`failed`) for a person to look at (with the backoff below: about four hours).
 */
export const PROCESSOR_MAX_ATTEMPTS = 25;
/** Backoff between attempts: doubling from the base, jittered, up to the ceiling. */
export const PROCESSOR_BACKOFF_BASE_MS = 2_000;
export const PROCESSOR_BACKOFF_CEILING_MS = 15 * 60_000;
/** A refund waiting for its purchase looks again this often, however long it waits. */
export const PROCESSOR_WAIT_INTERVAL_MS = 60 * 60_000;

export interface PaymentsProcessorOptions extends ApplyDependencies {
  inbox: PaymentInbox;
  interpret: Interpreter;
  logger?: Logger;
  /** Concurrent workers in this process. */
  workers?: number;
  batchSize?: number;
  leaseMs?: number;
  pollIntervalMs?: number;
  maxAttempts?: number;
  /** Delay before attempt `attempt + 1`. */
  backoffMs?: (attempt: number) => number;
  /** Called after a row was read and before the ledger is touched (tests stop a process here). */
  beforeApply?: (row: InboxRow, fact: PaymentFact) => Promise<void>;
  /** Metrics and health of the workers' loops (they take no lease: rows are leased one by one). */
  loops?: LoopServices | undefined;
}

export interface ProcessedRow {
  row: InboxRow;
  /** `retry`: a transient failure, tried again later; `given_up`: attempts ran out (row `failed`). */
  result: ApplyResult | { status: 'retry' | 'given_up'; reason: string };
}

export interface PaymentsProcessor {
  start(): void;
  /** Looks for due rows now (a webhook just recorded one). */
  wake(): void;
  /** Processes due rows until none is left; returns what was done. For tests and the CLI. */
  drain(): Promise<ProcessedRow[]>;
  /**
   * Applies one recorded delivery now, in the caller's time (the bot wants the ledger position
   * to show the new balance). Undefined when the row is not pending (done, or another worker has it).
   */
  processNow(inboxId: number): Promise<ProcessedRow | undefined>;
  stop(): Promise<void>;
}

export const defaultBackoffMs = (attempt: number): number =>
  backoffMs(
    attempt,
    { baseMs: PROCESSOR_BACKOFF_BASE_MS, ceilingMs: PROCESSOR_BACKOFF_CEILING_MS, jitter: 'equal' },
    Math.random(),
  );

/** A round that failed as a whole (the database away): try again from the poll interval, doubling up to this. */
export const PROCESSOR_ROUND_RETRY_CEILING_MS = 30_000;

const noLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

interface Settings {
  options: PaymentsProcessorOptions;
  logger: Logger;
  leaseMs: number;
  maxAttempts: number;
  backoffMs: (attempt: number) => number;
}

/** A transient failure: try again after a backoff, or give the row up after `maxAttempts`. */
const retry = async (s: Settings, row: InboxRow, reason: string, paymentId?: string): Promise<ProcessedRow> => {
  if (row.attempts >= s.maxAttempts) {
    s.logger.error({ inboxId: row.id, provider: row.provider, reason }, 'payment delivery given up after max attempts');
    await s.options.inbox.finish(row, { status: 'failed', outcome: 'attempts exhausted', paymentId, error: reason });
    return { row, result: { status: 'given_up', reason } };
  }
  await s.options.inbox.retry(row, { error: reason, delayMs: s.backoffMs(row.attempts), paymentId });
  return { row, result: { status: 'retry', reason } };
};

/** Marks a row by what applying it came to. */
const settle = async (s: Settings, row: InboxRow, result: ApplyResult): Promise<ProcessedRow> => {
  const { inbox } = s.options;
  const where = { inboxId: row.id, provider: row.provider };
  switch (result.status) {
    case 'done':
      await inbox.finish(row, { status: 'done', outcome: result.outcome, paymentId: result.paymentId });
      // Refunds that came before this purchase may go now.
      if (result.outcome !== 'refunded') await inbox.wakeRowsOfPayment(row.provider, result.paymentId);
      break;
    case 'ignored':
    case 'rejected':
      if (result.status === 'rejected')
        s.logger.warn({ ...where, reason: result.outcome }, 'payment delivery rejected');
      await inbox.finish(row, { status: result.status, outcome: result.outcome, paymentId: result.paymentId });
      break;
    case 'wait':
      await inbox.retry(row, {
        error: result.reason,
        delayMs: PROCESSOR_WAIT_INTERVAL_MS,
        paymentId: result.paymentId,
      });
      break;
    case 'not_final':
      // Kept pending and asked again with backoff, up to maxAttempts (then `failed`, for a person).
      return retry(s, row, result.reason, result.paymentId);
    case 'failed':
      s.logger.error({ ...where, reason: result.reason }, 'payment delivery failed: needs a person');
      await inbox.finish(row, {
        status: 'failed',
        outcome: 'ledger refused',
        paymentId: result.paymentId,
        error: result.reason,
      });
      break;
    default: {
      const _exhaustive: never = result;
      throw new Error(`unknown apply result ${JSON.stringify(_exhaustive)}`);
    }
  }
  return { row, result };
};

/** Reads one claimed row, applies it, marks it. Never throws for the row's own failures. */
const processRow = async (s: Settings, row: InboxRow): Promise<ProcessedRow> => {
  let fact: PaymentFact;
  try {
    fact = await s.options.interpret(row);
  } catch (error) {
    return retry(s, row, `reading the delivery failed: ${(error as Error).message}`, row.paymentId ?? undefined);
  }
  await s.options.beforeApply?.(row, fact);
  try {
    return await settle(s, row, await applyFact(s.options, fact, `payments_inbox:${row.id}`));
  } catch (error) {
    const paymentId = fact.kind === 'purchase' || fact.kind === 'refund' ? fact.paymentId : undefined;
    return retry(s, row, `applying failed: ${(error as Error).message}`, paymentId);
  }
};

/**
 * The inbox worker: claims due rows (FOR UPDATE SKIP LOCKED, with a lease), reads each into a
 * fact, applies it by an idempotent ledger command, and marks it. A row that fails for a
 * transient reason is retried with backoff up to `maxAttempts`; a refund whose purchase has not
 * landed waits, without using up attempts, and is woken when the purchase lands. A worker that
 * crashes mid-row loses its lease and the row is done again: the ledger makes that harmless.
 */
export const createPaymentsProcessor = (options: PaymentsProcessorOptions): PaymentsProcessor => {
  const s: Settings = {
    options,
    logger: options.logger ?? noLogger,
    leaseMs: options.leaseMs ?? PROCESSOR_LEASE_MS,
    maxAttempts: options.maxAttempts ?? PROCESSOR_MAX_ATTEMPTS,
    backoffMs: options.backoffMs ?? defaultBackoffMs,
  };
  const pollMs = options.pollIntervalMs ?? PROCESSOR_POLL_INTERVAL_MS;
  const loops: DurableLoop[] = [];

  /** One claim-and-process round; returns the rows processed. */
  const round = async (): Promise<ProcessedRow[]> => {
    const rows = await options.inbox.claimDue({ limit: options.batchSize ?? PROCESSOR_BATCH_SIZE, leaseMs: s.leaseMs });
    const processed: ProcessedRow[] = [];
    for (const row of rows) processed.push(await processRow(s, row));
    return processed;
  };
  const startWorker = (index: number): DurableLoop =>
    startLoop<never>({
      logger: s.logger,
      ...loopSettings(options.loops, false),
      name: `payments-processor-${index + 1}`,
      idleMs: pollMs,
      backoff: { baseMs: pollMs, ceilingMs: Math.max(pollMs, PROCESSOR_ROUND_RETRY_CEILING_MS), jitter: 'equal' },
      step: async () => ({ more: (await round()).length > 0 }),
    });

  return {
    start: () => {
      if (loops.length > 0) return;
      for (let i = 0; i < (options.workers ?? 1); i++) loops.push(startWorker(i));
    },
    wake: () => {
      for (const loop of loops) loop.wake();
    },
    drain: async () => {
      const all: ProcessedRow[] = [];
      for (let processed = await round(); processed.length > 0; processed = await round()) all.push(...processed);
      return all;
    },
    processNow: async (inboxId) => {
      const row = await options.inbox.claimRow(inboxId, s.leaseMs);
      return row && processRow(s, row);
    },
    stop: async () => {
      await Promise.all(loops.splice(0).map((loop) => loop.stop()));
    },
  };
};
