import {
  AccessDeniedError,
  DeadlineExceededError,
  MaxAppendSizeExceededError,
  START,
  UnavailableError,
  UnknownError,
  WrongExpectedVersionError,
  type ResolvedEvent,
} from '@kurrent/kurrentdb-client';
import t from 'tap';
import {
  InvalidAppend,
  StoreUnavailable,
  WrongExpectedRevision,
  deterministicUuid,
  validateAppend,
  type RecordedEvent,
} from '../../../core/eventstore/index.js';
import {
  actualRevision,
  filterMatchesNothing,
  isSystemEvent,
  isTransient,
  matchesFilter,
  positionToNumber,
  revisionToNumber,
  serverFilter,
  toEventData,
  toReadPosition,
  toRecordedEvent,
  toStoreError,
  toStreamState,
} from './mapping.js';

const TWO_POW_64_MINUS_1 = 2n ** 64n - 1n;

t.test('expected → streamState: never ANY', async (t) => {
  const cases: Array<[Parameters<typeof toStreamState>[0], unknown]> = [
    ['no_stream', 'no_stream'],
    ['exists', 'stream_exists'],
    [0, 0n],
    [41, 41n],
    [Number.MAX_SAFE_INTEGER, BigInt(Number.MAX_SAFE_INTEGER)],
  ];
  for (const [expected, state] of cases) t.equal(toStreamState(expected), state, String(expected));
});

t.test('positions and revisions ↔ numbers', async (t) => {
  t.equal(positionToNumber(0n), 0);
  t.equal(positionToNumber(1_234_567n), 1_234_567);
  t.equal(positionToNumber(BigInt(Number.MAX_SAFE_INTEGER)), Number.MAX_SAFE_INTEGER);
  t.throws(() => positionToNumber(BigInt(Number.MAX_SAFE_INTEGER) + 1n), RangeError, 'beyond 2^53');
  t.throws(() => positionToNumber(-1n), RangeError, 'negative');
  t.throws(() => positionToNumber(TWO_POW_64_MINUS_1), RangeError, 'a -1 sent as uint64');
  t.equal(revisionToNumber(7n), 7);
  t.throws(() => revisionToNumber(TWO_POW_64_MINUS_1), /stream revision/);

  t.equal(toReadPosition(0), START, '0 means the start of the log');
  t.same(toReadPosition(4096), { commit: 4096n, prepare: 4096n }, 'commit = prepare = the event');
  for (const bad of [-1, 1.5, Number.NaN, 2 ** 53]) t.throws(() => toReadPosition(bad), RangeError, String(bad));

  t.equal(actualRevision('no_stream'), 'no_stream');
  t.equal(actualRevision(5n), 5);
  t.equal(actualRevision(-5n), 'no_stream', 'a deleted stream reports a negative sentinel');
});

const occurredAt = '2025-01-02T03:04:05.000Z';

t.test('an event goes to the client as JSON whose bytes are the validated ones', async (t) => {
  const stream = 'account-42';
  const [event, number] = validateAppend(
    stream,
    [
      {
        id: deterministicUuid(stream, '0'),
        type: 'CreditsPurchased',
        data: { credits: 30, amountMinor: 29900, currency: 'RUB', nested: { a: [1, 'two', null] }, skipped: undefined },
        metadata: { occurredAt, correlationId: 'c-1', actor: 'provider:yookassa' },
      },
      { id: deterministicUuid(stream, '1'), type: 'Plain', data: 7, metadata: { occurredAt } },
    ],
    'no_stream',
  );
  const eventData = toEventData(event!);
  t.equal(eventData.id, event!.id);
  t.equal(eventData.type, 'CreditsPurchased');
  t.equal(eventData.contentType, 'application/json');
  t.equal(JSON.stringify(eventData.data), event!.data, 'data bytes as validated');
  t.equal(JSON.stringify(eventData.metadata), event!.metadata, 'metadata bytes as validated');
  t.same(eventData.metadata, { occurredAt, correlationId: 'c-1', actor: 'provider:yookassa' });
  t.equal(JSON.stringify(toEventData(number!).data), '7', 'any JSON value, not only objects');
});

const recorded = (stream: string, type: string): RecordedEvent => ({
  id: deterministicUuid(stream, type),
  type,
  data: {},
  metadata: { occurredAt },
  stream,
  revision: 0,
  position: 1,
  recordedAt: occurredAt,
});

t.test('filters', async (t) => {
  t.ok(isSystemEvent({ streamId: '$ce-account', type: '$>' }));
  t.ok(isSystemEvent({ streamId: '$$account-1', type: '$metadata' }));
  t.ok(isSystemEvent({ streamId: '$projections-x', type: 'Ordinary' }), 'a $ stream');
  t.ok(isSystemEvent({ streamId: 'account-1', type: '$statsCollected' }), 'a $ type');
  t.notOk(isSystemEvent({ streamId: 'account-1', type: 'CreditsPurchased' }));

  const event = recorded('account-7-x', 'CreditsReserved');
  t.ok(matchesFilter(event, {}));
  t.ok(matchesFilter(event, { categories: ['account'] }), 'category is before the first dash');
  t.notOk(matchesFilter(event, { categories: ['tryon'] }));
  t.ok(matchesFilter(event, { categories: ['account'], eventTypes: ['CreditsReserved'] }));
  t.notOk(matchesFilter(event, { categories: ['account'], eventTypes: ['CreditsReservedX'] }));

  t.same(serverFilter({ categories: ['account', 'tryon'] }), {
    filterOn: 'streamName',
    checkpointInterval: 1,
    checkpointReached: undefined,
    prefixes: ['account-', 'tryon-'],
  });
  t.same(
    serverFilter({ categories: ['account'], eventTypes: ['CreditsReserved'] }),
    serverFilter({ categories: ['account'] }),
    'with both, the server filters by category (types are checked client-side)',
  );
  const byType = serverFilter({ eventTypes: ['CreditsReserved', 'v1.Thing'] });
  t.equal(byType.filterOn, 'eventType');
  t.ok('regex' in byType);
  const regex = new RegExp('regex' in byType ? byType.regex : '');
  t.ok(regex.test('CreditsReserved'));
  t.ok(regex.test('v1.Thing'));
  t.notOk(regex.test('CreditsReservedX'), 'exact, not a prefix');
  t.notOk(regex.test('v1xThing'), 'a dot in a type is literal');
  t.notOk(regex.test('$>'));
  const none = serverFilter({});
  t.equal(none.filterOn, 'eventType');
  t.same('regex' in none && none.regex, '^[^$].*', 'no filter: system events excluded on the server');

  t.ok(filterMatchesNothing({ categories: [] }));
  t.ok(filterMatchesNothing({ eventTypes: [] }));
  t.notOk(filterMatchesNothing({}));
  t.notOk(filterMatchesNothing({ categories: ['account'] }));
});

const created = new Date('2025-03-04T05:06:07.089Z');
const resolvedEvent = (overrides: Record<string, unknown> = {}, outer: Partial<ResolvedEvent> = {}): ResolvedEvent =>
  ({
    event: {
      streamId: 'account-42',
      id: '5f3c2d1e-0a0b-4c0d-8e0f-101112131415',
      isJson: true,
      revision: 3n,
      type: 'CreditsReserved',
      created,
      data: { credits: 3, reservationId: 'r-1' },
      metadata: { occurredAt, causationId: 'cmd-1' },
      position: { commit: 9_000n, prepare: 9_000n },
      ...overrides,
    },
    ...outer,
  }) as ResolvedEvent;

t.test('a resolved event becomes the port’s RecordedEvent', async (t) => {
  t.same(toRecordedEvent(resolvedEvent()), {
    id: '5f3c2d1e-0a0b-4c0d-8e0f-101112131415',
    type: 'CreditsReserved',
    data: { credits: 3, reservationId: 'r-1' },
    metadata: { occurredAt, causationId: 'cmd-1' },
    stream: 'account-42',
    revision: 3,
    position: 9000,
    recordedAt: '2025-03-04T05:06:07.089Z',
  });
  t.equal(
    toRecordedEvent(resolvedEvent({ position: { commit: 9_000n, prepare: 8_800n } })).position,
    9000,
    'the commit position, whatever the prepare position (stream reads may report the batch start)',
  );
  t.equal(
    toRecordedEvent(resolvedEvent({ position: undefined }, { commitPosition: 512n })).position,
    512,
    'falls back to the resolved event’s commit position',
  );
  t.throws(() => toRecordedEvent({}), /without an event/);
  t.throws(() => toRecordedEvent(resolvedEvent({ position: undefined })), /without a position/);
  t.throws(
    () => toRecordedEvent(resolvedEvent({ position: { commit: TWO_POW_64_MINUS_1, prepare: TWO_POW_64_MINUS_1 } })),
    RangeError,
  );
  t.throws(() => toRecordedEvent(resolvedEvent({ isJson: false, data: new Uint8Array([1]) })), /not JSON/);
  t.throws(() => toRecordedEvent(resolvedEvent({ metadata: undefined })), /metadata object/);
  t.throws(() => toRecordedEvent(resolvedEvent({ metadata: new Uint8Array([0x7b]) })), /metadata object/);
  t.throws(() => toRecordedEvent(resolvedEvent({ metadata: ['occurredAt'] })), /metadata object/);
});

/** A gRPC ServiceError as @grpc/grpc-js makes it (code 14 = UNAVAILABLE), which the client sometimes lets through. */
const serviceError = (code: number, details: string): Error =>
  Object.assign(new Error(`${code} ${details}`), { code, details });

t.test('which client errors are transient', async (t) => {
  const cases: Array<[string, unknown, boolean]> = [
    ['unavailable', new UnavailableError(), true],
    ['deadline exceeded', new DeadlineExceededError(), true],
    ['unknown (transport failures on the native read path)', new UnknownError(), true],
    ['raw gRPC UNAVAILABLE', serviceError(14, 'No connection established'), true],
    ['cluster discovery gave up', new Error('Failed to discover after 10 attempts.'), true],
    ['access denied', new AccessDeniedError(), false],
    [
      'wrong expected version',
      new WrongExpectedVersionError(undefined, { streamName: 'a-1', expected: 1n, current: 2n }),
      false,
    ],
    ['a bug of ours', new TypeError('x is undefined'), false],
    ['an odd error with a numeric code and no details', Object.assign(new Error('odd'), { code: 99 }), false],
    ['not an Error', 'boom', false],
  ];
  for (const [name, error, transient] of cases) t.equal(isTransient(error), transient, name);
});

t.test('client errors in the port’s terms', async (t) => {
  const conflict = toStoreError(
    new WrongExpectedVersionError(undefined, { streamName: 'account-1', expected: 3n, current: 5n }),
    { stream: 'account-1', expected: 3 },
  );
  t.type(conflict, WrongExpectedRevision);
  t.match(conflict, { code: 'wrong_expected_revision', stream: 'account-1', expected: 3, actual: 5 });

  const noStream = toStoreError(
    new WrongExpectedVersionError(undefined, {
      streamName: 'account-2',
      expected: 'stream_exists',
      current: 'no_stream',
    }),
    { stream: 'account-2', expected: 'exists' },
  );
  t.match(noStream, { code: 'wrong_expected_revision', expected: 'exists', actual: 'no_stream' });

  const tooLarge = toStoreError(MaxAppendSizeExceededError.fromMaxAppendSize(1_048_576), { stream: 'account-3' });
  t.type(tooLarge, InvalidAppend);
  t.match(tooLarge, { code: 'event_too_large', message: /account-3.*MaxAppendSize/ });

  const unavailable = new UnavailableError();
  const down = toStoreError(unavailable, { stream: 'account-4', expected: 0 });
  t.type(down, StoreUnavailable);
  t.match(down, { code: 'store_unavailable' });
  t.equal((down as StoreUnavailable).cause, unavailable, 'the client error is kept as the cause');
  t.type(toStoreError(serviceError(14, 'No connection established')), StoreUnavailable, 'raw gRPC errors too');

  const denied = new AccessDeniedError();
  t.equal(toStoreError(denied), denied, 'not ours to reinterpret: returned as it is');
  t.equal(toStoreError('boom'), 'boom');
});
