import { randomUUID } from 'node:crypto';
import { createServer, connect, type Server, type Socket } from 'node:net';
import t from 'tap';
import { PostgresEventStore } from '../../adapters/eventstore/postgres/index.js';
import { createPool } from '../../adapters/postgres/index.js';
import { countedQueries, SUBSCRIPTION_READ } from '../support/countedQueries.js';
import { testDatabase } from '../support/database.js';
import { waitFor } from '../support/waitFor.js';
import { Pull } from './conformance/fixture.js';

/**
 * A TCP relay in front of the real server: `cut()` drops every connection and refuses new ones,
 * as a database restart or a network blip does; `restore()` lets them through again.
 */
class Relay {
  private readonly sockets = new Set<Socket>();
  private server: Server | undefined;
  port = 0;

  constructor(private readonly target: { host: string; port: number }) {}

  async restore(): Promise<void> {
    this.server = createServer((client) => {
      const upstream = connect(this.target.port, this.target.host);
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
        socket.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
    this.port = (this.server.address() as { port: number }).port;
  }

  async cut(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise((resolve) => this.server?.close(resolve));
  }
}

const event = () => ({
  id: randomUUID(),
  type: 'CreditsGranted',
  data: { credits: 1 },
  metadata: { occurredAt: new Date().toISOString() },
});

t.test('a subscription rides out a lost database connection and delivers what was appended meanwhile', async (t) => {
  const { url, pool } = await testDatabase(t);
  const direct = new URL(url);
  const relay = new Relay({ host: direct.hostname, port: Number(direct.port) });
  await relay.restore();
  const relayed = new URL(url);
  relayed.port = String(relay.port);
  const relayedPool = createPool(relayed.toString(), { max: 2, connectionTimeoutMs: 500 });
  const reads = countedQueries(relayedPool, SUBSCRIPTION_READ);
  const store = new PostgresEventStore(reads.pool, { pollIntervalMs: 200 });
  t.teardown(async () => {
    await store.close();
    await relayedPool.end();
    await relay.cut();
  });
  const writer = new PostgresEventStore(pool);
  t.teardown(() => writer.close());

  const pull = new Pull(store.subscribe({ categories: ['outage'] }));
  await writer.appendToStream('outage-1', [event()], { expected: 'no_stream' });
  t.equal((await pull.take(1))[0]!.stream, 'outage-1', 'delivered before the outage');

  await relay.cut();
  await writer.appendToStream('outage-2', [event()], { expected: 'no_stream' });
  // Two reads begun (and failed: they back off from 100 ms) after the cut.
  const from = reads.count();
  const retried = waitFor('the subscription to try to read twice more', () => reads.count() >= from + 2);
  t.equal(await pull.pollUntil(retried), undefined, 'nothing can arrive while the database is out of reach');
  await t.rejects(store.headPosition(), { code: 'store_unavailable' }, 'the store says so meanwhile');
  await relay.restore();
  await writer.appendToStream('outage-3', [event()], { expected: 'no_stream' });
  const after = await pull.take(2);
  t.same(
    after.map((e) => e.stream),
    ['outage-2', 'outage-3'],
    'the subscription resumes where it was, none lost',
  );
});
