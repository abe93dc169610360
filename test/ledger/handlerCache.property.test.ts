import fc from 'fast-check';
import t from 'tap';
import {
  createCommandHandler,
  MemoryEventStore,
  MemorySnapshotStore,
  type CommandResult,
} from '../../core/eventstore/index.js';
import { accountDecider, defaultLedgerConfig, type AccountCommand, type Rejection } from '../../core/ledger/index.js';
import { capture, open, purchase, release, reserve, at } from './fixtures.js';

/**
 * The command handler's fast path (the state it keeps in memory, entries dropped after each
 * snapshot save, a filter of the ids written) must answer exactly as a handler that folds the
 * whole stream for every command. Long sequences over id pools big enough to pass the cached
 * entry limit, small enough that old ids come back (repeats, reuse with other amounts).
 */

const RUNS = Number(process.env.LEDGER_CACHE_PROPERTY_RUNS ?? 10);
const SEED =
  process.env.LEDGER_CACHE_PROPERTY_SEED === undefined
    ? Math.floor(Math.random() * 0x7fffffff)
    : Number(process.env.LEDGER_CACHE_PROPERTY_SEED);
const STREAM = 'account-42';

type Kind = 'purchase' | 'reserve' | 'capture' | 'release' | 'old_purchase' | 'old_reservation';
const step = fc.record({
  kind: fc.constantFrom<Kind>(
    'purchase',
    'purchase',
    'purchase',
    'reserve',
    'reserve',
    'capture',
    'capture',
    'release',
    'old_purchase',
    'old_reservation',
  ),
  pick: fc.nat({ max: 1_000 }),
  credits: fc.constantFrom(3, 3, 5, 10),
});

/**
 * Mostly new ids (a purchase, a hold settled soon after) so the account passes the cached entry
 * limit, mixed with old ids coming back: repeats and reuse with other amounts.
 */
const commandsOf = (steps: ReadonlyArray<{ kind: Kind; pick: number; credits: number }>): AccountCommand[] => {
  let payments = 0;
  let holds = 0;
  return steps.map(({ kind, pick, credits }, second) => {
    const occurredAt = at(second);
    const recentHold = `r-${Math.max(0, holds - 1 - (pick % 3))}`;
    switch (kind) {
      case 'purchase':
        return purchase({ paymentId: `pay-${payments++}`, credits: credits * 10, occurredAt });
      case 'old_purchase':
        return purchase({ paymentId: `pay-${pick % Math.max(payments, 1)}`, credits: credits * 10, occurredAt });
      case 'reserve':
        return reserve({ reservationId: `r-${holds++}`, credits, occurredAt });
      case 'capture':
        return capture({ reservationId: recentHold, credits, occurredAt });
      case 'release':
        return release({ reservationId: recentHold, occurredAt });
      case 'old_reservation':
        return reserve({ reservationId: `r-${pick % Math.max(holds, 1)}`, credits, occurredAt });
    }
  });
};

const answer = (result: CommandResult<Rejection>) =>
  result.ok
    ? { ok: true, events: result.events.map((e) => [e.type, e.data]), revision: result.revision }
    : { ok: false, rejection: result.rejection };

t.test(`the cached handler answers as a full fold: ${RUNS} sequences of up to 1 500 commands`, async (t) => {
  t.comment(`seed=${SEED} (rerun with LEDGER_CACHE_PROPERTY_SEED=${SEED})`);
  let differences = 0;
  await fc.assert(
    fc.asyncProperty(fc.array(step, { minLength: 1_200, maxLength: 1_500 }), async (steps) => {
      const fast = createCommandHandler(accountDecider(defaultLedgerConfig), {
        store: new MemoryEventStore(),
        snapshots: new MemorySnapshotStore(),
        snapshotEveryEvents: 8,
      });
      const full = createCommandHandler(accountDecider(defaultLedgerConfig), { store: new MemoryEventStore() });
      const all = [open(), ...commandsOf(steps)];
      for (const [i, c] of all.entries()) {
        const [a, b] = [answer(await fast(STREAM, c)), answer(await full(STREAM, c))];
        if (JSON.stringify(a) !== JSON.stringify(b)) {
          differences += 1;
          throw new Error(
            `command ${i} ${JSON.stringify(c)}: cached ${JSON.stringify(a)}, full fold ${JSON.stringify(b)}`,
          );
        }
      }
    }),
    { numRuns: RUNS, seed: SEED, endOnFailure: true },
  );
  t.equal(differences, 0, 'every answer the same');
});
