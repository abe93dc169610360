import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type pg from 'pg';
import type { Test } from 'tap';
import { aiConfigFromEnv, createAiProviders, type AiChain } from '../../adapters/ai/index.js';
import { PostgresEventStore } from '../../adapters/eventstore/postgres/index.js';
import { LocalImageStore, storeUpload } from '../../adapters/storage/index.js';
import { pgJobQueue, pgSweepCandidates } from '../../adapters/postgres/index.js';
import { sessionStreams, type SessionStreams } from '../../app/sessions/index.js';
import { startSweeper, startWorker, type RunningSweeper, type RunningWorker } from '../../app/worker/index.js';
import { createCommandHandler, type EventStore } from '../../core/eventstore/index.js';
import {
  accountDecider,
  accountStream,
  foldAccount,
  summaryOf,
  type AccountEvent,
  type LedgerConfig,
} from '../../core/ledger/index.js';
import type { ImageKind } from '../../core/sessions/index.js';
import { ledgerProjection } from '../../projections/ledger/ledgerProjection.js';
import { ProjectorRunner } from '../../projections/runner.js';
import { orchestrationProjection } from '../../projections/sessions/orchestrationProjection.js';
import { sessionsProjection } from '../../projections/sessions/index.js';
import { fakeAiEnv } from '../fakes/aiEnv.js';
import { startAiServer, type AiFakeServer } from '../fakes/aiServer.js';
import { tinyJpeg, tinyPng } from '../fixtures/images.js';
import { testDatabase } from '../support/database.js';
import { waitFor } from '../support/waitFor.js';

/**
 * A whole orchestration for scenario tests: a fresh migrated PostgreSQL, the PostgreSQL event
 * store, the fake AI server behind the real SDKs, a local image store, and a clock the test moves.
 * The bot's side (starting sessions, uploading) is played by `submitTryOn` / `submitStyling`.
 */

export const T0 = Date.parse('2025-03-01T10:00:00.000Z');
const POLL_MS = 20;

export interface FakeClock {
  (): Date;
  advance(seconds: number): void;
}

export const fakeClock = (startMs = T0): FakeClock => {
  let nowMs = startMs;
  const clock = (() => new Date(nowMs)) as FakeClock;
  clock.advance = (seconds) => {
    nowMs += seconds * 1000;
  };
  return clock;
};

export interface Harness {
  pool: pg.Pool;
  url: string;
  store: EventStore;
  ai: AiFakeServer;
  chain: AiChain;
  images: LocalImageStore;
  imagesDir: string;
  clock: FakeClock;
  /** The bot's view of the sessions. */
  bot: SessionStreams;
  startWorker(options?: { concurrency?: number; ledgerConfig?: LedgerConfig }): RunningWorker;
  startSweeper(): RunningSweeper;
  /** Opens the account (welcome credits) and grants `credits` more (none when 0). */
  fund(userId: string, credits: number): Promise<void>;
  submitTryOn(userId: string): Promise<string>;
  submitStyling(userId: string): Promise<string>;
  /** The account as its stream says. */
  account(userId: string): Promise<{ balance: number; available: number; held: number; events: AccountEvent[] }>;
  /** Waits until the session's job row satisfies `done` (default: done or failed). */
  waitForJob(sessionId: string, done?: (job: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>;
  /** Runs the ledger and sessions projectors until they reach the head of the log. */
  project(): Promise<void>;
  /** Waits for the orchestration feeder (always running here) to reach the head of the log. */
  fed(): Promise<void>;
}

/**
 * One provider keeps the scripts simple; the timeout is what a `hang` costs, and must not trip a slow success on a busy
 * machine.
 */
export const AI_ENV = { AI_PROVIDER_ORDER: 'openai', AI_IMAGE_TIMEOUT_MS: '1500', AI_TEXT_TIMEOUT_MS: '1500' };

export const until = <T>(what: string, probe: () => Promise<T | undefined>): Promise<T> =>
  waitFor(what, probe, { pollMs: POLL_MS }) as Promise<T>;

const upload = async (images: LocalImageStore, kind: ImageKind, sessionId: string, bytes: Buffer) => {
  const stored = await storeUpload(images, { kind, sessionId, bytes });
  if (!stored.ok) throw new Error(`test image refused: ${stored.rejection}`);
  const { imageKey, mimeType } = stored.image;
  return { imageKey, mimeType, bytes: stored.image.bytes };
};

const must = (result: { ok: boolean; rejection?: string }, what: string): void => {
  if (!result.ok) throw new Error(`${what} refused: ${result.rejection}`);
};

export const createHarness = async (t: Test): Promise<Harness> => {
  const { pool, url } = await testDatabase(t);
  const store = new PostgresEventStore(pool);
  const ai = await startAiServer();
  const setup = createAiProviders(aiConfigFromEnv(fakeAiEnv(ai, AI_ENV)));
  if (setup.status !== 'on') throw new Error(setup.reason);
  const imagesDir = await mkdtemp(path.join(os.tmpdir(), 'modera-worker-'));
  const clock = fakeClock();
  const images = new LocalImageStore(imagesDir, { signingSecret: 'x'.repeat(32), clock });
  // The bot's own actor: it acts for the many users of these tests (a `user:` actor may act only on its own sessions).
  const bot = sessionStreams(store, 'system:bot');
  const accounts = createCommandHandler(accountDecider(), { store });
  const feeder = new ProjectorRunner({ store, pool, projection: orchestrationProjection, idlePollMs: 5 });
  feeder.start();
  const stoppers: Array<() => Promise<void>> = [() => feeder.stop()];
  const caughtUp = async (runner: ProjectorRunner): Promise<void> => {
    const head = await store.headPosition();
    await until(`projection ${runner.name}`, async () => {
      if (runner.state === 'failed') throw runner.error ?? new Error(`${runner.name} failed`);
      const row = (await pool.query('SELECT position FROM projection_checkpoints WHERE name = $1', [runner.name]))
        .rows[0];
      return row && Number(row.position) >= head ? true : undefined;
    });
  };
  t.teardown(async () => {
    for (const stop of stoppers.reverse()) await stop();
    await store.close();
    await ai.close();
    await rm(imagesDir, { recursive: true, force: true });
  });
  const at = () => clock().toISOString();

  const h: Harness = {
    pool,
    url,
    store,
    ai,
    chain: setup.chain,
    images,
    imagesDir,
    clock,
    bot,
    startWorker: (options = {}) => {
      const worker = startWorker({
        store,
        pool,
        jobs: pgJobQueue(pool),
        ai: setup.chain,
        images,
        clock,
        idlePollMs: 10,
        runFeeder: false,
        ...options,
      });
      stoppers.push(() => worker.stop());
      return worker;
    },
    startSweeper: () => {
      const sweeper = startSweeper({
        store,
        pool,
        candidates: pgSweepCandidates(pool),
        clock,
        intervalMs: 3_600_000,
        runFeeder: false,
      });
      stoppers.push(() => sweeper.stop());
      return sweeper;
    },
    fund: async (userId, credits) => {
      must(
        await accounts(accountStream(userId), { type: 'OpenAccount', userId, profile: {}, occurredAt: at() }),
        'OpenAccount',
      );
      if (credits === 0) return;
      must(
        await accounts(accountStream(userId), {
          type: 'GrantCredits',
          grantId: `test-${credits}`,
          credits,
          reason: 'promo',
          operator: 'test',
          occurredAt: at(),
        }),
        'GrantCredits',
      );
    },
    submitTryOn: async (userId) => {
      const sessionId = randomUUID();
      must(await bot.tryOn(sessionId, { type: 'StartTryOn', sessionId, userId, occurredAt: at() }), 'StartTryOn');
      const clothing = await upload(images, 'clothing', sessionId, tinyPng(96, 96));
      must(
        await bot.tryOn(sessionId, { type: 'ProvideClothingImage', ...clothing, occurredAt: at() }),
        'ProvideClothingImage',
      );
      const person = await upload(images, 'person', sessionId, tinyPng(64, 64));
      must(
        await bot.tryOn(sessionId, {
          type: 'ProvidePersonImage',
          ...person,
          credits: 3,
          hasConsent: true,
          occurredAt: at(),
        }),
        'ProvidePersonImage',
      );
      return sessionId;
    },
    submitStyling: async (userId) => {
      const sessionId = randomUUID();
      must(await bot.styling(sessionId, { type: 'StartStyling', sessionId, userId, occurredAt: at() }), 'StartStyling');
      const photo = await upload(images, 'style_input', sessionId, tinyJpeg(64, 64));
      must(
        await bot.styling(sessionId, { type: 'ProvideStylePhoto', ...photo, occurredAt: at() }),
        'ProvideStylePhoto',
      );
      must(
        await bot.styling(sessionId, {
          type: 'SubmitPreferences',
          credits: 5,
          hasConsent: true,
          occurredAt: at(),
          preferences: {
            style: 'casual',
            occasion: 'work',
            budget: { currency: 'RUB', minMinor: 500_000, maxMinor: 2_000_000 },
          },
        }),
        'SubmitPreferences',
      );
      return sessionId;
    },
    account: async (userId) => {
      const events = (await store.readStream(accountStream(userId))).map(
        (e) => ({ type: e.type, data: e.data }) as AccountEvent,
      );
      return { ...summaryOf(foldAccount(events).core), events };
    },
    waitForJob: async (sessionId, done = (job) => job.status === 'done' || job.status === 'failed') => {
      let last: unknown;
      try {
        return await until(`job of session ${sessionId}`, async () => {
          const job = (await pool.query('SELECT * FROM session_jobs WHERE session_id = $1', [sessionId])).rows[0];
          last = job;
          return job && done(job) ? job : undefined;
        });
      } catch (error) {
        throw new Error(`${(error as Error).message}; the job is ${JSON.stringify(last)}`, { cause: error });
      }
    },
    project: async () => {
      for (const projection of [ledgerProjection, sessionsProjection]) {
        const runner = new ProjectorRunner({ store, pool, projection, idlePollMs: 5 });
        runner.start();
        await caughtUp(runner);
        await runner.stop();
      }
    },
    fed: () => caughtUp(feeder),
  };
  return h;
};

/** The hold events of one reservation on an account, as `type` or `type:reason`. */
export const holdHistory = (events: AccountEvent[], reservationId: string): string[] =>
  events.flatMap((e) => {
    const data = e.data as { reservationId?: string; reason?: string };
    if (data.reservationId !== reservationId) return [];
    return [e.type === 'ReservationReleased' ? `${e.type}:${data.reason}` : e.type];
  });
