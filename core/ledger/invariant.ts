/**
 * A fact in the stream contradicts what must hold (a duplicate payment, a capture of a hold that
 * is not open, a sum that does not add up). It is never a business rule: `decide` refuses those
 * with a rejection. A violation means a bug or a damaged stream, so we stop rather than go on
 * with a wrong balance.
 */
export class LedgerInvariantViolation extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LedgerInvariantViolation';
  }
}

export const check = (condition: boolean, message: () => string): void => {
  if (!condition) throw new LedgerInvariantViolation(message());
};
