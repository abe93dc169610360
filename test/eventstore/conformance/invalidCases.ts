import type { Test } from 'tap';
import { EVENT_MAX_BYTES, InvalidAppend, type NewEvent } from '../../../core/eventstore/index.js';
import { Fixture, type StoreFactory } from './fixture.js';

type Case = { name: string; code: string; stream?: (fx: Fixture) => string; events: (fx: Fixture) => NewEvent[] };

const circular = (): unknown => {
  const value: Record<string, unknown> = { credits: 1 };
  value.self = value;
  return value;
};

const CASES: Case[] = [
  {
    name: 'a stream name without a category',
    code: 'invalid_stream_name',
    stream: () => 'nocategory',
    events: (fx) => [fx.event()],
  },
  {
    name: 'a stream name with spaces',
    code: 'invalid_stream_name',
    stream: (fx) => `${fx.category('account')}-a b`,
    events: (fx) => [fx.event()],
  },
  {
    name: 'an upper-case category',
    code: 'invalid_stream_name',
    stream: () => 'Account-1',
    events: (fx) => [fx.event()],
  },
  { name: 'no events', code: 'invalid_event', events: () => [] },
  {
    name: 'an event over 1 MiB',
    code: 'event_too_large',
    events: (fx) => [fx.event('Big', { blob: 'x'.repeat(EVENT_MAX_BYTES) })],
  },
  { name: 'BigInt data', code: 'event_not_serializable', events: (fx) => [fx.event('Bad', { credits: 1n })] },
  { name: 'circular data', code: 'event_not_serializable', events: (fx) => [fx.event('Bad', circular())] },
  { name: 'a NaN in data', code: 'event_not_serializable', events: (fx) => [fx.event('Bad', { credits: Number.NaN })] },
  {
    name: 'missing occurredAt',
    code: 'invalid_event',
    events: (fx) => [{ ...fx.event(), metadata: { actor: 'x' } as never }],
  },
  {
    name: 'occurredAt not a time',
    code: 'invalid_event',
    events: (fx) => [{ ...fx.event(), metadata: { occurredAt: 'soon' } }],
  },
  {
    name: 'an id that is not a UUID',
    code: 'invalid_event',
    events: (fx) => [fx.event('CreditsGranted', {}, 'not-a-uuid')],
  },
  {
    name: 'an upper-case UUID',
    code: 'invalid_event',
    events: (fx) => [fx.event('CreditsGranted', {}, 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11')],
  },
  { name: 'an invalid type', code: 'invalid_event', events: (fx) => [fx.event('has space')] },
  {
    name: 'the same id twice in one append',
    code: 'invalid_event',
    events: (fx) => {
      const event = fx.event();
      return [event, { ...event, data: { credits: 2 } }];
    },
  },
];

export const invalidCases = (t: Test, factory: StoreFactory): void => {
  t.test('bad input is a typed error and writes nothing', async (t) => {
    const fx = new Fixture(await factory(t));
    const start = await fx.store.headPosition();
    for (const c of CASES) {
      const stream = c.stream?.(fx) ?? fx.stream();
      await t.rejects(fx.store.appendToStream(stream, c.events(fx), { expected: 'no_stream' }), InvalidAppend, c.name);
      await t.rejects(
        fx.store.appendToStream(stream, c.events(fx), { expected: 'no_stream' }),
        { code: c.code },
        `${c.name}: ${c.code}`,
      );
      if (!c.stream) t.same(await fx.store.readStream(stream), [], `${c.name}: nothing written`);
    }
    t.same(await fx.readOwn(start, ['account', 'Account', 'nocategory']), [], 'nothing reached the global log');
    await t.rejects(
      fx.store.appendToStream(fx.stream(), [fx.event()], { expected: -1 }),
      { code: 'invalid_event' },
      'a negative revision',
    );
    await t.rejects(
      fx.store.appendToStream(fx.stream(), [fx.event()], { expected: 1.5 }),
      { code: 'invalid_event' },
      'a fractional revision',
    );
  });
};
