import { AccessDeniedError, UnavailableError } from '@kurrent/kurrentdb-client';
import t from 'tap';
import {
  StoreUnavailable,
  deterministicUuid,
  type NewEvent,
  type RecordedEvent,
  type Subscription,
} from '../../../core/eventstore/index.js';
import { FakeKurrentClient } from '../../../test/fakes/kurrentDbClient.js';
import { waitFor } from '../../../test/support/waitFor.js';
import { KurrentDbEventStore } from './kurrentDbEventStore.js';
import { backoffDelayMs, RESUBSCRIBE_DEFAULTS } from './subscription.js';

const occurredAt = '2025-05-06T07:08:09.000Z';
const event = (stream: string, slot: string, type = 'CreditsGranted'): NewEvent => ({
  id: deterministicUuid(stream, slot, type),
  type,
  data: { slot },
  metadata: { occurredAt },
});

const fast = { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 2, healthyAfterMs: 60_000 };

const setup = () => {
  const fake = new FakeKurrentClient();
  return { fake, store: new KurrentDbEventStore(fake.asClient, { resubscribe: fast }) };
};

/** Take `count` events from a subscription, failing the test instead of hanging. */
const take = async (subscription: Subscription, count: number): Promise<RecordedEvent[]> => {
  const iterator = subscription[Symbol.asyncIterator]();
  const taken: RecordedEvent[] = [];
  while (taken.length < count) {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('no event within 2 s')), 2_000);
    });
    const next = await Promise.race([iterator.next(), timeout]).finally(() => clearTimeout(timer));
    if (next.done) break;
    taken.push(next.value);
  }
  return taken;
};

t.test('backoff doubles up to its ceiling', async (t) => {
  const policy = { maxAttempts: 9, baseDelayMs: 100, maxDelayMs: 1_000, healthyAfterMs: 0 };
  t.same(
    [1, 2, 3, 4, 5, 6].map((attempt) => backoffDelayMs(attempt, policy)),
    [100, 200, 400, 800, 1_000, 1_000],
  );
  t.ok(RESUBSCRIBE_DEFAULTS.maxAttempts > 0 && RESUBSCRIBE_DEFAULTS.maxDelayMs >= RESUBSCRIBE_DEFAULTS.baseDelayMs);
});

t.test('catches up from an exclusive checkpoint, then follows live appends, filtered', async (t) => {
  const { fake, store } = setup();
  t.teardown(() => store.close());
  const a = await store.appendToStream('account-1', [event('account-1', 'a')], { expected: 'no_stream' });
  await store.appendToStream('tryon-1', [event('tryon-1', 'a', 'TryOnStarted')], { expected: 'no_stream' });
  fake.appendSystem('$$account-1', '$metadata');
  await store.appendToStream('account-1', [event('account-1', 'b', 'CreditsReserved')], { expected: 0 });

  fake.subscribeInclusive = true; // even if the server handed back the checkpoint's own event
  const subscription = store.subscribe({ after: a.position, categories: ['account'] });
  const [caughtUp] = await take(subscription, 1);
  t.match(caughtUp, { stream: 'account-1', type: 'CreditsReserved', revision: 1 });
  t.same(fake.subscriptions[0]!.fromPosition, { commit: BigInt(a.position), prepare: BigInt(a.position) });
  t.same(
    fake.subscriptions[0]!.serverFilter &&
      'prefixes' in fake.subscriptions[0]!.serverFilter &&
      fake.subscriptions[0]!.serverFilter.prefixes,
    ['account-'],
  );

  await store.appendToStream('tryon-1', [event('tryon-1', 'b', 'TryOnFinished')], { expected: 0 });
  const live = await store.appendToStream('account-2', [event('account-2', 'a')], { expected: 'no_stream' });
  const [next] = await take(subscription, 1);
  t.match(next, { stream: 'account-2', position: live.position }, 'live, and other categories skipped');
  await subscription.close();
});

t.test('types are filtered exactly, system events never delivered', async (t) => {
  const { fake, store } = setup();
  t.teardown(() => store.close());
  fake.appendSystem('$ce-account', '$>');
  await store.appendToStream('account-1', [event('account-1', 'a', 'CreditsReservedLater')], { expected: 'no_stream' });
  await store.appendToStream('account-1', [event('account-1', 'b', 'CreditsReserved')], { expected: 0 });
  const [only] = await take(store.subscribe({ eventTypes: ['CreditsReserved'] }), 1);
  t.match(only, { type: 'CreditsReserved', revision: 1 });
  const [first] = await take(store.subscribe(), 1);
  t.match(first, { stream: 'account-1', revision: 0 }, 'no filter: the $> link is not ours');
});

t.test('a dropped subscription resumes after the last delivered event', async (t) => {
  const { fake, store } = setup();
  t.teardown(() => store.close());
  await store.appendToStream(
    'account-1',
    ['a', 'b', 'c'].map((s) => event('account-1', s)),
    { expected: 'no_stream' },
  );
  const subscription = store.subscribe();
  const firstTwo = await take(subscription, 2);
  t.same(
    firstTwo.map((e) => e.revision),
    [0, 1],
  );

  fake.drop(new UnavailableError());
  const [third, fourth] = await (async () => {
    const third = await take(subscription, 1);
    await store.appendToStream('account-1', [event('account-1', 'd')], { expected: 2 });
    return [...third, ...(await take(subscription, 1))];
  })();
  t.same([third!.revision, fourth!.revision], [2, 3], 'no event lost, none repeated');
  t.ok(fake.subscriptions.length >= 2, 'it subscribed again');
  const resumedFrom = fake.subscriptions[fake.subscriptions.length - 1]!.fromPosition;
  t.ok(typeof resumedFrom === 'object' && resumedFrom.commit >= BigInt(firstTwo[1]!.position));
  await subscription.close();
});

t.test('a subscription that keeps failing gives up with StoreUnavailable', async (t) => {
  const { fake, store } = setup();
  t.teardown(() => store.close());
  fake.subscribeFailure = new UnavailableError();
  const iterator = store.subscribe()[Symbol.asyncIterator]();
  await t.rejects(iterator.next(), StoreUnavailable);
  t.equal(fake.subscriptions.length, fast.maxAttempts + 1, 'the first try and maxAttempts more');
});

t.test('a drop after a healthy spell starts the count afresh', async (t) => {
  const fake = new FakeKurrentClient();
  const store = new KurrentDbEventStore(fake.asClient, { resubscribe: { ...fast, healthyAfterMs: 0 } });
  t.teardown(() => store.close());
  await store.appendToStream('account-1', [event('account-1', 'a')], { expected: 'no_stream' });
  fake.subscribeFailure = new UnavailableError();
  const pending = take(store.subscribe(), 1);
  await waitFor('more drops than maxAttempts', () => fake.subscriptions.length >= fast.maxAttempts + 3, { pollMs: 1 });
  fake.subscribeFailure = undefined;
  t.equal((await pending).length, 1, 'more drops than maxAttempts in all, and it still delivers');
});

t.test('an error that is not transient ends the iteration at once', async (t) => {
  const { fake, store } = setup();
  t.teardown(() => store.close());
  const denied = new AccessDeniedError();
  fake.subscribeFailure = denied;
  await t.rejects(store.subscribe()[Symbol.asyncIterator]().next(), denied);
  t.equal(fake.subscriptions.length, 1);
});

t.test('close() ends a waiting iteration; an empty filter waits without subscribing', async (t) => {
  const { fake, store } = setup();
  t.teardown(() => store.close());
  const waiting = store.subscribe({ categories: ['account'] });
  const pending = waiting[Symbol.asyncIterator]().next();
  await waitFor('the subscription to reach the client', () => fake.subscriptions.length === 1);
  await waiting.close();
  t.same(await pending, { done: true, value: undefined });
  t.ok(fake.subscriptions[0]!.unsubscribed);
  await waiting.close();
  t.pass('closing twice is harmless');

  const nothing = store.subscribe({ eventTypes: [] });
  const never = nothing[Symbol.asyncIterator]().next();
  await nothing.close();
  t.same(await never, { done: true, value: undefined });
  t.equal(fake.subscriptions.length, 1, 'no server subscription for a filter that matches nothing');
});
