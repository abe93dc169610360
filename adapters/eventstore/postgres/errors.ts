import { StoreUnavailable } from '../../../core/eventstore/index.js';
import { isUnavailable } from '../../../projections/unavailable.js';

export { isUnavailable };

/** Rethrows connection failures as `StoreUnavailable`; anything else unchanged. */
export const mapError = (error: unknown, what: string): never => {
  if (isUnavailable(error)) {
    throw new StoreUnavailable(`PostgreSQL event store unavailable during ${what}: ${(error as Error).message}`, error);
  }
  throw error;
};
