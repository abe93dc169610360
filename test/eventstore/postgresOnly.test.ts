import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import pg from 'pg';
import t from 'tap';
import { LISTEN_APPLICATION_NAME, PostgresEventStore } from '../../adapters/eventstore/postgres/index.js';
import { createPool } from '../../adapters/postgres/index.js';
import { READ_MAX_COUNT, StoreUnavailable } from '../../core/eventstore/index.js';
import { testDatabase } from '../support/database.js';
import { waitFor } from '../support/waitFor.js';
import { Pull } from './conformance/fixture.js';

const POSITION_MUTEX_KEY = 7246100;

const event = () => ({
  id: randomUUID(),
  type: 'CreditsGranted',
  data: { credits: 1 },
  metadata: { occurredAt: new Date().toISOString() },
});

const appendSql = (client: pg.ClientBase | pg.Pool, stream: string) => {
  const e = event();
  return client.query('SELECT * FROM append_events($1, -1, $2::uuid[], $3::text[], $4::json[], $5::json[])', [
    stream,
    [e.id],
    [e.type],
    [JSON.stringify(e.data)],
    [JSON.stringify(e.metadata)],
  ]);
};

const closedPort = (): Promise<number> =>
  new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

const { url, pool } = await testDatabase(t);

const listenerPids = async (): Promise<number[]> =>
  (
    await pool.query<{ pid: number }>(
      'SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND datname = current_database()',
      [LISTEN_APPLICATION_NAME],
    )
  ).rows.map((r) => r.pid);

const eventually = <T>(probe: () => Promise<T | undefined>): Promise<T> =>
  waitFor(`the LISTEN connection: ${probe.toString().slice(0, 120)}`, probe) as Promise<T>;

t.test('a killed LISTEN connection is re-opened and delivery goes on without waiting for the poll', async (t) => {
  // The fallback poll is an hour: anything delivered here came through a notification.
  const store = new PostgresEventStore(pool, { pollIntervalMs: 3_600_000 });
  t.teardown(() => store.close());
  const pull = new Pull(store.subscribe({ categories: ['relisten'] }));
  const [before] = await eventually(async () => ((await listenerPids()).length === 1 ? listenerPids() : undefined));
  await store.appendToStream('relisten-1', [event()], { expected: 'no_stream' });
  t.equal((await pull.take(1, 3_000))[0]!.stream, 'relisten-1', 'delivered live');

  await pool.query('SELECT pg_terminate_backend($1)', [before]);
  // Appended while nobody listens: the wake-up after reconnecting must pick it up.
  await store.appendToStream('relisten-2', [event()], { expected: 'no_stream' });
  const after = await eventually(async () => (await listenerPids()).find((pid) => pid !== before));
  t.not(after, before, 'a new LISTEN connection');
  t.equal((await pull.take(1, 3_000))[0]!.stream, 'relisten-2', 'the event appended while down arrives');
  await store.appendToStream('relisten-3', [event()], { expected: 'no_stream' });
  t.equal((await pull.take(1, 3_000))[0]!.stream, 'relisten-3', 'and live delivery goes on');
});

t.test('a store that cannot be reached answers StoreUnavailable', async (t) => {
  const down = createPool(`postgres://postgres:nothing@127.0.0.1:${await closedPort()}/modera`, {
    connectionTimeoutMs: 1_000,
  });
  t.teardown(() => down.end());
  const store = new PostgresEventStore(down);
  t.teardown(() => store.close());
  await t.rejects(store.appendToStream('account-1', [event()], { expected: 'no_stream' }), StoreUnavailable, 'append');
  await t.rejects(store.readStream('account-1'), StoreUnavailable, 'readStream');
  await t.rejects(store.readAll(), StoreUnavailable, 'readAll');
  await t.rejects(store.headPosition(), { code: 'store_unavailable' }, 'headPosition');
});

t.test('event ids are unique across streams', async (t) => {
  const store = new PostgresEventStore(pool);
  t.teardown(() => store.close());
  const e = event();
  await store.appendToStream('account-dup1', [e], { expected: 'no_stream' });
  await t.rejects(store.appendToStream('account-dup2', [event(), e], { expected: 'no_stream' }), {
    name: 'InvalidAppend',
    code: 'invalid_event',
  });
  t.same(await store.readStream('account-dup2'), [], 'nothing written');
});

t.test('reads are bounded by READ_MAX_COUNT', async (t) => {
  const store = new PostgresEventStore(pool);
  t.teardown(() => store.close());
  const start = await store.headPosition();
  for (let revision = -1; revision < READ_MAX_COUNT; revision += 1_000) {
    const events = Array.from({ length: 1_000 }, event);
    await store.appendToStream('bounded-1', events, { expected: revision < 0 ? 'no_stream' : revision });
  }
  t.equal((await store.readStream('bounded-1', { maxCount: READ_MAX_COUNT * 2 })).length, READ_MAX_COUNT);
  t.equal((await store.readAll({ after: start, maxCount: READ_MAX_COUNT * 2 })).length, READ_MAX_COUNT);
});

t.test('append_events refuses a transaction that already wrote: its xid would predate the mutex', async (t) => {
  const client = await pool.connect();
  t.teardown(() => client.release());
  await client.query('BEGIN');
  await client.query("INSERT INTO streams (stream, revision) VALUES ('guard-1', 0)");
  await t.rejects(appendSql(client, 'guard-2'), { code: 'MD001' });
  await client.query('ROLLBACK');
});

t.test('an error inside the position mutex releases it', async (t) => {
  const { rows } = await pool.query<{ last: number }>('SELECT last_value AS last FROM event_position_seq');
  // The next nextval() fails inside the mutex.
  await pool.query(`ALTER SEQUENCE event_position_seq MAXVALUE ${Number(rows[0]!.last)}`);
  await t.rejects(appendSql(pool, 'mutex-1'), { code: '2200H' }, 'the sequence error comes through');
  const held = await pool.query('SELECT 1 FROM pg_locks WHERE locktype = $1 AND objid = $2', [
    'advisory',
    POSITION_MUTEX_KEY,
  ]);
  t.equal(held.rowCount, 0, 'no session holds the mutex');
  await pool.query('ALTER SEQUENCE event_position_seq NO MAXVALUE');
  const store = new PostgresEventStore(pool);
  t.teardown(() => store.close());
  t.ok((await store.appendToStream('mutex-2', [event()], { expected: 'no_stream' })).position > 0, 'appends go on');
});

t.test('rows from another cluster (a restore) stop appends instead of misordering reads', async (t) => {
  const store = new PostgresEventStore(pool);
  t.teardown(() => store.close());
  await store.appendToStream('restored-1', [event()], { expected: 'no_stream' });
  await pool.query("UPDATE events SET transaction_id = '999999999999' WHERE stream = 'restored-1'");
  await t.rejects(store.appendToStream('restored-2', [event()], { expected: 'no_stream' }), { code: 'MD002' });
  await pool.query("UPDATE events SET transaction_id = '1' WHERE stream = 'restored-1'");
  t.ok(
    (await store.appendToStream('restored-2', [event()], { expected: 'no_stream' })).position > 0,
    'after the documented fix',
  );
});

t.test('the LISTEN connection reuses a pool configured field by field, password included', async (t) => {
  const parsed = new URL(url);
  const fielded = new pg.Pool({
    host: parsed.hostname,
    port: Number(parsed.port),
    user: decodeURIComponent(parsed.username),
    password: decodeURIComponent(parsed.password),
    database: parsed.pathname.slice(1),
    max: 2,
  });
  fielded.on('error', () => undefined);
  const store = new PostgresEventStore(fielded, { pollIntervalMs: 3_600_000 });
  t.teardown(async () => {
    await store.close();
    await fielded.end();
  });
  const pull = new Pull(store.subscribe({ categories: ['fielded'] }));
  await eventually(async () => ((await listenerPids()).length === 1 ? true : undefined));
  await store.appendToStream('fielded-1', [event()], { expected: 'no_stream' });
  t.equal((await pull.take(1, 3_000))[0]!.stream, 'fielded-1', 'delivered through the notification');
});
