import type pg from 'pg';
import { createEventStore } from '../../adapters/eventstore/index.js';
import type { EventStore } from '../../core/eventstore/index.js';
import { INSTANT_REJECTION_MESSAGES, parseInstant } from '../../core/input/index.js';
import { loadConfig, type Config } from '../config.js';
import { createLogger, openDatabase } from '../runtime.js';

/**
 * Runs a CLI command against the configured database and event store (the embedded PostgreSQL
 * unless DATABASE_URL is set; KurrentDB when EVENTSTORE_URL is), and closes both after. Logs go
 * to stderr, so stdout carries only the command's output (one JSON document with --json).
 */
export const withStore = async <T>(
  work: (deps: { store: EventStore; pool: pg.Pool; config: Config }) => Promise<T>,
): Promise<T> => {
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

/** A command line that cannot be run as given: the CLI prints the message and exits with `exitCode`. */
export class UsageError extends Error {
  override readonly name: string = 'UsageError';
  readonly exitCode: number = 1;
}

/** The exit code of an option whose value is malformed (the usual code for command-line misuse). */
export const INVALID_OPTION_EXIT_CODE = 2;

/** An option's value is malformed (an impossible date, a word where a number goes): exit 2, naming the option. */
export class InvalidOption extends UsageError {
  override readonly name = 'InvalidOption';
  override readonly exitCode = INVALID_OPTION_EXIT_CODE;
}

/**
 * An option holding a point in time, through the one strict parser the HTTP API uses too: a date
 * (midnight UTC) or a time with a zone; an impossible date such as 2024-02-30 is refused, never
 * rolled over to the next month.
 */
export const instant = (option: string, value: string | undefined): string | undefined => {
  if (value === undefined) return undefined;
  const parsed = parseInstant(value);
  if (parsed.ok) return parsed.iso;
  const why = `${INSTANT_REJECTION_MESSAGES[parsed.rejection]} (${parsed.rejection})`;
  throw new InvalidOption(`${option}: ${why}, got ${JSON.stringify(value)}`);
};

export const printJson = (value: unknown): void => {
  process.stdout.write(`${JSON.stringify(value)}\n`);
};
