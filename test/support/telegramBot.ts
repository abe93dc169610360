import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Update } from 'grammy/types';
import pino from 'pino';
import {
  fencedTransaction,
  PostgresLeaseStore,
  postgresPaymentInbox,
  postgresPurchaseIndex,
} from '../../adapters/postgres/index.js';
import { PostgresEventStore } from '../../adapters/eventstore/postgres/index.js';
import { createReadModel, pgJobQueue, pgSweepCandidates } from '../../adapters/postgres/index.js';
import {
  ProviderRejected,
  type FitRequest,
  type FitResult,
  type StyleRequest,
  type StyleResult,
  type TryOnRequest,
  type TryOnResult,
} from '../../adapters/ai/index.js';
import { LocalImageStore } from '../../adapters/storage/index.js';
import type { BotDependencies } from '../../adapters/telegram/context.js';
import { createTelegramRuntime, type TelegramMode, type TelegramRuntime } from '../../adapters/telegram/runtime.js';
import { NOTIFIED_CATEGORIES, NOTIFIED_EVENT_TYPES } from '../../adapters/telegram/notifications.js';
import type { LedgerHandler } from '../../app/accounts/ledger.js';
import { createCommandHandler } from '../../core/eventstore/index.js';
import { accountDecider, defaultLedgerConfig } from '../../core/ledger/index.js';
import { ledgerProjection } from '../../projections/ledger/ledgerProjection.js';
import { ProjectorRunner } from '../../projections/runner.js';
import { startSweeper, startWorker, type WorkerAi } from '../../app/worker/index.js';
import { tinyPng } from '../fixtures/images.js';
import { captureCalls, FakeTelegram, TEST_BOT_INFO, TEST_TOKEN, type ApiCall } from '../fakes/telegramServer.js';
import { testDatabase } from './database.js';
import { waitFor } from './waitFor.js';

/**
 * The bot as it runs, offline: real grammY pipeline and update inbox, the real ledger, session
 * streams and read tables on PostgreSQL, local image storage, and the fake Bot API. Updates go
 * in through the processor (`send`), which records them and calls `bot.handleUpdate`; outgoing
 * calls are captured by an API transformer (`calls`).
 */

type Test = Parameters<typeof testDatabase>[0];

export interface BotHarness {
  fake: FakeTelegram;
  runtime: TelegramRuntime;
  calls: ApiCall[];
  pool: Awaited<ReturnType<typeof testDatabase>>['pool'];
  store: PostgresEventStore;
  ledger: LedgerHandler;
  images: LocalImageStore;
  /** The directory the image store writes to. */
  filesDir: string;
  clock: { now: Date; advance(ms: number): void };
  /** Records and handles one update; resolves when it and everything queued before it is handled. */
  send(update: Update): Promise<'new' | 'duplicate'>;
  user(id: number, languageCode?: string): TestUser;
  /** Calls made from now on (a mark into `calls`). */
  since(): () => ApiCall[];
  /** Stops the ledger projection (the read tables fall behind) until `resumeProjection`. */
  pauseProjection(): Promise<void>;
  resumeProjection(): void;
  /** With the `sweeper` option: one pass of the hold and session sweeps, on the harness clock. */
  sweep(): Promise<void>;
  /** Waits until some call matches (the notifier works on its own schedule). */
  waitForCall(predicate: (call: ApiCall) => boolean, timeoutMs?: number): Promise<ApiCall>;
  /** Waits until the notifier has dealt with every event up to `position` (it has had its chance to speak). */
  notified(position: number): Promise<void>;
}

let nextUpdateId = 1;
let nextMessageId = 1;

export interface TestUser {
  id: number;
  text(text: string): Update;
  command(name: string): Update;
  photo(fileId: string, fileSize?: number): Update;
  /** Photos sent as one album (one media_group_id), in the order of their message ids. */
  album(fileIds: string[], mediaGroupId: string): Update[];
  /** The user blocks the bot (my_chat_member: member -> kicked) or unblocks it (kicked -> member). */
  blocks(): Update;
  unblocks(): Update;
  document(fileId: string, mimeType: string, fileSize?: number): Update;
  /** A button pressed on message `messageId` of the user's chat (1 unless given). */
  press(data: string, messageId?: number): Update;
  preCheckout(payload: string, totalAmount: number, currency?: string): Update;
  paid(payload: string, totalAmount: number, chargeId: string): Update;
}

const testUser = (id: number, languageCode: string): TestUser => {
  const from = { id, is_bot: false, first_name: `User${id}`, language_code: languageCode };
  const chat = { id, type: 'private' as const, first_name: from.first_name };
  const bot = {
    id: TEST_BOT_INFO.id,
    is_bot: true,
    first_name: TEST_BOT_INFO.first_name,
    username: TEST_BOT_INFO.username,
  };
  const membership = (was: 'member' | 'kicked', now: 'member' | 'kicked'): Update =>
    ({
      update_id: nextUpdateId++,
      my_chat_member: {
        chat,
        from,
        date: Math.floor(Date.now() / 1000),
        old_chat_member: { user: bot, status: was, ...(was === 'kicked' ? { until_date: 0 } : {}) },
        new_chat_member: { user: bot, status: now, ...(now === 'kicked' ? { until_date: 0 } : {}) },
      },
    }) as Update;
  const largest = (fileId: string) => ({ file_id: fileId, file_unique_id: `b-${fileId}`, width: 800, height: 800 });
  const message = (fields: object): Update =>
    ({
      update_id: nextUpdateId++,
      message: { message_id: nextMessageId++, date: Math.floor(Date.now() / 1000), chat, from, ...fields },
    }) as Update;
  return {
    id,
    text: (text) => message({ text }),
    command: (name) =>
      message({ text: `/${name}`, entities: [{ type: 'bot_command', offset: 0, length: name.length + 1 }] }),
    photo: (fileId, fileSize) =>
      message({
        photo: [
          { file_id: `${fileId}-small`, file_unique_id: 's', width: 90, height: 90 },
          {
            file_id: fileId,
            file_unique_id: 'b',
            width: 800,
            height: 800,
            ...(fileSize ? { file_size: fileSize } : {}),
          },
        ],
      }),
    album: (fileIds, mediaGroupId) =>
      fileIds.map((fileId) => message({ media_group_id: mediaGroupId, photo: [largest(fileId)] })),
    blocks: () => membership('member', 'kicked'),
    unblocks: () => membership('kicked', 'member'),
    document: (fileId, mimeType, fileSize) =>
      message({
        document: {
          file_id: fileId,
          file_unique_id: 'd',
          mime_type: mimeType,
          file_name: 'file',
          ...(fileSize ? { file_size: fileSize } : {}),
        },
      }),
    press: (data, messageId = 1) =>
      ({
        update_id: nextUpdateId++,
        callback_query: {
          id: `cb${nextUpdateId}`,
          from,
          chat_instance: 'ci',
          data,
          message: { message_id: messageId, date: 0, chat, text: 'menu' },
        },
      }) as Update,
    preCheckout: (payload, totalAmount, currency = 'XTR') =>
      ({
        update_id: nextUpdateId++,
        pre_checkout_query: {
          id: `pcq${nextUpdateId}`,
          from,
          currency,
          total_amount: totalAmount,
          invoice_payload: payload,
        },
      }) as Update,
    paid: (payload, totalAmount, chargeId) =>
      message({
        successful_payment: {
          currency: 'XTR',
          total_amount: totalAmount,
          invoice_payload: payload,
          telegram_payment_charge_id: chargeId,
          provider_payment_charge_id: '',
        },
      }),
  };
};

/**
 * AI for the worker, without a network: try-ons and analyses succeed with fixed answers until
 * `failWith` is set, then fail as the provider would (ProviderRejected: nothing billed).
 */
export class ScriptedAi implements WorkerAi {
  failWith: 'image_refused' | undefined;
  readonly calls: string[] = [];
  private gate: Promise<void> = Promise.resolve();
  private open: () => void = () => undefined;

  /** AI calls wait until `resume` (lets a test look at the bot while the work is in progress). */
  pause(): void {
    this.gate = new Promise((resolve) => (this.open = resolve));
  }

  resume(): void {
    this.open();
  }

  async generate(_request: TryOnRequest): Promise<TryOnResult> {
    this.calls.push('generate');
    await this.gate;
    if (this.failWith)
      throw new ProviderRejected(this.failWith, 'refused by the scripted provider', {
        provider: 'openai',
        model: 'gpt-image-1',
      });
    return {
      image: tinyPng(256, 256),
      mimeType: 'image/png',
      provider: 'openai',
      model: 'gpt-image-1',
      usage: USAGE,
      costMicroUsd: 40_000,
    };
  }

  async assess(_request: FitRequest): Promise<FitResult> {
    return {
      qualityScore: 0.87,
      notes: [],
      provider: 'gemini',
      model: 'gemini-2.5-flash',
      usage: USAGE,
      costMicroUsd: 1_000,
    };
  }

  async analyze(_request: StyleRequest): Promise<StyleResult> {
    this.calls.push('analyze');
    await this.gate;
    if (this.failWith)
      throw new ProviderRejected(this.failWith, 'refused by the scripted provider', {
        provider: 'openai',
        model: 'gpt-5',
      });
    return {
      provider: 'openai',
      model: 'gpt-5',
      usage: USAGE,
      costMicroUsd: 20_000,
      profile: {
        summary: 'Clean lines suit you.',
        bodyType: 'rectangle',
        colorPalette: ['navy', 'white'],
        styleKeywords: ['minimal'],
      },
      recommendations: [
        {
          title: 'Navy blazer',
          category: 'outerwear',
          query: 'navy blazer slim',
          reason: 'Sharpens the shoulders.',
          score: 0.9,
        },
        {
          title: 'White sneakers',
          category: 'shoes',
          productUrl: 'https://shop.example/sneakers',
          reason: 'Keeps it casual.',
          score: 0.7,
        },
      ],
    };
  }
}

const USAGE = { inputTokens: 10, outputTokens: 10, inputImageTokens: 0, outputImageTokens: 0 };

export const botHarness = async (
  t: Test,
  options: {
    overrides?: Partial<BotDependencies>;
    rateLimit?: { limit: number; timeFrameMs: number };
    /** Runs the real AI worker (and its orchestration projector) with this AI. */
    ai?: WorkerAi;
    /** Webhook or polling; with it the runtime is started as the app starts it (setWebhook or getUpdates). */
    transport?: TelegramMode;
    /** The worker reads the harness clock too (its leases, job times and hold expiries move with `clock.advance`). */
    workerOnHarnessClock?: boolean;
    /** Runs the sweeper (expired holds, idle sessions) on the harness clock; it sweeps when `sweep` is called. */
    sweeper?: boolean;
  } = {},
): Promise<BotHarness> => {
  const { pool } = await testDatabase(t);
  const silent = pino({ level: 'silent' });
  const store = new PostgresEventStore(pool, { pollIntervalMs: 50 });
  const ledger = createCommandHandler(accountDecider(defaultLedgerConfig), { store });
  const fake = await FakeTelegram.start(TEST_TOKEN);
  const filesDir = await mkdtemp(path.join(os.tmpdir(), 'modera-bot-files-'));
  const images = new LocalImageStore(filesDir, { signingSecret: 'x'.repeat(32) });
  const clock = {
    now: new Date(),
    advance(ms: number) {
      this.now = new Date(this.now.getTime() + ms);
    },
  };
  const runtime = createTelegramRuntime({
    settings: { token: TEST_TOKEN, apiRoot: fake.apiRoot, transport: options.transport ?? { mode: 'polling' } },
    pool,
    store,
    ledger,
    ledgerConfig: defaultLedgerConfig,
    images,
    reads: createReadModel(pool),
    logger: silent,
    botInfo: TEST_BOT_INFO,
    webCheckoutUrl: 'https://modera.example/checkout',
    // As in production: the notifier runs under a lease, which settles interrupted claims.
    loops: { leases: new PostgresLeaseStore(pool) },
    fencedTransaction: (lease, work) => fencedTransaction(pool, lease, work),
    paymentsInbox: postgresPaymentInbox(pool),
    purchases: postgresPurchaseIndex(pool),
    overrides: { now: () => clock.now, ...options.overrides },
    ...(options.rateLimit ? { rateLimit: options.rateLimit } : {}),
  });
  const calls = captureCalls(runtime.bot.api);
  const newProjector = () => new ProjectorRunner({ store, pool, projection: ledgerProjection, idlePollMs: 10 });
  let projector = newProjector();
  projector.start();
  if (options.transport) await runtime.start();
  else await runtime.notifier.start();
  const worker =
    options.ai &&
    startWorker({
      store,
      pool,
      jobs: pgJobQueue(pool),
      ai: options.ai,
      images,
      idlePollMs: 20,
      logger: silent,
      ...(options.workerOnHarnessClock ? { clock: () => clock.now } : {}),
    });
  // An interval no test reaches: the sweeps run when the test calls `sweep`, as time is made to pass.
  const sweeper = options.sweeper
    ? startSweeper({
        store,
        pool,
        candidates: pgSweepCandidates(pool),
        clock: () => clock.now,
        logger: silent,
        intervalMs: 3_600_000,
        runFeeder: !options.ai, // the worker feeds it
      })
    : undefined;
  t.teardown(async () => {
    await sweeper?.stop();
    await worker?.stop();
    await runtime.stop();
    await projector.stop();
    await store.close();
    await fake.close();
    await rm(filesDir, { recursive: true, force: true });
  });

  const waitForCall = (predicate: (call: ApiCall) => boolean, timeoutMs?: number): Promise<ApiCall> =>
    waitFor(`a call matching ${predicate.toString().slice(0, 200)}`, () => calls.find(predicate), { timeoutMs }).catch(
      (error: Error) => {
        throw new Error(`${error.message}; calls: ${calls.map((c) => c.method).join(', ')}`);
      },
    );

  return {
    fake,
    runtime,
    calls,
    pool,
    store,
    ledger,
    images,
    filesDir,
    clock,
    send: async (update) => {
      const outcome = await runtime.processor.accept(update);
      await runtime.processor.idle();
      return outcome;
    },
    user: (id, languageCode = 'en') => testUser(id, languageCode),
    pauseProjection: () => projector.stop(),
    resumeProjection: () => {
      projector = newProjector();
      projector.start();
    },
    since: () => {
      const mark = calls.length;
      return () => calls.slice(mark);
    },
    waitForCall,
    notified: async (position) => {
      // The notifier's checkpoint moves on the events it subscribes to only: wait for the last of them.
      const { rows } = await pool.query<{ last: string | null }>(
        `SELECT max(position) AS last FROM events
          WHERE position <= $1 AND split_part(stream, '-', 1) = ANY($2) AND type = ANY($3)`,
        [position, NOTIFIED_CATEGORIES, NOTIFIED_EVENT_TYPES],
      );
      const last = Number(rows[0]?.last ?? 0);
      await waitFor(`the notifier to pass position ${last}`, async () => (await runtime.notifier.checkpoint()) >= last);
    },
    sweep: async () => {
      if (!sweeper) throw new Error('botHarness was made without the sweeper option');
      await sweeper.sweep();
    },
  };
};

/** Polls `check` until it returns true (for work done on another schedule: the notifier, the worker). */
export const eventually = async (check: () => Promise<boolean> | boolean, timeoutMs?: number): Promise<void> => {
  await waitFor(check.toString().slice(0, 200), check, { timeoutMs });
};

/** The text of a sendMessage call, or the caption of a sendPhoto. */
export const textOf = (call: ApiCall): string => String(call.payload.text ?? call.payload.caption ?? '');

/** Every callback_data on the inline keyboard of a call. */
export const buttonsOf = (call: ApiCall): string[] => {
  const markup = call.payload.reply_markup as
    { inline_keyboard?: Array<Array<{ callback_data?: string; url?: string }>> } | undefined;
  return (markup?.inline_keyboard ?? []).flat().map((b) => b.callback_data ?? b.url ?? '');
};
