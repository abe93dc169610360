import { rejected, type PaymentFact } from './facts.js';
import type { InboxKind, InboxRow } from './inbox.js';

/** Reads an inbox row into what it means for the ledger. May call a provider (YooKassa). */
export type Interpreter = (row: InboxRow) => Promise<PaymentFact>;

/**
 * Reads the parsed body of one kind of inbox row into a fact: the provider's part of
 * interpreting, implemented by the payments adapter (a port). A reader may ask the provider's
 * API (YooKassa), and throws when it cannot answer now: the row is tried again later.
 */
export type InboxRowReader = (body: unknown) => PaymentFact | Promise<PaymentFact>;

/** One reader for every kind of inbox row. */
export type InboxRowReaders = Readonly<Record<InboxKind, InboxRowReader>>;

const json = (row: InboxRow): unknown => JSON.parse(row.body.toString('utf8'));

/**
 * The body of a Stripe row was verified (signature) when it was received, and the reconciler's
 * rows come from Stripe's API: both are trusted as they are. A YooKassa row is a hint only: its
 * reader reads the payment again from the API, here, outside any request (record, acknowledge,
 * then act).
 */
export const createInterpreter =
  (readers: InboxRowReaders): Interpreter =>
  async (row) => {
    const read = readers[row.kind] as InboxRowReader | undefined;
    return read ? read(json(row)) : rejected(`unknown inbox kind ${String(row.kind)}`);
  };
