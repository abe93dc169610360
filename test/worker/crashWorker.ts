import { aiConfigFromEnv, createAiProviders } from '../../adapters/ai/index.js';
import { PostgresEventStore } from '../../adapters/eventstore/postgres/index.js';
import { createPool, pgJobQueue } from '../../adapters/postgres/index.js';
import { LocalImageStore } from '../../adapters/storage/localImageStore.js';
import { startWorker } from '../../app/worker/index.js';

/**
 * A worker in a process of its own, for the crash test to kill with SIGKILL mid-job. Its clock
 * stands still at CRASH_CLOCK_MS; it prints `ready` once it polls for jobs.
 */
const env = process.env;
const pool = createPool(env.CRASH_DATABASE_URL ?? '', { max: 4 });
const store = new PostgresEventStore(pool);
const setup = createAiProviders(aiConfigFromEnv(env));
if (setup.status !== 'on') throw new Error(setup.reason);
const clockMs = Number(env.CRASH_CLOCK_MS);
const clock = () => new Date(clockMs);
const images = new LocalImageStore(env.CRASH_IMAGES_DIR ?? '', { signingSecret: 'x'.repeat(32), clock });
startWorker({
  store,
  pool,
  jobs: pgJobQueue(pool),
  ai: setup.chain,
  images,
  clock,
  runFeeder: false,
  idlePollMs: 10,
  workerId: 'doomed',
});
process.stdout.write('ready\n');
