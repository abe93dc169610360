import type { Test } from 'tap';
import type { AppendResult } from '../../../core/eventstore/index.js';
import { Fixture, idsOf, isIncreasing, positionsOf, type StoreFactory } from './fixture.js';

export const readCases = (t: Test, factory: StoreFactory): void => {
  t.test('readAll: every stream in append order, `after` exclusive, maxCount', async (t) => {
    const fx = new Fixture(await factory(t));
    const start = await fx.store.headPosition();
    const [a, b, c] = [fx.stream('account'), fx.stream('tryon'), fx.stream('account')];
    const written = [fx.event(), fx.event(), fx.event(), fx.event(), fx.event()];
    const results: AppendResult[] = [];
    results.push(await fx.store.appendToStream(a, [written[0]!], { expected: 'no_stream' }));
    results.push(await fx.store.appendToStream(b, [written[1]!, written[2]!], { expected: 'no_stream' }));
    results.push(await fx.store.appendToStream(c, [written[3]!], { expected: 'no_stream' }));
    results.push(await fx.store.appendToStream(a, [written[4]!], { expected: 0 }));
    const all = await fx.readOwn(start, ['account', 'tryon']);
    t.same(idsOf(all), idsOf(written), 'global order is append order');
    t.ok(isIncreasing(positionsOf(all)), 'positions strictly increase');
    t.same(
      results.map((r) => r.position),
      [all[0]!.position, all[2]!.position, all[3]!.position, all[4]!.position],
      'append results name the positions readAll shows',
    );
    t.ok((await fx.store.headPosition()) >= all[4]!.position, 'the head covers everything appended');
    const categories = [fx.category('account'), fx.category('tryon')];
    t.same(
      idsOf(await fx.store.readAll({ after: all[1]!.position, categories })),
      idsOf(written.slice(2)),
      '`after` is exclusive',
    );
    t.same(
      idsOf(await fx.store.readAll({ after: start, categories, maxCount: 2 })),
      idsOf(written.slice(0, 2)),
      'maxCount',
    );
    t.same(await fx.store.readAll({ after: start, categories, maxCount: 0 }), [], 'maxCount 0 reads nothing');
    t.same(await fx.store.readAll({ after: all[4]!.position, categories }), [], 'nothing after the last');
  });

  t.test('readAll filters: by category, by event type, by both', async (t) => {
    const fx = new Fixture(await factory(t));
    const start = await fx.store.headPosition();
    const opened = fx.event('AccountOpened');
    const granted = fx.event('CreditsGranted');
    const started = fx.event('TryOnStarted');
    const styled = fx.event('CreditsGranted');
    await fx.store.appendToStream(fx.stream('account'), [opened, granted], { expected: 'no_stream' });
    await fx.store.appendToStream(fx.stream('tryon'), [started], { expected: 'no_stream' });
    await fx.store.appendToStream(fx.stream('styling'), [styled], { expected: 'no_stream' });
    const [account, tryon, styling] = [fx.category('account'), fx.category('tryon'), fx.category('styling')];
    t.same(
      idsOf(await fx.store.readAll({ after: start, categories: [account] })),
      [opened.id, granted.id],
      'one category',
    );
    t.same(
      idsOf(await fx.store.readAll({ after: start, categories: [tryon, styling] })),
      [started.id, styled.id],
      'two',
    );
    const grantedAnywhere = await fx.store.readAll({
      after: start,
      categories: [account, tryon, styling],
      eventTypes: ['CreditsGranted'],
    });
    t.same(idsOf(grantedAnywhere), [granted.id, styled.id], 'by type, across categories');
    t.same(
      idsOf(await fx.store.readAll({ after: start, categories: [styling], eventTypes: ['AccountOpened'] })),
      [],
      'category and type must both match',
    );
    const byType = (await fx.store.readAll({ after: start, eventTypes: ['TryOnStarted'] })).filter((e) =>
      e.stream.startsWith(tryon),
    );
    t.same(idsOf(byType), [started.id], 'by type alone');
    t.same(
      idsOf(await fx.store.readAll({ after: start, categories: [fx.category('nothing')] })),
      [],
      'an unknown category',
    );
  });

  t.test('readStream: forwards from a revision, backwards, maxCount', async (t) => {
    const fx = new Fixture(await factory(t));
    const stream = fx.stream();
    const events = fx.events(5);
    await fx.store.appendToStream(stream, events, { expected: 'no_stream' });
    const revisions = async (options: Parameters<typeof fx.store.readStream>[1]) =>
      (await fx.store.readStream(stream, options)).map((e) => e.revision);
    t.same(await revisions({ fromRevision: 2 }), [2, 3, 4], 'forwards from a revision (inclusive)');
    t.same(await revisions({ fromRevision: 1, maxCount: 2 }), [1, 2], 'forwards with maxCount');
    t.same(await revisions({ fromRevision: 9 }), [], 'forwards past the end');
    t.same(await revisions({ direction: 'backwards' }), [4, 3, 2, 1, 0], 'backwards from the end');
    t.same(await revisions({ direction: 'backwards', fromRevision: 2 }), [2, 1, 0], 'backwards from a revision');
    t.same(await revisions({ direction: 'backwards', maxCount: 1 }), [4], 'the last event');
    t.same(
      await revisions({ direction: 'backwards', fromRevision: 9, maxCount: 2 }),
      [4, 3],
      'backwards from past the end',
    );
    t.same(
      await revisions({ direction: 'backwards', fromRevision: 3, maxCount: 2 }),
      [3, 2],
      'backwards with maxCount',
    );
    t.same(await revisions({ maxCount: 0 }), [], 'maxCount 0');
    t.same(idsOf(await fx.store.readStream(stream)), idsOf(events), 'the whole stream by default');
  });
};
