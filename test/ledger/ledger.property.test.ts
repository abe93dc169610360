import assert from 'node:assert/strict';
import fc from 'fast-check';
import t from 'tap';
import {
  DEFAULT_LEDGER_CONFIG_INPUT,
  availableOf,
  decide,
  evolve,
  foldAccount,
  initialState,
  isInDebt,
  keysOf,
  parseLedgerConfig,
  type Account,
  type AccountCommand,
  type AccountEvent,
  type IndexEntry,
} from '../../core/ledger/index.js';
import { ReferenceModel } from './referenceModel.js';
import { T0 } from './fixtures.js';

/**
 * Random command sequences against the decider and a reference model, compared after every step.
 * Small id pools make ids collide (duplicates, reuse with other parameters), short holds and a
 * moving clock make them expire, and refunds and negative corrections push accounts into debt.
 * On failure fast-check prints `seed` and `path`; rerun one with LEDGER_PROPERTY_SEED=<seed>.
 */

const RUNS = Number(process.env.LEDGER_PROPERTY_RUNS ?? 10_000);
const SEED =
  process.env.LEDGER_PROPERTY_SEED === undefined
    ? Math.floor(Math.random() * 0x7fffffff)
    : Number(process.env.LEDGER_PROPERTY_SEED);
const config = parseLedgerConfig({ ...DEFAULT_LEDGER_CONFIG_INPUT, maxOpenHolds: 3, maxHoldTtlSeconds: 120 });

type Body = AccountCommand extends infer C ? (C extends AccountCommand ? Omit<C, 'occurredAt'> : never) : never;
const of = <T>(...values: T[]) => fc.constantFrom(...values);
const credits = of(1, 2, 3, 5, 10, 0);

const commandBody: fc.Arbitrary<Body> = fc.oneof(
  fc.record({
    type: fc.constant('OpenAccount' as const),
    userId: of('42', '42', '42', '43', '0x'),
    profile: fc.constant({ username: 'ann' }),
  }),
  fc.record({
    type: fc.constant('PurchaseCredits' as const),
    userId: of('42', '42', '42', '43'),
    paymentId: of('p1', 'p2', 'p3', ''),
    provider: of('stripe' as const, 'yookassa' as const, 'telegram_stars' as const),
    packageId: of('basic' as const, 'premium' as const),
    credits: of(10, 10, 50, 0),
    amountMinor: of(199, 199, 799, -1),
    currency: of('USD' as const, 'RUB' as const, 'XTR' as const),
  }),
  fc.record({
    type: fc.constant('GrantCredits' as const),
    grantId: of('g1', 'g2', 'welcome'),
    credits,
    reason: of('goodwill' as const, 'promo' as const, 'welcome' as const),
    operator: of('ops', 'ops', ''),
  }),
  fc.record({
    type: fc.constant('ReserveCredits' as const),
    reservationId: of('r1', 'r2', 'r3', 'r4', 'r5'),
    credits,
    feature: of('tryon' as const, 'styling' as const),
    ttlSeconds: of(1, 30, 60, 120, 0, 121),
  }),
  fc.record({
    type: fc.constant('ReserveCredits' as const),
    reservationId: of('r1', 'r2', 'r3', 'r4', 'r5'),
    credits: of(3, 5),
    feature: of('tryon' as const),
    ttlSeconds: of(60),
  }),
  fc.record({
    type: fc.constant('CaptureReservation' as const),
    reservationId: of('r1', 'r2', 'r3', 'r4', 'r5'),
    credits,
  }),
  fc.record({
    type: fc.constant('ReleaseReservation' as const),
    reservationId: of('r1', 'r2', 'r3', 'r4', 'r5'),
    reason: of('ai_failed' as const, 'expired' as const, 'cancelled' as const),
  }),
  fc.record(
    {
      type: fc.constant('RefundPurchase' as const),
      paymentId: of('p1', 'p2', 'p3'),
      kind: of('refund' as const, 'chargeback' as const),
      credits: of(1, 4, 10, 50, 0),
      amountMinor: of(0, 100, 199, 5000),
    },
    { requiredKeys: ['type', 'paymentId', 'kind'] },
  ),
  fc.record({
    type: fc.constant('AdjustCredits' as const),
    adjustmentId: of('a1', 'a2'),
    delta: of(-20, -3, 2, 0),
    reason: of('fix', 'typo', ' '),
    operator: of('ops', 'ops', ''),
  }),
);

type Step = {
  body: Body | { repeat: number };
  advanceSeconds: number;
  badTime: boolean;
  snapshotAt: number;
  replayOf: number;
};
const step: fc.Arbitrary<Step> = fc.record({
  body: fc.oneof({ weight: 6, arbitrary: commandBody }, { weight: 1, arbitrary: fc.record({ repeat: fc.nat() }) }),
  advanceSeconds: fc.integer({ min: -5, max: 40 }),
  badTime: fc.integer({ min: 0, max: 39 }).map((n) => n === 0),
  snapshotAt: fc.nat(),
  replayOf: fc.nat(),
});

const NOTHING = { ok: true, events: [] };
const roundTrip = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

/**
 * The state the command handler would build: a snapshot at `revision` (core + the command's entries), then the tail.
 */
const fromSnapshot = (
  states: Account[],
  events: AccountEvent[],
  revision: number,
  command: AccountCommand,
): Account => {
  const at = states[revision]!;
  const entries = new Map<string, IndexEntry>();
  for (const key of keysOf(command)) {
    const entry = at.index.entries.get(key);
    if (entry) entries.set(key, roundTrip(entry));
  }
  const partial: Account = { core: roundTrip(at.core), index: { complete: false, entries } };
  return foldAccount(events.slice(revision), partial);
};

/** Throws with a message built only on failure (messages are costly at 300k steps). */
const ensure = (condition: boolean, message: () => string): void => {
  if (!condition) throw new assert.AssertionError({ message: message() });
};
const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

const checkAgainstModel = (state: Account, model: ReferenceModel, label: () => string): void => {
  const c = state.core;
  const components = [c.purchasedCredits, c.grantedCredits, c.adjustedCredits, c.clawedBackCredits, c.capturedCredits];
  const expected = [model.purchased, model.granted, model.adjusted, model.clawedBack, model.captured];
  ensure(
    components.every((v, i) => v === expected[i]),
    () => `${label()}: components ${components} vs model ${expected}`,
  );
  ensure(c.balance === model.balance, () => `${label()}: balance ${c.balance} vs model ${model.balance}`);
  ensure(
    c.balance === c.purchasedCredits + c.grantedCredits + c.adjustedCredits - c.clawedBackCredits - c.capturedCredits,
    () => `${label()}: balance = purchased + granted + adjusted − clawed back − captured`,
  );
  ensure(c.held === model.held, () => `${label()}: held ${c.held} vs sum of open holds ${model.held}`);
  ensure(c.openHolds.length === model.openHolds, () => `${label()}: open holds`);
  ensure(availableOf(c) === c.balance - c.held, () => `${label()}: available = balance − held`);
  ensure(isInDebt(c) === model.inDebt, () => `${label()}: in debt`);
  ensure(availableOf(c) >= 0 || isInDebt(c), () => `${label()}: available ≥ 0 unless in debt`);
};

const runSequence = (steps: Step[]): void => {
  const model = new ReferenceModel(config);
  let state = initialState();
  const states: Account[] = [state];
  const events: AccountEvent[] = [];
  const commands: AccountCommand[] = [];
  const accepted: AccountCommand[] = [];
  let clockMs = Date.parse(T0);
  steps.forEach((s, i) => {
    clockMs += s.advanceSeconds * 1000;
    const occurredAt = s.badTime ? 'not-a-time' : new Date(clockMs).toISOString();
    const command: AccountCommand =
      'repeat' in s.body
        ? {
            ...(commands[s.body.repeat % Math.max(commands.length, 1)] ?? {
              type: 'OpenAccount',
              userId: '42',
              profile: {},
            }),
            occurredAt,
          }
        : ({ ...s.body, occurredAt } as AccountCommand);
    commands.push(command);
    const label = () => `step ${i} ${JSON.stringify(command)}`;
    const expected = model.step(command);
    const decision = decide(command, state, config);
    const outcome = !decision.ok ? decision.rejection : decision.events.length > 0 ? 'applied' : 'noop';
    ensure(outcome === expected, () => `${label()}: decider said ${outcome}, model ${expected}`);
    // Decision from a snapshot at a random earlier revision plus the tail = decision from the full fold.
    const fromSnap = decide(command, fromSnapshot(states, events, s.snapshotAt % (events.length + 1), command), config);
    ensure(
      same(fromSnap, decision),
      () => `${label()}: snapshot decision ${JSON.stringify(fromSnap)} vs ${JSON.stringify(decision)}`,
    );
    if (!decision.ok) return;
    const before = availableOf(state.core);
    for (const event of decision.events) {
      state = evolve(state, event);
      states.push(state);
      events.push(event);
    }
    accepted.push(command);
    checkAgainstModel(state, model, label);
    ensure(
      command.type === 'RefundPurchase' ||
        command.type === 'AdjustCredits' ||
        before < 0 ||
        availableOf(state.core) >= 0,
      () => `${label()}: only a clawback or a correction goes into debt`,
    );
    ensure(same(decide(command, state, config), NOTHING), () => `${label()}: replay adds an event`);
    const earlier = accepted[s.replayOf % accepted.length]!;
    ensure(
      same(decide(earlier, state, config), NOTHING),
      () => `${label()}: replay of ${JSON.stringify(earlier)} adds an event`,
    );
  });
  assert.deepEqual(foldAccount(events), state, 'folding all events = evolving one by one');
  assert.deepEqual(foldAccount(events), foldAccount(events), 'folding twice gives the same state');
};

t.test(`ledger against the reference model: ${RUNS} random sequences`, async (t) => {
  t.comment(`seed=${SEED} (rerun with LEDGER_PROPERTY_SEED=${SEED})`);
  try {
    fc.assert(
      fc.property(fc.array(step, { minLength: 20, maxLength: 40 }), (steps) => runSequence(steps)),
      { numRuns: RUNS, seed: SEED },
    );
  } catch (error) {
    t.fail(`seed=${SEED}\n${(error as Error).message}`);
    return;
  }
  t.pass(`${RUNS} sequences agree with the model`);
});
