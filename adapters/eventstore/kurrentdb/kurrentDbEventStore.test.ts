import { AccessDeniedError, UnavailableError } from '@kurrent/kurrentdb-client';
import t from 'tap';
import {
  InvalidAppend,
  READ_MAX_COUNT,
  StoreUnavailable,
  WrongExpectedRevision,
  deterministicUuid,
  type NewEvent,
} from '../../../core/eventstore/index.js';
import { FakeKurrentClient } from '../../../test/fakes/kurrentDbClient.js';
import { KurrentDbEventStore } from './kurrentDbEventStore.js';

/*
 * The adapter's own logic (streamState, error mapping, paging, exclusive positions, system-event
 * exclusion) against a stand-in client. What the real server does is checked by the conformance
 * suite in test/eventstore/kurrentdb.test.ts when KURRENTDB_TEST_URL is set.
 */

const occurredAt = '2025-05-06T07:08:09.000Z';
const event = (stream: string, slot: string, type = 'CreditsGranted', data: unknown = { credits: 1 }): NewEvent => ({
  id: deterministicUuid(stream, slot, type),
  type,
  data,
  metadata: { occurredAt, actor: 'system:test' },
});

const setup = () => {
  const fake = new FakeKurrentClient();
  return { fake, store: new KurrentDbEventStore(fake.asClient) };
};

t.test('every append passes an explicit streamState', async (t) => {
  const { fake, store } = setup();
  t.equal(store.backend, 'kurrentdb');
  await store.appendToStream('account-1', [event('account-1', 'a')], { expected: 'no_stream' });
  await store.appendToStream('account-1', [event('account-1', 'b')], { expected: 'exists' });
  await store.appendToStream('account-1', [event('account-1', 'c')], { expected: 1 });
  t.same(
    fake.appendCalls.map((call) => call.streamState),
    ['no_stream', 'stream_exists', 1n],
  );
});

t.test('an append returns the last event’s revision and $all position', async (t) => {
  const { store } = setup();
  const first = await store.appendToStream('account-2', [event('account-2', 'a')], { expected: 'no_stream' });
  const second = await store.appendToStream(
    'account-2',
    [event('account-2', 'b'), event('account-2', 'c'), event('account-2', 'd')],
    { expected: 0 },
  );
  t.match(first, { stream: 'account-2', revision: 0 });
  t.match(second, { stream: 'account-2', revision: 3 });
  const all = await store.readAll();
  t.equal(second.position, all[all.length - 1]!.position, 'the position readers will see for the last event');
  t.ok(first.position < second.position);
  t.same(
    (await store.readStream('account-2')).map((e) => e.position),
    all.map((e) => e.position),
    'stream reads report the same positions as $all',
  );
});

t.test('a conflict is WrongExpectedRevision; a retry of the same append is acknowledged', async (t) => {
  const { fake, store } = setup();
  const events = [event('account-3', 'a'), event('account-3', 'b')];
  const original = await store.appendToStream('account-3', events, { expected: 'no_stream' });

  t.same(await store.appendToStream('account-3', events, { expected: 'no_stream' }), original, 'same ids, same slot');
  fake.omitIdempotentPosition = true;
  t.same(
    await store.appendToStream('account-3', events, { expected: 'no_stream' }),
    original,
    'an older server reports no position for a retry: the event is read back',
  );

  const error = await store
    .appendToStream('account-3', [event('account-3', 'other')], { expected: 0 })
    .catch((e: unknown) => e);
  t.type(error, WrongExpectedRevision);
  t.match(error, { code: 'wrong_expected_revision', stream: 'account-3', expected: 0, actual: 1 });
  await t.rejects(store.appendToStream('account-9', [event('account-9', 'a')], { expected: 'exists' }), {
    code: 'wrong_expected_revision',
    expected: 'exists',
    actual: 'no_stream',
  });

  fake.throwOnAppendFailure = false;
  await t.rejects(
    store.appendToStream('account-3', [event('account-3', 'late')], { expected: 0 }),
    { code: 'wrong_expected_revision', actual: 1 },
    'with throwOnAppendFailure=false the current revision is read, not trusted from the client',
  );
});

t.test('input is validated before the server is asked; server failures keep their domain', async (t) => {
  const { fake, store } = setup();
  await t.rejects(store.appendToStream('Account 1', [event('x-1', 'a')], { expected: 'no_stream' }), InvalidAppend);
  await t.rejects(store.appendToStream('account-1', [], { expected: 'no_stream' }), InvalidAppend);
  t.equal(fake.appendCalls.length, 0, 'nothing reached the client');

  fake.failNextAppend = new UnavailableError();
  await t.rejects(
    store.appendToStream('account-1', [event('account-1', 'a')], { expected: 'no_stream' }),
    StoreUnavailable,
  );
  const denied = new AccessDeniedError();
  fake.failNextAppend = denied;
  await t.rejects(store.appendToStream('account-1', [event('account-1', 'a')], { expected: 'no_stream' }), denied);
});

t.test('readStream: directions, bounds, a missing stream', async (t) => {
  const { fake, store } = setup();
  const stream = 'tryon-s1';
  await store.appendToStream(
    stream,
    [0, 1, 2, 3, 4].map((i) => event(stream, String(i), 'Step', { i })),
    {
      expected: 'no_stream',
    },
  );
  const revisions = async (options: Parameters<typeof store.readStream>[1]) =>
    (await store.readStream(stream, options)).map((e) => e.revision);

  t.same(await revisions({}), [0, 1, 2, 3, 4]);
  t.same(await revisions({ fromRevision: 2, maxCount: 2 }), [2, 3]);
  t.same(await revisions({ direction: 'backwards' }), [4, 3, 2, 1, 0]);
  t.same(await revisions({ direction: 'backwards', fromRevision: 2, maxCount: 2 }), [2, 1]);
  t.same(await revisions({ fromRevision: 9 }), []);
  t.same(await revisions({ maxCount: 0 }), []);
  t.same(await revisions({ direction: 'backwards', fromRevision: -1 }), []);
  await store.readStream(stream, { maxCount: READ_MAX_COUNT * 10 });
  t.equal(fake.readStreamCalls.at(-1)!.maxCount, READ_MAX_COUNT, 'maxCount is bounded');

  t.same(await store.readStream('tryon-none'), [], 'a stream that does not exist is empty');
  const [first] = await store.readStream(stream);
  t.match(first, { stream, type: 'Step', data: { i: 0 }, metadata: { occurredAt, actor: 'system:test' } });
  t.match(first!.recordedAt, /^\d{4}-\d\d-\d\dT/);
});

t.test('readAll: exclusive `after`, filters, no system events, paging', async (t) => {
  const { fake, store } = setup();
  fake.appendSystem('$settings', '$settings');
  await store.appendToStream('account-1', [event('account-1', 'a', 'CreditsPurchased')], { expected: 'no_stream' });
  fake.appendSystem('$ce-account', '$>');
  await store.appendToStream('tryon-1', [event('tryon-1', 'a', 'TryOnStarted')], { expected: 'no_stream' });
  fake.appendSystem('$$account-1', '$metadata');
  await store.appendToStream(
    'account-1',
    [event('account-1', 'b', 'CreditsReserved'), event('account-1', 'c', 'ReservationCaptured')],
    { expected: 0 },
  );
  fake.appendSystem('$projections-x', 'Ordinary');
  await store.appendToStream('account-2', [event('account-2', 'a', 'CreditsReserved')], { expected: 'no_stream' });

  const all = await store.readAll();
  t.same(
    all.map((e) => `${e.stream}:${e.type}`),
    [
      'account-1:CreditsPurchased',
      'tryon-1:TryOnStarted',
      'account-1:CreditsReserved',
      'account-1:ReservationCaptured',
      'account-2:CreditsReserved',
    ],
    'every event of ours in log order, no system events',
  );
  const positions = all.map((e) => e.position);
  t.same(
    [...positions].sort((a, b) => a - b),
    positions,
    'ascending',
  );

  t.same(
    (await store.readAll({ after: positions[1]! })).map((e) => e.position),
    positions.slice(2),
    '`after` is exclusive although the server reads forwards from it inclusively',
  );
  t.same(await store.readAll({ after: positions[4]! }), [], 'nothing after the last');
  t.same(
    (await store.readAll({ categories: ['account'] })).map((e) => e.position),
    [positions[0], positions[2], positions[3], positions[4]],
  );
  t.same(
    (await store.readAll({ eventTypes: ['CreditsReserved'] })).map((e) => e.stream),
    ['account-1', 'account-2'],
  );
  t.same(await store.readAll({ categories: [] }), [], 'an empty list matches nothing');

  fake.readAllCalls.length = 0;
  const paged = await store.readAll({
    categories: ['account'],
    eventTypes: ['CreditsReserved'],
    maxCount: 1,
    after: 0,
  });
  t.same(
    paged.map((e) => e.stream),
    ['account-1'],
  );
  const twoTypes = await store.readAll({ categories: ['account'], eventTypes: ['CreditsReserved'], maxCount: 2 });
  t.same(
    twoTypes.map((e) => e.stream),
    ['account-1', 'account-2'],
    'keeps paging past events of other types',
  );
  t.ok(fake.readAllCalls.length > 2, 'more than one page was needed');
  t.ok(
    fake.readAllCalls.every((call) => call.maxCount <= 3),
    'each page is at most maxCount + 1 events',
  );
  t.same(
    (await store.readAll({ maxCount: 2 })).map((e) => e.position),
    positions.slice(0, 2),
  );
  t.same(await store.readAll({ maxCount: 0 }), []);
});

t.test('headPosition: the last event of ours', async (t) => {
  const { fake, store } = setup();
  t.equal(await store.headPosition(), 0, 'an empty log');
  fake.appendSystem('$settings', '$settings');
  t.equal(await store.headPosition(), 0, 'only system events');
  const { position } = await store.appendToStream('account-1', [event('account-1', 'a')], { expected: 'no_stream' });
  for (let i = 0; i < 40; i++) fake.appendSystem('$projections-x', i % 2 ? '$ProjectionUpdated' : 'Ordinary');
  t.equal(await store.headPosition(), position, 'behind a page and more of system records');
});

t.test('close() ends open subscriptions and disposes the client', async (t) => {
  const { fake, store } = setup();
  const subscription = store.subscribe();
  const iterator = subscription[Symbol.asyncIterator]();
  const pending = iterator.next();
  await store.close();
  t.same(await pending, { done: true, value: undefined });
  t.ok(fake.disposed);
  t.ok(fake.subscriptions.every((s) => s.unsubscribed));
});
