import path from 'node:path';
import t from 'tap';
import { LoopRegistry } from '../app/loop/index.js';
import { PostgresLeaseStore } from '../adapters/postgres/index.js';
import { ImageNotFound, INPUT_RETENTION_SECONDS, keyFor, LocalImageStore } from '../adapters/storage/index.js';
import { tinyPng } from '../test/fixtures/images.js';
import { hashOf, SESSION_ID } from '../test/fixtures/sessionFixtures.js';
import { testDatabase } from '../test/support/database.js';
import { waitFor } from '../test/support/waitFor.js';
import { INPUT_PURGE_LOOP, startInputPurge } from './inputPurge.js';

t.test('the input purge runs as a scheduled loop: expired uploads go, results stay', async (t) => {
  const { pool } = await testDatabase(t);
  const store = new LocalImageStore(path.join(t.testdir(), 'files'), {
    signingSecret: 'purge-test-secret-0123456789abcdef',
    maxDeletesPerPurge: 2,
  });
  const upload = (seed: string) =>
    keyFor({ kind: 'clothing', sessionId: SESSION_ID, contentHash: hashOf(seed), mimeType: 'image/png' });
  const result = keyFor({
    kind: 'tryon_result',
    sessionId: SESSION_ID,
    contentHash: hashOf('result'),
    mimeType: 'image/png',
  });
  for (const key of [upload('a'), upload('b'), upload('c'), result]) await store.put(key, tinyPng(), 'image/png');
  const registry = new LoopRegistry();
  // A day and a bit later by the loop's clock: every upload is past its retention.
  const later = () => new Date(Date.now() + (INPUT_RETENTION_SECONDS + 60) * 1000);
  const loop = startInputPurge(store, {
    loops: { leases: new PostgresLeaseStore(pool), registry },
    firstDelayMs: 0,
    intervalMs: 3_600_000,
    clock: later,
  });
  t.teardown(() => loop.stop());
  await waitFor('every expired upload to be purged, over more than one run', async () => {
    for (const seed of ['a', 'b', 'c'])
      if (
        await store.get(upload(seed)).then(
          () => true,
          () => false,
        )
      )
        return false;
    return true;
  });
  await t.rejects(store.get(upload('a')), ImageNotFound);
  t.ok(await store.get(result), 'generated images are not inputs');
  // The limit of 2 per run is carried on by a second step at once, not an hour later.
  await waitFor('two steps to be counted', () => (registry.health()[0]?.steps ?? 0) >= 2);
  t.match(registry.health(), [{ name: INPUT_PURGE_LOOP, state: 'running' }]);
  const { rows } = await pool.query('SELECT holder FROM loop_leases WHERE name = $1', [INPUT_PURGE_LOOP]);
  t.equal(rows.length, 1, 'it ran under its lease');
});
