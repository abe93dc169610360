import t from 'tap';
import {
  createCommandHandler,
  MemoryEventStore,
  MemorySnapshotStore,
  SNAPSHOT_EVERY_EVENTS,
  type ReadStreamOptions,
  type RecordedEvent,
} from '../eventstore/index.js';
import { capture, open, purchase, refund, release, reserve, T0, at } from '../../test/ledger/fixtures.js';
import { accountDecider, accountStream } from './accountDecider.js';
import type { AccountCommand } from './commands.js';
import { foldAccount } from './evolve.js';
import type { AccountEvent } from './events.js';
import { summaryOf } from './account.js';

const STREAM = accountStream('42');

/** Counts what the handler reads, to show a command's cost does not depend on history. */
class CountingStore extends MemoryEventStore {
  eventsRead = 0;
  override async readStream(stream: string, options?: ReadStreamOptions): Promise<RecordedEvent[]> {
    const events = await super.readStream(stream, options);
    this.eventsRead += events.length;
    return events;
  }
}

const day = (n: number): string => new Date(Date.parse(T0) + n * 60_000).toISOString();

/** Purchase, reserve, capture: one "use" of the bot, with fresh ids. */
const cycle = (i: number): AccountCommand[] => [
  purchase({ paymentId: `pay-${i}`, occurredAt: day(i) }),
  reserve({ reservationId: `r-${i}`, credits: 3, occurredAt: day(i) }),
  capture({ reservationId: `r-${i}`, credits: 3, occurredAt: day(i) }),
];

t.test('the handler writes what decide says, with occurredAt and metadata on every event', async (t) => {
  const store = new MemoryEventStore();
  const handle = createCommandHandler(accountDecider(), { store, snapshots: new MemorySnapshotStore() });
  const result = await handle(
    STREAM,
    purchase({ metadata: { actor: 'provider:stripe', correlationId: 'c-1', extra: 'dropped' } as never }),
  );
  t.match(result, { ok: true, revision: 2, position: 3 });
  const events = await store.readStream(STREAM);
  t.same(
    events.map((e) => e.type),
    ['AccountOpened', 'CreditsGranted', 'CreditsPurchased'],
  );
  t.same(events[2]!.metadata, { occurredAt: T0, actor: 'provider:stripe', correlationId: 'c-1' });
  t.same(
    await handle(STREAM, purchase()),
    { ok: true, events: [], revision: 2, position: 3 },
    'the same payment again: nothing written',
  );
  t.match(await handle(STREAM, refund({ paymentId: 'nope' })), {
    ok: false,
    rejection: 'payment_not_found',
    revision: 2,
  });
});

t.test('a command on a long history reads no more than one on a new account', async (t) => {
  const store = new CountingStore();
  const snapshots = new MemorySnapshotStore();
  const handle = createCommandHandler(accountDecider(), { store, snapshots });
  await handle(STREAM, open());
  const rejected: unknown[] = [];
  for (let i = 0; i < 400; i++)
    for (const command of cycle(i)) if (!(await handle(STREAM, command)).ok) rejected.push(command);
  t.same(rejected, []);
  const events = await store.readStream(STREAM);
  t.ok(events.length > 1200);
  store.eventsRead = 0;
  t.match(await handle(STREAM, reserve({ reservationId: 'r-last', occurredAt: day(500) })), {
    ok: true,
    revision: events.length,
  });
  t.ok(store.eventsRead < SNAPSHOT_EVERY_EVENTS, `read ${store.eventsRead} events of ${events.length}`);
  t.ok(snapshots.saves >= Math.floor(events.length / SNAPSHOT_EVERY_EVENTS) - 1);
  t.same(
    await handle(STREAM, purchase({ paymentId: 'pay-7', occurredAt: day(501) })),
    { ok: true, events: [], revision: events.length, position: events.length + 1 },
    'an old payment id is still remembered',
  );
  t.same(summaryOf(foldAccount((await store.readStream(STREAM)).map((e) => e as unknown as AccountEvent)).core), {
    balance: 3 + 400 * 7,
    available: 3 + 400 * 7 - 3,
    held: 3,
    inDebt: false,
  });
});

t.test(
  'random histories give the same answers with or without snapshots, and with two processes caching',
  async (t) => {
    const ids = ['a', 'b', 'c'];
    let seed = 7;
    const next = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (let run = 0; run < 30; run++) {
      const reference = createCommandHandler(accountDecider(), { store: new MemoryEventStore(), cachedStreams: 0 });
      const shared = new MemoryEventStore();
      const snapshots = new MemorySnapshotStore();
      const every = 1 + next(5);
      // Two processes on one stream: each caches its last state, which the other makes stale.
      const processes = [0, 1].map(() =>
        createCommandHandler(accountDecider(), { store: shared, snapshots, snapshotEveryEvents: every }),
      );
      for (let i = 0; i < 60; i++) {
        const id = ids[next(3)]!;
        const when = at(i * 7);
        const command = [
          purchase({ paymentId: id, occurredAt: when, credits: 10 + next(2) }),
          reserve({ reservationId: `${id}${next(4)}`, credits: 1 + next(6), occurredAt: when }),
          capture({ reservationId: `${id}${next(4)}`, credits: 1 + next(3), occurredAt: when }),
          release({ reservationId: `${id}${next(4)}`, occurredAt: when }),
          refund({ paymentId: id, occurredAt: when }),
        ][next(5)]!;
        const a = await reference(STREAM, command);
        const b = await processes[next(2)]!(STREAM, command);
        if (JSON.stringify(a) !== JSON.stringify(b)) {
          t.fail(`run ${run} step ${i}: ${JSON.stringify(command)}: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
          return;
        }
      }
    }
    t.pass('30 histories of 60 commands agree');
  },
);

t.test('the handler cache: no load for a command on ids it knows, and never a stale answer', async (t) => {
  const store = new CountingStore();
  const snapshots = new MemorySnapshotStore();
  let loads = 0;
  const load = snapshots.load.bind(snapshots);
  snapshots.load = (...args) => {
    loads += 1;
    return load(...args);
  };
  const processA = createCommandHandler(accountDecider(), { store, snapshots });
  const processB = createCommandHandler(accountDecider(), { store, snapshots });
  await processA(STREAM, open());
  await processA(STREAM, reserve({ credits: 3 }));
  [loads, store.eventsRead] = [0, 0];
  t.match(await processA(STREAM, capture({ credits: 1 })), { ok: true, revision: 3 });
  t.same([loads, store.eventsRead], [0, 0], 'a capture right after its reservation reads nothing');

  t.match(await processA(STREAM, purchase({ paymentId: 'pay-0', credits: 2 })), { ok: true, revision: 4 });
  t.same(
    [loads, store.eventsRead],
    [0, 0],
    'a young account folded from its start knows every id: a new payment id needs no lookup',
  );
  t.match(await processA(STREAM, reserve({ reservationId: 'r-2', credits: 5 })), {
    ok: false,
    rejection: 'insufficient_credits',
  });
  t.same(loads, 0);
  t.ok(store.eventsRead === 0, 'the refusal was checked by reading the stream after the cached revision (nothing new)');
  t.match(await processB(STREAM, purchase()), { ok: true }, 'another process buys credits');
  t.match(
    await processA(STREAM, reserve({ reservationId: 'r-2', credits: 5 })),
    { ok: true, revision: 6 },
    'the cached refusal was checked against the stream',
  );

  t.match(await processB(STREAM, release({ reservationId: 'r-2' })), { ok: true });
  t.same(
    await processA(STREAM, capture({ reservationId: 'r-2', credits: 5 })),
    { ok: false, rejection: 'reservation_already_resolved', revision: 7, position: 8 },
    'a stale cache loses the append race and decides again',
  );
  t.equal((await store.readStream(STREAM)).length, 8);
});

t.test('a long account loaded from its snapshot looks up ids it does not know', async (t) => {
  const store = new CountingStore();
  const snapshots = new MemorySnapshotStore();
  const writer = createCommandHandler(accountDecider(), { store, snapshots, cachedStreams: 0 });
  await writer(STREAM, open());
  for (let i = 0; i < 150; i++) for (const command of cycle(i)) await writer(STREAM, command);
  const handle = createCommandHandler(accountDecider(), { store, snapshots });
  t.match(await handle(STREAM, reserve({ reservationId: 'new-1', occurredAt: day(900) })), { ok: true });
  t.same(
    await handle(STREAM, purchase({ paymentId: 'pay-3', occurredAt: day(901) })),
    { ok: true, events: [], revision: 452, position: 453 },
    'an old payment found by lookup, not forgotten',
  );
});
