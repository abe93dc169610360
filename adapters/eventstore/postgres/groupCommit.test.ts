import t from 'tap';
import { GroupCommit, type PendingAppend } from './groupCommit.js';
import type { AppendRow } from './sql.js';

// The batching policy alone (what goes together, in what order); the SQL side and the outcomes
// on a real PostgreSQL are in test/eventstore/groupCommit.test.ts.

const append = (stream: string, events = 1, bytes = 10): PendingAppend => ({
  stream,
  expected: -1,
  ids: Array(events).fill('id'),
  types: [],
  data: [],
  metadata: [],
  bytes,
});

const ok = (batch: readonly PendingAppend[]): AppendRow[] =>
  batch.map((_, i) => ({ outcome: 'ok', stream_revision: 0, last_position: i + 1 }));

/** A batch runner that answers when told, recording what each batch held. */
const recorder = () => {
  const batches: string[][] = [];
  const pending: Array<() => void> = [];
  const run = (batch: readonly PendingAppend[]) => {
    batches.push(batch.map((a) => a.stream));
    return new Promise<AppendRow[]>((resolve) => pending.push(() => resolve(ok(batch))));
  };
  /** Answers batches in the order sent until none has come for a few turns of the event loop. */
  const answerAll = async () => {
    for (let idleTurns = 0; idleTurns < 3;) {
      const answer = pending.shift();
      if (answer) answer();
      idleTurns = answer ? 0 : idleTurns + 1;
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  return { batches, run, answerAll };
};

t.test('appends made in one turn, or while a batch is out, go together, in order, within the bounds', async (t) => {
  const r = recorder();
  const group = new GroupCommit(r.run, { maxInFlight: 1, maxEvents: 5, maxBytes: 100 });
  const done = [
    group.append(append('first')),
    group.append(append('a', 2)),
    group.append(append('b', 2)),
    group.append(append('c', 2)),
    group.append(append('big', 9)),
    group.append(append('d', 1, 60)),
    group.append(append('e', 1, 60)),
  ];
  await r.answerAll();
  await Promise.all(done);
  t.same(
    r.batches,
    [['first', 'a', 'b'], ['c'], ['big'], ['d'], ['e']],
    'at most 5 events and 100 bytes per batch, an oversized append alone',
  );
});

t.test('the writers one batch answers append again together, not the first of them alone', async (t) => {
  const r = recorder();
  const group = new GroupCommit(r.run, { maxInFlight: 2, maxEvents: 100, maxBytes: 10_000 });
  const writer = async (name: string) => {
    for (let n = 1; n <= 3; n++) await group.append(append(`${name}${n}`));
  };
  const done = Promise.all(['a', 'b', 'c'].map(writer));
  await r.answerAll();
  await done;
  t.same(
    r.batches,
    [
      ['a1', 'b1', 'c1'],
      ['a2', 'b2', 'c2'],
      ['a3', 'b3', 'c3'],
    ],
    'a free connection does not go to whichever append came first',
  );
});

t.test('a failed batch of several is retried append by append, each getting its own answer', async (t) => {
  const seen: string[][] = [];
  const group = new GroupCommit(
    async (batch) => {
      seen.push(batch.map((a) => a.stream));
      if (batch.some((a) => a.stream === 'bad')) throw new Error(`refused ${batch.length}`);
      return ok(batch);
    },
    { maxInFlight: 1, maxEvents: 100, maxBytes: 10_000 },
  );
  const settled = await Promise.allSettled(['x', 'bad', 'y'].map((stream) => group.append(append(stream))));
  t.same(
    settled.map((s) => s.status),
    ['fulfilled', 'rejected', 'fulfilled'],
  );
  t.match((settled[1] as PromiseRejectedResult).reason, { message: 'refused 1' }, 'the error of its own attempt');
  t.same(seen, [['x', 'bad', 'y'], ['x'], ['bad'], ['y']]);
});

t.test('no more batches are out at once than allowed', async (t) => {
  let out = 0;
  let most = 0;
  const group = new GroupCommit(
    async (batch) => {
      most = Math.max(most, ++out);
      await new Promise((resolve) => setTimeout(resolve, 5));
      out -= 1;
      return ok(batch);
    },
    { maxInFlight: 2, maxEvents: 3, maxBytes: 10_000 },
  );
  await Promise.all(Array.from({ length: 30 }, (_, i) => group.append(append(`s${i}`))));
  t.equal(most, 2);
});
