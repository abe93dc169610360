import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { checkoutSession, paidSession, stripeEvent, stripeId } from '../../test/fakes/stripePayloads.js';
import { deliverStripe, paymentsHarness, STRIPE_WEBHOOK_SECRET } from '../../test/support/payments.js';
import { waitFor } from '../../test/support/waitFor.js';

const CHILD = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../test/support/paymentsCrashChild.ts');
// The dead worker's lease must outlast the steps from its claim to the first drain (kill, redelivery)
// even on a loaded machine: 1 s ran out first there. The test then waits for it by the database clock.
const LEASE_MS = 5_000;

/** Runs the child until it prints `about-to-apply`, then kills it with SIGKILL. */
const runAndKill = (env: Record<string, string>): Promise<{ output: string; signal: NodeJS.Signals | null }> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import=tsx', CHILD], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    let errors = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`child never reached the ledger append: ${output} ${errors}`));
    }, 60_000);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
      if (output.includes('about-to-apply')) child.kill('SIGKILL');
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (errors += chunk));
    child.on('exit', (_code, signal) => {
      clearTimeout(timer);
      resolve({ output, signal });
    });
  });

t.test(
  'kill -9 between the inbox write and the ledger append; redelivery and a new worker make one purchase',
  async (t) => {
    const h = await paymentsHarness(t);
    const userId = '5001';
    const event = stripeEvent(
      'checkout.session.completed',
      paidSession(checkoutSession({ userId, packageId: 'premium', amountTotal: 799 }), stripeId('pi')),
    );

    const child = await runAndKill({
      MODERA_TEST_DATABASE_URL: h.url,
      MODERA_TEST_EVENT: JSON.stringify(event),
      MODERA_TEST_LEASE_MS: String(LEASE_MS),
      MODERA_TEST_WEBHOOK_SECRET: STRIPE_WEBHOOK_SECRET,
    });
    t.equal(child.signal, 'SIGKILL');
    t.match(child.output, /acknowledged 200/, 'Stripe got its 200 before the crash');
    t.match(await h.inboxRows(), [{ status: 'processing', attempts: 1 }], 'recorded and claimed, never finished');
    t.equal((await h.account(userId)).events.length, 0, 'killed before the ledger append');

    const redelivery = await deliverStripe(h.app, event);
    t.same(redelivery.json(), { received: true, duplicate: true }, 'Stripe retries: recorded once');
    const processor = h.processor({ leaseMs: LEASE_MS });
    t.same(await processor.drain(), [], 'the dead worker’s lease still holds');
    await waitFor(
      'the dead worker’s lease to run out, by the database clock',
      async () => (await h.pool.query('SELECT 1 FROM payments_inbox WHERE next_attempt_at <= now()')).rowCount === 1,
    );
    t.match(
      (await processor.drain()).map((p) => p.result),
      [{ status: 'done', outcome: 'purchased' }],
      'the lease ran out: the row is taken again',
    );
    t.match(await h.inboxRows(), [{ status: 'done', attempts: 2 }]);
    const account = await h.account(userId);
    t.equal(account.purchases, 1);
    t.equal(account.balance, 3 + 50);
    await deliverStripe(h.app, event);
    t.same(await processor.drain(), [], 'a later redelivery changes nothing');
    t.equal((await h.account(userId)).purchases, 1);
  },
);
