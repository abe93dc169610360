import t from 'tap';
import { createCommandHandler, MemoryEventStore } from '../../core/eventstore/index.js';
import { accountDecider, accountStream, type AccountCommand } from '../../core/ledger/index.js';
import { tryOnStream } from '../../core/sessions/index.js';
import { buildTimeline } from './timeline.js';

/** A command without its time: the test's clock stamps it. */
type Untimed<C> = C extends unknown ? Omit<C, 'occurredAt'> : never;
type WithoutTime = Untimed<AccountCommand>;

const USER = '4242';
const SESSION = '0b7e3f4c-8a5d-4c1e-9f2a-2d6b1c0a9e11';

/** A store whose clock the test moves: recordedAt is then known exactly. */
const setup = () => {
  let now = Date.parse('2026-03-01T10:00:00Z');
  const store = new MemoryEventStore({ clock: () => new Date(now) });
  const ledger = createCommandHandler(accountDecider(), { store });
  const at = (minute: number) => {
    now = Date.parse('2026-03-01T10:00:00Z') + minute * 60_000;
    return new Date(now).toISOString();
  };
  const run = (minute: number, command: WithoutTime) =>
    ledger(accountStream(USER), { ...command, occurredAt: at(minute) } as AccountCommand);
  return { store, at, run };
};

t.test(
  'the timeline: every event in order, the state after each, both times; as-of leaves out later events',
  async (t) => {
    const { store, at, run } = setup();
    await run(0, { type: 'OpenAccount', userId: USER, profile: {} });
    await run(1, {
      type: 'PurchaseCredits',
      userId: USER,
      paymentId: 'pi_1',
      provider: 'stripe',
      packageId: 'basic',
      credits: 10,
      amountMinor: 199,
      currency: 'USD',
    });
    at(2);
    await store.appendToStream(
      tryOnStream(SESSION),
      [
        {
          id: '00000000-0000-4000-8000-000000000001',
          type: 'TryOnStarted',
          data: { sessionId: SESSION, userId: USER, occurredAt: at(2) },
          metadata: { occurredAt: at(2) },
        },
      ],
      { expected: 'no_stream' },
    );
    await run(3, { type: 'ReserveCredits', reservationId: SESSION, credits: 5, feature: 'tryon', ttlSeconds: 600 });
    await run(4, { type: 'CaptureReservation', reservationId: SESSION, credits: 5 });
    await run(5, { type: 'RefundPurchase', paymentId: 'pi_1', kind: 'chargeback' });

    const full = await buildTimeline(store, USER, { asOf: at(60) });
    const rows = full.events.map((e) => [
      e.type,
      e.stateAfter.balance,
      e.stateAfter.available,
      e.stateAfter.held,
      e.stateAfter.inDebt,
    ]);
    t.same(rows, [
      ['AccountOpened', 0, 0, 0, false],
      ['CreditsGranted', 3, 3, 0, false],
      ['CreditsPurchased', 13, 13, 0, false],
      ['TryOnStarted', 13, 13, 0, false],
      ['CreditsReserved', 13, 8, 5, false],
      ['ReservationCaptured', 8, 8, 0, false],
      ['PurchaseRefunded', -2, -2, 0, true],
    ]);
    t.same(full.state, { balance: -2, available: -2, held: 0, inDebt: true }, 'a chargeback after spending: in debt');
    t.ok(
      full.events.every((e, i) => i === 0 || e.position > full.events[i - 1]!.position),
      'in global order',
    );
    t.match(full.events[2], {
      stream: `account-${USER}`,
      revision: 2,
      occurredAt: '2026-03-01T10:01:00.000Z',
      recordedAt: '2026-03-01T10:01:00.000Z',
      data: { paymentId: 'pi_1' },
    });
    t.equal(full.events[3]!.stream, tryOnStream(SESSION), "the user's session is found from its hold");

    const midway = await buildTimeline(store, USER, { asOf: '2026-03-01T10:03:30Z' });
    t.same(
      midway.events.map((e) => e.type),
      ['AccountOpened', 'CreditsGranted', 'CreditsPurchased', 'TryOnStarted', 'CreditsReserved'],
    );
    t.same(
      midway.state,
      { balance: 13, available: 8, held: 5, inDebt: false },
      'the state as of then, from the events',
    );
    t.equal(midway.asOf, '2026-03-01T10:03:30.000Z');

    const before = await buildTimeline(store, USER, { asOf: '2026-03-01T09:00:00Z' });
    t.same(before.events, []);
    t.same(before.state, { balance: 0, available: 0, held: 0, inDebt: false });
  },
);

t.test("another user's session with the same id is not shown; a located session is", async (t) => {
  const { store, at, run } = setup();
  await run(0, { type: 'OpenAccount', userId: USER, profile: {} });
  const other = '1f0c3a5e-2b4d-4e6f-8a1b-3c5d7e9f0a2b';
  await store.appendToStream(
    tryOnStream(other),
    [
      {
        id: '00000000-0000-4000-8000-000000000002',
        type: 'TryOnStarted',
        data: { sessionId: other, userId: '999' },
        metadata: { occurredAt: at(1) },
      },
    ],
    { expected: 'no_stream' },
  );
  await store.appendToStream(
    tryOnStream(SESSION),
    [
      {
        id: '00000000-0000-4000-8000-000000000003',
        type: 'TryOnStarted',
        data: { sessionId: SESSION, userId: USER },
        metadata: { occurredAt: at(2) },
      },
    ],
    { expected: 'no_stream' },
  );
  const sessions = async () => [
    { kind: 'tryon' as const, sessionId: other },
    { kind: 'tryon' as const, sessionId: SESSION },
  ];
  const located = await buildTimeline(store, USER, { asOf: at(5), sessions });
  t.same(
    located.events.map((e) => `${e.stream}:${e.type}`),
    [`account-${USER}:AccountOpened`, `account-${USER}:CreditsGranted`, `${tryOnStream(SESSION)}:TryOnStarted`],
    'a session without a hold is found by the locator; one started by someone else is left out',
  );
});
