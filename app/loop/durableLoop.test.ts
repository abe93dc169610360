import type pg from 'pg';
import tap from 'tap';
import { fencedTransaction, PostgresLeaseStore } from '../../adapters/postgres/index.js';
import { testDatabase } from '../../test/support/database.js';
import { waitFor } from '../../test/support/waitFor.js';
import {
  DurableLoop,
  LeaseLost,
  type Lease,
  type LeaseStore,
  type LoopMetrics,
  type LoopOptions,
  type StepContext,
} from './index.js';

/** A gate a test opens when it is ready for the step to go on. */
const gate = () => {
  let open: () => void = () => undefined;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
};

const writes = async (pool: pg.Pool): Promise<string[]> => {
  const { rows } = await pool.query<{ holder: string }>('SELECT holder FROM loop_test_writes ORDER BY id');
  return rows.map((r) => r.holder);
};

const leaseRow = async (pool: pg.Pool, name: string) =>
  (
    await pool.query<{ holder: string; generation: number; expired: boolean }>(
      'SELECT holder, generation, expires_at <= now() AS expired FROM loop_leases WHERE name = $1',
      [name],
    )
  ).rows[0];

/** A loop whose step, when it is its turn, writes its holder's name in a transaction fenced by its lease. */
const writer = (pool: pg.Pool, holder: string, overrides: Partial<LoopOptions<never>> = {}) => {
  const steps: StepContext<never>[] = [];
  const outcomes: string[] = [];
  const metrics: LoopMetrics = { stepEnded: (_loop, outcome) => outcomes.push(outcome), leaseHeld: () => undefined };
  const loop = new DurableLoop<never>({
    name: 'test-loop',
    idleMs: 20,
    metrics,
    lease: { store: new PostgresLeaseStore(pool), ttlMs: 60_000, standbyRetryMs: 20, holder },
    step: async (ctx) => {
      steps.push(ctx);
      await fencedTransaction(pool, ctx.lease, (client) =>
        client.query('INSERT INTO loop_test_writes (holder) VALUES ($1)', [holder]),
      );
    },
    ...overrides,
  });
  return { loop, steps, outcomes };
};

const setup = async (t: Parameters<typeof testDatabase>[0]) => {
  const { pool } = await testDatabase(t);
  await pool.query('CREATE TABLE loop_test_writes (id serial PRIMARY KEY, holder text NOT NULL)');
  return pool;
};

tap.test('one holder across instances: the other stands by', async (t) => {
  const pool = await setup(t);
  const a = writer(pool, 'a');
  const b = writer(pool, 'b');
  a.loop.start();
  await waitFor('a to run', () => a.loop.health().state === 'running');
  b.loop.start();
  t.teardown(() => Promise.all([a.loop.stop(), b.loop.stop()]));
  await waitFor('a to have written twice', async () => (await writes(pool)).length >= 2);
  await waitFor('b to have tried the lease', () => b.loop.health().state === 'standby');
  t.notOk((await writes(pool)).includes('b'), 'b never ran a step');
  t.match(a.loop.health(), { state: 'running', holder: 'a', generation: 1 });
});

tap.test("a lease lost mid-step: the step's commit is fenced out and the loop stands by", async (t) => {
  const pool = await setup(t);
  const inStep = gate();
  const release = gate();
  const metricsOutcomes: string[] = [];
  const a = writer(pool, 'a', {
    metrics: { stepEnded: (_l, outcome) => metricsOutcomes.push(outcome), leaseHeld: () => undefined },
    step: async (ctx) => {
      inStep.open();
      await release.opened;
      await fencedTransaction(pool, ctx.lease, (client) =>
        client.query("INSERT INTO loop_test_writes (holder) VALUES ('a')"),
      );
    },
  });
  a.loop.start();
  t.teardown(() => a.loop.stop());
  await inStep.opened;
  // Another instance takes the lease over (as after an expiry a paused holder did not see).
  const store = new PostgresLeaseStore(pool);
  await pool.query("UPDATE loop_leases SET expires_at = now() WHERE name = 'test-loop'");
  const taken = await store.acquire('test-loop', 'b', 60_000);
  t.match(taken, { holder: 'b', generation: 2 });
  release.open();
  await waitFor('a to see it was fenced', () => metricsOutcomes.includes('fenced'));
  t.same(await writes(pool), [], 'nothing of the lost lease committed');
  await waitFor('a to stand by', () => a.loop.health().state === 'standby');
  t.match(await leaseRow(pool, 'test-loop'), { holder: 'b', generation: 2 });
});

tap.test('the fence holds a takeover back until an open step transaction ends', async (t) => {
  const pool = await setup(t);
  const store = new PostgresLeaseStore(pool);
  const lease = (await store.acquire('fenced', 'a', 60_000))!;
  await pool.query("UPDATE loop_leases SET expires_at = now() WHERE name = 'fenced'");
  const inside = gate();
  const finish = gate();
  const step = fencedTransaction(pool, lease, async (client) => {
    await client.query("INSERT INTO loop_test_writes (holder) VALUES ('a')");
    inside.open();
    await finish.opened;
  });
  await inside.opened;
  let tookOver: Lease | undefined;
  const takeover = store.acquire('fenced', 'b', 60_000).then((l) => (tookOver = l));
  await waitFor(
    'the takeover to wait on the fenced row',
    async () =>
      (
        await pool.query(
          "SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'INSERT INTO loop_leases%'",
        )
      ).rowCount === 1,
  );
  t.equal(tookOver, undefined, 'not taken over while the step is open');
  finish.open();
  await step;
  await takeover;
  t.match(tookOver, { holder: 'b', generation: 2 });
  t.same(await writes(pool), ['a'], 'the step that held the lease when it committed is kept');
  await t.rejects(
    fencedTransaction(pool, lease, async () => undefined),
    LeaseLost,
    'the old generation is fenced from now on',
  );
});

/** A lease store of a process that hangs: its renewals never come back. */
const hanging = (store: LeaseStore): LeaseStore & { hang(): void } => {
  let hung = false;
  return {
    acquire: (...args) => store.acquire(...args),
    renew: (lease, ttlMs) => (hung ? new Promise<boolean>(() => undefined) : store.renew(lease, ttlMs)),
    release: (lease) => store.release(lease),
    hang: () => {
      hung = true;
    },
  };
};

tap.test(
  'a holder that crashes mid-step is taken over after its lease expires, and its late commit is fenced',
  async (t) => {
    const pool = await setup(t);
    const crashed = hanging(new PostgresLeaseStore(pool));
    const stuck = gate();
    let aOutcome: unknown;
    const a = new DurableLoop<never>({
      name: 'test-loop',
      idleMs: 20,
      lease: { store: crashed, ttlMs: 600, holder: 'a' },
      step: async (ctx) => {
        crashed.hang();
        await stuck.opened;
        aOutcome = await fencedTransaction(pool, ctx.lease, (c) =>
          c.query("INSERT INTO loop_test_writes (holder) VALUES ('a')"),
        ).catch((error: unknown) => error);
      },
    });
    a.start();
    await waitFor('a to hold the lease', () => a.health().state === 'running');
    const b = writer(pool, 'b', {
      lease: { store: new PostgresLeaseStore(pool), ttlMs: 60_000, standbyRetryMs: 20, holder: 'b' },
    });
    b.loop.start();
    t.teardown(async () => {
      stuck.open();
      await Promise.all([a.stop(), b.loop.stop()]);
    });
    await waitFor("b to take over after a's lease expired", async () => (await writes(pool)).includes('b'));
    t.match(await leaseRow(pool, 'test-loop'), { holder: 'b', generation: 2 });
    stuck.open();
    await waitFor("a's late commit to be refused", () => aOutcome !== undefined);
    t.type(aOutcome, LeaseLost);
    t.notOk((await writes(pool)).includes('a'), 'nothing of the crashed holder committed');
  },
);

tap.test('failed steps back off within the policy: doubling, jittered, capped', async (t) => {
  const pool = await setup(t);
  const retries: number[] = [];
  const loop = new DurableLoop<never>({
    name: 'failing',
    idleMs: 20,
    backoff: { baseMs: 10, ceilingMs: 40, jitter: 'equal' },
    random: () => 0.999,
    lease: { store: new PostgresLeaseStore(pool), ttlMs: 60_000 },
    logger: {
      debug: () => undefined,
      info: () => undefined,
      error: () => undefined,
      warn: (o) => {
        if ('retryInMs' in o) retries.push(o.retryInMs as number);
      },
    },
    step: async () => {
      throw new Error('boom');
    },
  });
  loop.start();
  t.teardown(() => loop.stop());
  await waitFor('six retries', () => retries.length >= 6);
  t.same(
    retries.slice(0, 6),
    [9, 19, 39, 39, 39, 39],
    'equal jitter near the top of [cap/2, cap), cap 10, 20, 40, 40…',
  );
  t.match(loop.health(), { state: 'backoff', lastError: 'boom' });
  t.ok(loop.health().consecutiveFailures >= 6);
});

tap.test('a step that succeeds after failures resets the backoff', async (t) => {
  const pool = await setup(t);
  let calls = 0;
  const loop = new DurableLoop<never>({
    name: 'flaky',
    idleMs: 20,
    backoff: { baseMs: 1, ceilingMs: 5, jitter: 'full' },
    lease: { store: new PostgresLeaseStore(pool), ttlMs: 60_000 },
    step: async () => {
      if (++calls <= 3) throw new Error('not yet');
    },
  });
  loop.start();
  t.teardown(() => loop.stop());
  await waitFor('a good step', () => loop.health().steps >= 1);
  t.match(loop.health(), { consecutiveFailures: 0, state: 'running' });
});

tap.test('stop during a step waits for the step to finish, then releases the lease', async (t) => {
  const pool = await setup(t);
  const inStep = gate();
  const finish = gate();
  let sawStopping = false;
  const a = writer(pool, 'a', {
    step: async (ctx) => {
      inStep.open();
      await waitFor('stop to be asked', () => ctx.stopping.aborted);
      sawStopping = true;
      await finish.opened;
      await fencedTransaction(pool, ctx.lease, (c) => c.query("INSERT INTO loop_test_writes (holder) VALUES ('a')"));
    },
  });
  a.loop.start();
  await inStep.opened;
  let stopped = false;
  const stopping = a.loop.stop().then(() => (stopped = true));
  await waitFor('the step to see the stop', () => sawStopping);
  t.notOk(stopped, 'stop waits while the step runs');
  finish.open();
  await stopping;
  t.same(await writes(pool), ['a'], 'the step finished and committed');
  t.match(await leaseRow(pool, 'test-loop'), { holder: 'a', expired: true }, 'the lease is released at once');
  t.equal(a.loop.health().state, 'stopped');
});

tap.test(
  'stop is bounded: a step that does not finish is abandoned, its signal aborted, its commit fenced',
  async (t) => {
    const pool = await setup(t);
    const store = new PostgresLeaseStore(pool);
    const inStep = gate();
    const never = gate();
    let step: StepContext<never> | undefined;
    const loop = new DurableLoop<never>({
      name: 'stuck',
      idleMs: 20,
      stopGraceMs: 100,
      lease: { store, ttlMs: 60_000 },
      step: async (ctx) => {
        step = ctx;
        inStep.open();
        await never.opened;
      },
    });
    loop.start();
    await inStep.opened;
    await loop.stop();
    t.ok(step?.signal.aborted, 'the step was told to give up');
    t.match(await leaseRow(pool, 'stuck'), { expired: true }, 'released: a standby need not wait for the expiry');
    t.ok(await store.acquire('stuck', 'next', 60_000), 'another instance takes it over at once');
    await t.rejects(
      fencedTransaction(pool, step?.lease, async () => undefined),
      LeaseLost,
    );
    never.open();
  },
);

tap.test('the checkpoint is loaded when the lease is taken and follows what each step returns', async (t) => {
  const pool = await setup(t);
  const seen: Array<number | undefined> = [];
  const loop = new DurableLoop<number>({
    name: 'counting',
    idleMs: 5,
    lease: { store: new PostgresLeaseStore(pool), ttlMs: 60_000 },
    checkpoint: { load: async () => 41 },
    step: async (ctx) => {
      seen.push(ctx.checkpoint);
      return { checkpoint: (ctx.checkpoint ?? 0) + 1, more: seen.length < 3 };
    },
  });
  loop.start();
  t.teardown(() => loop.stop());
  await waitFor('three steps', () => seen.length >= 3);
  t.same(seen.slice(0, 3), [41, 42, 43]);
});

tap.test('without a lease store every instance runs; wake() cuts the idle pause short', async (t) => {
  let steps = 0;
  const loop = new DurableLoop<never>({
    name: 'local',
    idleMs: 60_000,
    step: async () => {
      steps += 1;
    },
  });
  loop.start();
  t.teardown(() => loop.stop());
  await waitFor('the first step', () => steps === 1);
  loop.wake();
  await waitFor('a second step without waiting the idle minute', () => steps === 2);
  t.equal(loop.health().state, 'running');
});
