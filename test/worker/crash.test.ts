import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { JOB_LEASE_SECONDS } from '../../app/worker/index.js';
import { fakeAiEnv } from '../fakes/aiEnv.js';
import { AI_ENV, createHarness, holdHistory } from './harness.js';

const CHILD = path.join(path.dirname(fileURLToPath(import.meta.url)), 'crashWorker.ts');

t.test(
  'a worker killed mid-job: another takes the job over after the lease, the session is charged once',
  async (t) => {
    const h = await createHarness(t);
    const userId = '3001';
    await h.fund(userId, 10);
    h.ai.script('openai.images', 'hang');
    const sessionId = await h.submitTryOn(userId);
    await h.fed();

    const child = spawn(process.execPath, ['--import=tsx', CHILD], {
      env: {
        ...process.env,
        ...fakeAiEnv(h.ai, { ...AI_ENV, AI_IMAGE_TIMEOUT_MS: '120000' }),
        CRASH_DATABASE_URL: h.url,
        CRASH_IMAGES_DIR: h.imagesDir,
        CRASH_CLOCK_MS: String(h.clock().getTime()),
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve(signal ?? code)));
    t.teardown(() => {
      child.kill('SIGKILL');
    });
    await h.ai.waitForRequests('openai.images', 1);
    child.kill('SIGKILL');
    t.equal(await exited, 'SIGKILL', 'the worker died mid-call');

    const orphan = (
      await h.pool.query('SELECT status, claims, leased_by FROM session_jobs WHERE session_id = $1', [sessionId])
    ).rows[0];
    t.same(orphan, { status: 'running', claims: 1, leased_by: 'doomed' }, 'the job is left leased by the dead worker');
    t.match(await h.account(userId), { balance: 13, held: 3 }, 'its hold is still open');

    const worker = h.startWorker();
    h.clock.advance(JOB_LEASE_SECONDS - 1);
    // Proof that the worker looked for work while the lease lasts: a later job is claimed and done.
    // Jobs are claimed oldest first, so a worker that ignored the lease would have taken the orphan.
    await h.fund('3002', 10);
    const witness = await h.submitTryOn('3002');
    await h.fed();
    t.match(await h.waitForJob(witness), { status: 'done', claims: 1 }, 'the worker runs due jobs');
    t.match(
      (await h.pool.query('SELECT claims FROM session_jobs WHERE session_id = $1', [sessionId])).rows[0],
      { claims: 1 },
      'not taken over while the lease lasts',
    );
    h.clock.advance(2);
    t.match(await h.waitForJob(sessionId), { status: 'done', outcome: 'captured', claims: 2 });
    await worker.stop();
    const account = await h.account(userId);
    t.match(account, { balance: 10, available: 10, held: 0 });
    t.same(
      holdHistory(account.events, sessionId),
      ['CreditsReserved', 'ReservationCaptured'],
      'one hold, captured once',
    );
    t.match((await h.bot.load('tryon', sessionId)).state, { status: 'tryon_result', attempt: 2 });
    t.equal(h.ai.requestsTo('openai.images').length, 3, 'the new worker generated again (and once for the witness)');
    await h.project();
    t.match((await h.pool.query('SELECT credits, credits_reserved FROM users WHERE id = $1', [userId])).rows[0], {
      credits: 10,
      credits_reserved: 0,
    });
    t.match(
      (await h.pool.query('SELECT status, credits_used FROM fashion_sessions WHERE id = $1', [sessionId])).rows[0],
      { status: 'completed', credits_used: 3 },
    );
  },
);
