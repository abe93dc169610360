import type { Test } from 'tap';
import {
  EventStoreError,
  InvalidAppend,
  WrongExpectedRevision,
  type Expected,
} from '../../../core/eventstore/index.js';
import { Fixture, idsOf, isIncreasing, positionsOf, type StoreFactory } from './fixture.js';

const rejection = async (promise: Promise<unknown>): Promise<unknown> => {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  return undefined;
};

export const appendCases = (t: Test, factory: StoreFactory): void => {
  t.test('append then read back: every field as written, revisions from 0, positions ascending', async (t) => {
    const fx = new Fixture(await factory(t));
    const stream = fx.stream();
    // Exact JSON survives: unicode, escapes (including \u0000, which jsonb would refuse), nesting.
    const data = { credits: 3, note: 'Привет "quoted" \\ \u0000 ✓', nested: { list: [1, null, true, 2.5] } };
    const first = fx.event('AccountOpened', data);
    const second = fx.event('CreditsGranted', { credits: 7 });
    const result = await fx.store.appendToStream(stream, [first, second], { expected: 'no_stream' });
    t.equal(result.stream, stream);
    t.equal(result.revision, 1, 'revision of the last event written');
    const read = await fx.store.readStream(stream);
    t.same(idsOf(read), [first.id, second.id]);
    t.same(
      read.map((e) => e.revision),
      [0, 1],
    );
    t.same(
      read.map((e) => e.stream),
      [stream, stream],
    );
    t.same(
      read.map((e) => e.type),
      ['AccountOpened', 'CreditsGranted'],
    );
    t.same(read[0]!.data, data, 'data round-trips exactly');
    t.same(read[0]!.metadata, first.metadata, 'metadata round-trips');
    t.ok(isIncreasing(positionsOf(read)) && read[0]!.position >= 1, 'positions start above 0 and rise');
    t.equal(read[1]!.position, result.position, 'the result carries the last position');
    t.ok(
      read.every((e) => !Number.isNaN(Date.parse(e.recordedAt)) && e.recordedAt.endsWith('Z')),
      'recordedAt is ISO',
    );
    t.same(await fx.store.readStream(fx.stream('account', 'missing')), [], 'a missing stream reads as empty');
  });

  t.test('expected revision: no_stream, exists, exact, and conflicts that write nothing', async (t) => {
    const fx = new Fixture(await factory(t));
    const stream = fx.stream();
    const conflict = async (expected: Expected, actual: number | 'no_stream', why: string) => {
      const error = await rejection(fx.store.appendToStream(stream, [fx.event()], { expected }));
      t.type(error, WrongExpectedRevision, why);
      t.match(error, { code: 'wrong_expected_revision', stream, expected, actual }, `${why}: names what it found`);
    };
    await conflict('exists', 'no_stream', "'exists' on a missing stream");
    await conflict(0, 'no_stream', 'a revision on a missing stream');
    t.equal((await fx.store.appendToStream(stream, [fx.event()], { expected: 'no_stream' })).revision, 0);
    await conflict('no_stream', 0, "'no_stream' on an existing stream");
    t.equal((await fx.store.appendToStream(stream, fx.events(2), { expected: 'exists' })).revision, 2);
    await conflict(1, 2, 'a stale revision');
    await conflict(3, 2, 'a revision ahead of the stream');
    t.equal((await fx.store.appendToStream(stream, [fx.event()], { expected: 2 })).revision, 3, 'the exact revision');
    t.equal((await fx.store.readStream(stream)).length, 4, 'the conflicts wrote nothing');
  });

  t.test('idempotent retry: the same ids at the same slot return the first result, once', async (t) => {
    const fx = new Fixture(await factory(t));
    const stream = fx.stream();
    const opening = fx.events(2);
    const first = await fx.store.appendToStream(stream, opening, { expected: 'no_stream' });
    t.same(await fx.store.appendToStream(stream, opening, { expected: 'no_stream' }), first, 'retry with no_stream');
    const more = fx.events(2);
    const second = await fx.store.appendToStream(stream, more, { expected: 1 });
    t.same(await fx.store.appendToStream(stream, more, { expected: 1 }), second, 'retry with an exact revision');
    const last = [fx.event()];
    const third = await fx.store.appendToStream(stream, last, { expected: 'exists' });
    t.same(await fx.store.appendToStream(stream, last, { expected: 'exists' }), third, "retry with 'exists'");
    t.same(
      await fx.store.appendToStream(stream, opening, { expected: 'no_stream' }),
      first,
      'an old retry still matches',
    );
    const read = await fx.store.readStream(stream);
    t.same(idsOf(read), idsOf([...opening, ...more, ...last]), 'nothing was written twice');
  });

  t.test('the same ids at another slot, or only some of them, are refused and write nothing', async (t) => {
    const fx = new Fixture(await factory(t));
    const stream = fx.stream();
    const opening = fx.events(2);
    await fx.store.appendToStream(stream, opening, { expected: 'no_stream' });
    const atNextSlot = await rejection(fx.store.appendToStream(stream, opening, { expected: 1 }));
    t.type(atNextSlot, EventStoreError, 'the same ids appended again at the end');
    t.match(atNextSlot, { code: /^(invalid_event|wrong_expected_revision)$/ });
    const stale = await rejection(fx.store.appendToStream(stream, opening, { expected: 0 }));
    t.type(stale, WrongExpectedRevision, 'the same ids at a slot they are not at');
    const partial = await rejection(
      fx.store.appendToStream(stream, [opening[0]!, fx.event()], { expected: 'no_stream' }),
    );
    t.type(partial, WrongExpectedRevision, 'a retry whose ids only partly match');
    const reordered = await rejection(
      fx.store.appendToStream(stream, [opening[1]!, opening[0]!], { expected: 'no_stream' }),
    );
    t.type(reordered, WrongExpectedRevision, 'the same ids in another order');
    t.same(idsOf(await fx.store.readStream(stream)), idsOf(opening), 'nothing was written');
  });

  t.test('one append is atomic: a refused event leaves the whole append unwritten', async (t) => {
    const fx = new Fixture(await factory(t));
    const stream = fx.stream();
    const bad = { ...fx.event(), metadata: {} as never };
    t.type(
      await rejection(fx.store.appendToStream(stream, [fx.event(), bad], { expected: 'no_stream' })),
      InvalidAppend,
    );
    t.same(await fx.store.readStream(stream), [], 'not even the valid first event');
  });
};
