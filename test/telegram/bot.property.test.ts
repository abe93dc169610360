import fc from 'fast-check';
import t from 'tap';
import { botHarness, ScriptedAi, type BotHarness } from '../support/telegramBot.js';
import { violations, type Violation } from './botInvariants.js';
import { SequenceDriver, stepArbitrary, USERS_PER_SEQUENCE, type Step } from './botSequence.js';

/**
 * Issue 14's class: random sequences of what a few users do (/start, menus, language, try-on and
 * stylist starts, consent, photos, albums in any order, their own old buttons and other users'
 * buttons, blocking and unblocking the bot, the AI failing or taking its time, time passing)
 * against the real bot, worker, ledger and read tables, with the fake Bot API. After each
 * sequence every user comes back and the system settles; then botInvariants.ts checks (a)-(d).
 * On failure the seed and the steps are printed; rerun one with BOT_PROPERTY_SEED=<seed>
 * (the AI and the notifier run on their own schedule, so a rerun may take a different path).
 */

/**
 * Sequences per run: each takes 10-15 s on a busy 2-core machine (dozens of updates, AI jobs, the notifier); raise it
 * to hunt.
 */
const RUNS = Number(process.env.BOT_PROPERTY_RUNS ?? 3);
const SEED =
  process.env.BOT_PROPERTY_SEED === undefined
    ? Math.floor(Math.random() * 0x7fffffff)
    : Number(process.env.BOT_PROPERTY_SEED);
/** Steps per sequence: long enough for two flows per user, short enough to read when it fails. */
const MIN_STEPS = 25;
const MAX_STEPS = 45;
/** Credits each user starts with besides the welcome bonus: several paid sessions, then the buy menu. */
const STARTING_CREDITS = 12;
/** Shrinking replays sequences against the real system: off unless asked for. */
const SHRINK = process.env.BOT_PROPERTY_SHRINK === '1';
/** User ids of one sequence start here and move on by this much for the next (one harness serves all). */
const FIRST_USER_ID = 700_000;
const USER_ID_STRIDE = 10;

/**
 * Properties left out of the verdict (still counted and shown), e.g. BOT_PROPERTY_IGNORE=b_actor_recorded to look
 * past one.
 */
const IGNORED = new Set((process.env.BOT_PROPERTY_IGNORE ?? '').split(',').filter(Boolean));
/** Violations shown per property when a sequence fails (the rest are counted). */
const SHOWN_PER_PROPERTY = 6;

let sequence = 0;

/** How far the sequences got, summed: a run that never charged or never met a blocked chat proves little. */
const coverage = {
  sequences: 0,
  updates: 0,
  sessions: 0,
  holds: 0,
  captured: 0,
  released: 0,
  refusedSends: 0,
  blocks: 0,
  foreignPresses: 0,
  stalePresses: 0,
};

const count = async (h: BotHarness, userIds: string[]): Promise<void> => {
  const { rows } = await h.pool.query<{ type: string; n: number }>(
    `SELECT type, count(*)::int AS n FROM events WHERE stream = ANY($1) GROUP BY type`,
    [userIds.map((id) => `account-${id}`)],
  );
  const of = (type: string) => rows.find((r) => r.type === type)?.n ?? 0;
  const sessions = await h.pool.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM events ' +
      "WHERE type IN ('TryOnStarted', 'StylingStarted') AND data->>'userId' = ANY($1)",
    [userIds],
  );
  coverage.sequences += 1;
  coverage.sessions += sessions.rows[0]!.n;
  coverage.holds += of('CreditsReserved');
  coverage.captured += of('ReservationCaptured');
  coverage.released += of('ReservationReleased');
};

const report = (found: Violation[], journal: string[]): string => {
  const lines: string[] = [];
  for (const property of [...new Set(found.map((v) => v.property))]) {
    const of = found.filter((v) => v.property === property);
    lines.push(`${property} (${of.length}):`, ...of.slice(0, SHOWN_PER_PROPERTY).map((v) => `  ${v.detail}`));
  }
  return [...lines, 'the sequence:', ...journal.map((j) => `  ${j}`)].join('\n');
};

const openAccounts = async (h: BotHarness, driver: SequenceDriver): Promise<void> => {
  const occurredAt = h.clock.now.toISOString();
  for (const user of driver.users) {
    const stream = `account-${user.id}`;
    await h.ledger(stream, {
      type: 'OpenAccount',
      userId: String(user.id),
      profile: { firstName: `User${user.id}` },
      occurredAt,
    });
    await h.ledger(stream, {
      type: 'GrantCredits',
      grantId: `start-${user.id}`,
      credits: STARTING_CREDITS,
      reason: 'promo',
      operator: 'test',
      occurredAt,
    });
  }
};

const lastUpdateId = async (h: BotHarness): Promise<number> =>
  Number(
    (await h.pool.query<{ u: string | null }>('SELECT max(update_id) AS u FROM telegram_updates')).rows[0]!.u ?? 0,
  );

const runSequence = async (h: BotHarness, ai: ScriptedAi, steps: Step[]): Promise<Violation[]> => {
  ai.failWith = undefined;
  const driver = new SequenceDriver(h, ai, FIRST_USER_ID + sequence++ * USER_ID_STRIDE);
  await openAccounts(h, driver);
  const firstUpdateId = (await lastUpdateId(h)) + 1;
  lastJournal = driver.journal;
  for (const step of steps) await driver.run(step);
  await driver.finish();
  const userIds = driver.users.map((u) => String(u.id));
  await count(h, userIds);
  coverage.updates += driver.updateWindows.length;
  coverage.foreignPresses += driver.journal.filter((j) => j.includes('presses foreign')).length; // and foreignNewest
  coverage.stalePresses += driver.journal.filter((j) => j.includes('presses stale')).length;
  coverage.blocks += driver.journal.filter((j) => j.includes('blocks the bot')).length;
  if (process.env.BOT_PROPERTY_DEBUG === '1') console.error(driver.journal.join('\n'));
  return violations(h, userIds, driver.updateWindows, firstUpdateId);
};

let lastJournal: string[] = [];

t.test(
  `bot: ${RUNS} random sequences of ${USERS_PER_SEQUENCE} users charge only for results and keep to their own sessions`,
  async (t) => {
    const ai = new ScriptedAi();
    const h = await botHarness(t, { ai, workerOnHarnessClock: true, sweeper: true });
    t.comment(`seed=${SEED} (rerun with BOT_PROPERTY_SEED=${SEED})`);
    const found: Violation[] = [];
    const ignoredSeen = new Map<string, number>();
    try {
      await fc.assert(
        fc.asyncProperty(fc.array(stepArbitrary, { minLength: MIN_STEPS, maxLength: MAX_STEPS }), async (steps) => {
          const all = await runSequence(h, ai, steps);
          for (const v of all)
            ignoredSeen.set(v.property, (ignoredSeen.get(v.property) ?? 0) + (IGNORED.has(v.property) ? 1 : 0));
          const seen = all.filter((v) => !IGNORED.has(v.property));
          if (seen.length > 0) {
            found.splice(0, found.length, ...seen);
            throw new Error(seen.map((v) => `${v.property}: ${v.detail}`).join('\n'));
          }
        }),
        { numRuns: RUNS, seed: SEED, endOnFailure: !SHRINK },
      );
    } catch (error) {
      const properties = [...new Set(found.map((v) => v.property))];
      const cause = found.length > 0 ? '' : `${String((error as Error).cause ?? (error as Error).message)}\n`;
      t.fail(
        `seed=${SEED}; broken: ${properties.join(', ') || 'none (the run itself failed)'}\n` +
          `${cause}${report(found, lastJournal)}`,
      );
      return;
    } finally {
      coverage.refusedSends = h.fake.received.filter((c) => c.status === 403).length;
      t.comment(`coverage: ${JSON.stringify(coverage)}`);
      if (IGNORED.size > 0) t.comment(`ignored violations: ${JSON.stringify(Object.fromEntries(ignoredSeen))}`);
    }
    t.pass(`${RUNS} sequences kept every property`);
    // A run whose users never got as far as paying tested little of the class.
    t.ok(coverage.captured > 0, 'the sequences reached paid results');
  },
);
