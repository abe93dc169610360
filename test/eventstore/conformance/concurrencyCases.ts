import type { Test } from 'tap';
import { WrongExpectedRevision, type Expected } from '../../../core/eventstore/index.js';
import { Fixture, idsOf, type StoreFactory } from './fixture.js';

const WRITERS = 16;

const race = async (fx: Fixture, stream: string, expected: Expected) => {
  const attempts = Array.from({ length: WRITERS }, () => [fx.event()]);
  const settled = await Promise.allSettled(
    attempts.map((events) => fx.store.appendToStream(stream, events, { expected })),
  );
  const won = settled.flatMap((s, i) => (s.status === 'fulfilled' ? [attempts[i]![0]!.id] : []));
  const lost = settled.filter((s) => s.status === 'rejected' && s.reason instanceof WrongExpectedRevision).length;
  return { won, lost };
};

export const concurrencyCases = (t: Test, factory: StoreFactory): void => {
  t.test(`${WRITERS} concurrent appends at one expected revision: exactly one wins`, async (t) => {
    const fx = new Fixture(await factory(t));
    const stream = fx.stream();
    const created = await race(fx, stream, 'no_stream');
    t.equal(created.won.length, 1, 'one writer creates the stream');
    t.equal(created.lost, WRITERS - 1, 'every other one gets WrongExpectedRevision');
    const next = await race(fx, stream, 0);
    t.equal(next.won.length, 1, 'one writer appends at revision 0');
    t.equal(next.lost, WRITERS - 1, 'the rest conflict');
    t.same(
      idsOf(await fx.store.readStream(stream)),
      [...created.won, ...next.won],
      'the stream holds only the winners',
    );
  });

  t.test('concurrent appends to different streams all succeed with distinct positions', async (t) => {
    const fx = new Fixture(await factory(t));
    const start = await fx.store.headPosition();
    const results = await Promise.all(
      Array.from({ length: WRITERS }, () =>
        fx.store.appendToStream(fx.stream(), fx.events(2), { expected: 'no_stream' }),
      ),
    );
    t.equal(new Set(results.map((r) => r.position)).size, WRITERS, 'distinct positions');
    const all = await fx.readOwn(start, ['account']);
    t.equal(all.length, WRITERS * 2, 'every event is in the global log');
    t.same(
      all.map((e) => e.position).sort((a, b) => a - b),
      all.map((e) => e.position),
      'in position order',
    );
  });
};
