import type pg from 'pg';
import { createEventStore } from '../../adapters/eventstore/index.js';
import type { EventStore } from '../../core/eventstore/index.js';
import { loadConfig, type Config } from '../config.js';
import { createLogger, openDatabase } from '../runtime.js';

/**
 * Runs a CLI command against the configured database and event store (the embedded PostgreSQL
 * unless DATABASE_URL is set; KurrentDB when EVENTSTORE_URL is), and closes both after. Logs go
 * to stderr, so stdout carries only the command's output (one JSON document with --json).
 */
export const withStore = async <T>(work: (deps: { store: EventStore; pool: pg.Pool; config: Config }) => Promise<T>): Promise<T> => {
  const config = loadConfig();
  const logger = createLogger(config, { stderr: true });
  const database = await openDatabase(config, logger);
  const store = createEventStore({ eventStoreUrl: config.env.EVENTSTORE_URL, pool: database.pool });
  try {
    return await work({ store, pool: database.pool, config });
  } finally {
    await store.close();
    await database.close();
  }
};

/** An ISO 8601 date (midnight UTC) or instant with a time zone, or a usage error naming the option. */
export const instant = (option: string, value: string | undefined): string | undefined => {
  if (value === undefined) return undefined;
  if (!/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2}))?$/.test(value) || Number.isNaN(Date.parse(value))) {
    throw new UsageError(`${option}: expected an ISO 8601 time like 2026-01-31T12:00:00Z, got ${JSON.stringify(value)}`);
  }
  return new Date(Date.parse(value)).toISOString();
};

/** A mistake in the command line: the CLI prints the message and exits 1. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export const printJson = (value: unknown): void => {
  process.stdout.write(`${JSON.stringify(value)}\n`);
};
