import type { Test } from 'tap';
import { Fixture, Pull, idsOf, isIncreasing, positionsOf, type StoreFactory } from './fixture.js';

export const subscriptionCases = (t: Test, factory: StoreFactory): void => {
  t.test('subscribe: catches up from the checkpoint, then delivers live appends in order', async (t) => {
    const fx = new Fixture(await factory(t));
    const start = await fx.store.headPosition();
    const stream = fx.stream();
    const early = fx.events(3);
    await fx.store.appendToStream(stream, early, { expected: 'no_stream' });
    const other = fx.stream('tryon');
    const subscription = fx.store.subscribe({
      after: start,
      categories: [fx.category('account'), fx.category('tryon')],
      batchSize: 2,
    });
    t.teardown(() => subscription.close());
    const pull = new Pull(subscription);
    const caughtUp = await pull.take(3);
    t.same(idsOf(caughtUp), idsOf(early), 'catch-up across batches smaller than the backlog');
    const late = [fx.event(), fx.event(), fx.event()];
    await fx.store.appendToStream(stream, [late[0]!], { expected: 2 });
    await fx.store.appendToStream(other, [late[1]!, late[2]!], { expected: 'no_stream' });
    const live = await pull.take(3);
    t.same(idsOf(live), idsOf(late), 'live events, in append order');
    t.ok(isIncreasing(positionsOf([...caughtUp, ...live])), 'positions strictly increase across catch-up and live');
    // Delivery is in log order: a marker appended now comes next unless something else came first.
    const marker = fx.event();
    await fx.store.appendToStream(other, [marker], { expected: 1 });
    t.same(idsOf(await pull.take(1)), [marker.id], 'nothing else arrives');

    const resumed = fx.store.subscribe({
      after: caughtUp[1]!.position,
      categories: [fx.category('account'), fx.category('tryon')],
    });
    t.teardown(() => resumed.close());
    t.same(idsOf(await new Pull(resumed).take(4)), idsOf([early[2]!, ...late]), 'a checkpoint is exclusive');
  });

  t.test('subscribe with filters: only matching events, past long runs of others', async (t) => {
    const fx = new Fixture(await factory(t));
    const start = await fx.store.headPosition();
    const subscription = fx.store.subscribe({
      after: start,
      categories: [fx.category('account')],
      eventTypes: ['CreditsReserved'],
      batchSize: 3,
    });
    t.teardown(() => subscription.close());
    const pull = new Pull(subscription);
    const wanted = fx.event('CreditsReserved');
    await fx.store.appendToStream(fx.stream('account'), [...fx.events(7, 'CreditsGranted'), wanted], {
      expected: 'no_stream',
    });
    await fx.store.appendToStream(fx.stream('tryon'), [fx.event('CreditsReserved')], { expected: 'no_stream' });
    const later = fx.event('CreditsReserved');
    await fx.store.appendToStream(fx.stream('account'), [fx.event('CreditsGranted'), later], { expected: 'no_stream' });
    const got = await pull.take(2);
    t.same(idsOf(got), [wanted.id, later.id], 'the matching events only');
    await fx.store.appendToStream(fx.stream('tryon'), [fx.event('CreditsReserved')], { expected: 'no_stream' });
    const marker = fx.event('CreditsReserved');
    await fx.store.appendToStream(fx.stream('account'), [fx.event('CreditsGranted'), marker], {
      expected: 'no_stream',
    });
    t.same(
      idsOf(await pull.take(1)),
      [marker.id],
      'the other category and types never arrive: the next match comes next',
    );
  });

  t.test('close: ends a waiting iteration, and the store closes its subscriptions', async (t) => {
    const fx = new Fixture(await factory(t));
    const start = await fx.store.headPosition();
    const subscription = fx.store.subscribe({ after: start, categories: [fx.category('account')] });
    const pull = new Pull(subscription);
    await fx.store.appendToStream(fx.stream(), [fx.event()], { expected: 'no_stream' });
    t.equal((await pull.take(1)).length, 1);
    const waiting = pull.poll(5_000);
    await subscription.close();
    t.match(await waiting, { done: true }, 'the pending read ends when closed');
    await subscription.close();
    t.pass('closing twice is harmless');
    const forLoop = fx.store.subscribe({ after: start, categories: [fx.category('account')] });
    const seen: string[] = [];
    for await (const event of forLoop) {
      seen.push(event.id);
      await forLoop.close();
    }
    t.equal(seen.length, 1, 'closing from inside for-await ends the loop');
    const other = fx.store.subscribe({ after: start, categories: [fx.category('account')] });
    const otherPull = new Pull(other);
    t.equal((await otherPull.take(1)).length, 1);
    const pending = otherPull.poll(5_000);
    await fx.store.close();
    t.match(await pending, { done: true }, 'store.close() ends open subscriptions');
  });
};
