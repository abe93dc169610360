import {
  createCommandHandler,
  type CommandHandler,
  type CommandResult,
  type EventStore,
} from '../../core/eventstore/index.js';
import { accountStream } from '../../core/ledger/index.js';
import {
  keyFor,
  stylingStream,
  stylistDecider,
  tryOnDecider,
  tryOnStream,
  type AiReceipt,
  type HoldRequest,
  type ImageInput,
  type ImageKind,
  type StylistCommand,
  type StylistEvent,
  type StylistSession,
  type TryOnCommand,
  type TryOnEvent,
  type TryOnSession,
} from '../../core/sessions/index.js';
import type { DemoClock, SeededRandom } from './random.js';
import type { LedgerHandler } from '../../app/accounts/index.js';

/**
 * Try-on and stylist sessions for the demo, through the real deciders and the ledger, in the
 * order the bot and the AI worker drive them: inputs, submit, reserve, worker result, then
 * capture or release as the session's hold resolution says.
 */

export type SessionOutcome = 'succeeded' | 'ai_failed' | 'expired' | 'no_credits';

export interface SessionContext {
  ledger: LedgerHandler;
  tryOn: CommandHandler<TryOnCommand, string>;
  stylist: CommandHandler<StylistCommand, string>;
  random: SeededRandom;
  clock: DemoClock;
  prices: { tryon: number; styling: number };
  maxHoldTtlSeconds: number;
  store: EventStore;
}

const metadataOf = (command: { occurredAt: string }) => ({ occurredAt: command.occurredAt });

export const sessionHandlers = (store: EventStore) => ({
  tryOn: createCommandHandler<TryOnCommand, TryOnEvent, TryOnSession, string>(
    { ...tryOnDecider, metadataOf },
    { store },
  ),
  stylist: createCommandHandler<StylistCommand, StylistEvent, StylistSession, string>(
    { ...stylistDecider, metadataOf },
    { store },
  ),
});

/** A command the demo expects to succeed: a refusal here is a bug in the demo, said loudly. */
export const must = async <R>(
  what: string,
  pending: Promise<CommandResult<R>>,
): Promise<CommandResult<R> & { ok: true }> => {
  const result = await pending;
  if (!result.ok) throw new Error(`demo: ${what} was refused: ${String(result.rejection)}`);
  return result;
};

const image = (ctx: SessionContext, kind: ImageKind, sessionId: string): ImageInput => ({
  imageKey: keyFor({ kind, sessionId, contentHash: ctx.random.sha256(kind, sessionId), mimeType: 'image/jpeg' }),
  mimeType: 'image/jpeg',
  bytes: ctx.random.int(80_000, 3_000_000),
});

const receipt = (ctx: SessionContext, feature: 'tryon' | 'styling'): AiReceipt => {
  const provider = ctx.random.pick(['openai', 'gemini'] as const);
  return {
    provider,
    model: provider === 'openai' ? (feature === 'tryon' ? 'gpt-image-1' : 'gpt-4.1-mini') : 'gemini-2.5-flash',
    usage: {
      inputTokens: ctx.random.int(500, 3000),
      outputTokens: ctx.random.int(200, 1500),
      inputImageTokens: 1_290,
      outputImageTokens: feature === 'tryon' ? 4_160 : 0,
    },
    costMicroUsd: feature === 'tryon' ? ctx.random.int(30_000, 60_000) : ctx.random.int(5_000, 15_000),
    processingMs: ctx.random.int(4_000, 40_000),
  };
};

/**
 * The hold a submitted session asked for, from its stream, and whether the ledger already refused
 * it: a rerun of the demo must not reserve for a session that recorded a refusal.
 */
const holdOf = async (store: EventStore, stream: string): Promise<{ hold: HoldRequest; refused: boolean }> => {
  const events = await store.readStream(stream);
  const submitted = events.find((e) => e.type === 'TryOnSubmitted' || e.type === 'StylingSubmitted');
  if (!submitted) throw new Error(`demo: ${stream} was not submitted`);
  const refused = events.some(
    (e) => (e.data as { holdResolution?: { action: string } }).holdResolution?.action === 'none',
  );
  return { hold: (submitted.data as { hold: HoldRequest }).hold, refused };
};

/** Reserves the session's hold; false (and recorded on the session) when the ledger refuses. */
const reserve = async (
  ctx: SessionContext,
  { hold, refused }: { hold: HoldRequest; refused: boolean },
  recordRefusal: (reason: string) => Promise<unknown>,
): Promise<boolean> => {
  if (refused) return false;
  const reserved = await ctx.ledger(accountStream(hold.userId), {
    type: 'ReserveCredits',
    reservationId: hold.reservationId,
    credits: hold.credits,
    feature: hold.feature,
    // What the worker asks too: the session's wish, within what the ledger allows.
    ttlSeconds: Math.min(hold.ttlSeconds, ctx.maxHoldTtlSeconds),
    occurredAt: ctx.clock.advance(1),
    metadata: { actor: `user:${hold.userId}`, correlationId: hold.reservationId },
  });
  if (reserved.ok) return true;
  await recordRefusal(reserved.rejection);
  return false;
};

/** Runs the worker's side and resolves the hold on the account the way the session says. */
const finish = async (
  ctx: SessionContext,
  hold: HoldRequest,
  wanted: SessionOutcome,
  report: {
    started: (attempt: number) => Promise<unknown>;
    succeeded: () => Promise<unknown>;
    failed: (attempts: number) => Promise<unknown>;
    expire: () => Promise<unknown>;
  },
): Promise<SessionOutcome> => {
  const account = accountStream(hold.userId);
  const actor = { actor: 'system:worker', correlationId: hold.reservationId };
  await report.started(1);
  if (wanted === 'expired') {
    ctx.clock.advance(31 * 60); // the worker died; the sweeper finds the session idle
    await report.expire();
    await must(
      'release (expired)',
      ctx.ledger(account, {
        type: 'ReleaseReservation',
        reservationId: hold.reservationId,
        reason: 'expired',
        occurredAt: ctx.clock.advance(1),
        metadata: { ...actor, actor: 'system:sweeper' },
      }),
    );
    return 'expired';
  }
  if (wanted === 'ai_failed') {
    ctx.clock.advance(40);
    await report.started(2);
    ctx.clock.advance(40);
    await report.failed(2);
    await must(
      'release (ai_failed)',
      ctx.ledger(account, {
        type: 'ReleaseReservation',
        reservationId: hold.reservationId,
        reason: 'ai_failed',
        occurredAt: ctx.clock.advance(1),
        metadata: actor,
      }),
    );
    return 'ai_failed';
  }
  ctx.clock.advance(ctx.random.int(5, 40));
  await report.succeeded();
  await must(
    'capture',
    ctx.ledger(account, {
      type: 'CaptureReservation',
      reservationId: hold.reservationId,
      credits: hold.credits,
      occurredAt: ctx.clock.advance(1),
      metadata: actor,
    }),
  );
  return 'succeeded';
};

export const runTryOn = async (
  ctx: SessionContext,
  userId: string,
  sessionId: string,
  wanted: SessionOutcome,
): Promise<SessionOutcome> => {
  const stream = tryOnStream(sessionId);
  const run = (command: TryOnCommand) => must(command.type, ctx.tryOn(stream, command));
  await run({ type: 'StartTryOn', sessionId, userId, occurredAt: ctx.clock.advance(30) });
  await run({ type: 'ProvideClothingImage', ...image(ctx, 'clothing', sessionId), occurredAt: ctx.clock.advance(20) });
  await run({
    type: 'ProvidePersonImage',
    ...image(ctx, 'person', sessionId),
    credits: ctx.prices.tryon,
    hasConsent: true,
    occurredAt: ctx.clock.advance(20),
  });
  const submitted = await holdOf(ctx.store, stream);
  const { hold } = submitted;
  if (
    !(await reserve(ctx, submitted, (reason) =>
      run({ type: 'RecordReservationRejected', reason, occurredAt: ctx.clock.now() }),
    ))
  )
    return 'no_credits';
  const outcome = await finish(ctx, hold, wanted, {
    started: (attempt) => run({ type: 'RecordProcessingStarted', attempt, occurredAt: ctx.clock.advance(1) }),
    succeeded: () =>
      run({
        type: 'RecordTryOnResult',
        resultImageKey: image(ctx, 'tryon_result', sessionId).imageKey,
        qualityScore: ctx.random.int(60, 98) / 100,
        ...receipt(ctx, 'tryon'),
        occurredAt: ctx.clock.now(),
      }),
    failed: (attempts) =>
      run({ type: 'RecordTryOnFailed', reason: 'provider_unreachable', attempts, occurredAt: ctx.clock.now() }),
    expire: () => run({ type: 'ExpireSession', occurredAt: ctx.clock.now() }),
  });
  if (outcome === 'succeeded') {
    await run({ type: 'RateResult', rating: ctx.random.int(3, 5), occurredAt: ctx.clock.advance(15) });
    await run({ type: 'BackToMenu', occurredAt: ctx.clock.advance(5) });
  }
  return outcome;
};

const STYLES = ['casual', 'classic', 'business', 'streetwear', 'minimalist'] as const;
const OCCASIONS = ['everyday', 'work', 'date', 'party'] as const;

export const runStyling = async (
  ctx: SessionContext,
  userId: string,
  sessionId: string,
  wanted: SessionOutcome,
): Promise<SessionOutcome> => {
  const stream = stylingStream(sessionId);
  const run = (command: StylistCommand) => must(command.type, ctx.stylist(stream, command));
  await run({ type: 'StartStyling', sessionId, userId, occurredAt: ctx.clock.advance(30) });
  await run({ type: 'ProvideStylePhoto', ...image(ctx, 'style_input', sessionId), occurredAt: ctx.clock.advance(20) });
  const preferences = {
    style: ctx.random.pick(STYLES),
    occasion: ctx.random.pick(OCCASIONS),
    budget: { currency: 'RUB' as const, minMinor: 100_000, maxMinor: 1_500_000 },
  };
  await run({
    type: 'SubmitPreferences',
    preferences,
    credits: ctx.prices.styling,
    hasConsent: true,
    occurredAt: ctx.clock.advance(20),
  });
  const submitted = await holdOf(ctx.store, stream);
  const { hold } = submitted;
  if (
    !(await reserve(ctx, submitted, (reason) =>
      run({ type: 'RecordReservationRejected', reason, occurredAt: ctx.clock.now() }),
    ))
  )
    return 'no_credits';
  const outcome = await finish(ctx, hold, wanted, {
    started: (attempt) => run({ type: 'RecordProcessingStarted', attempt, occurredAt: ctx.clock.advance(1) }),
    succeeded: () =>
      run({
        type: 'RecordStylingResult',
        occurredAt: ctx.clock.now(),
        ...receipt(ctx, 'styling'),
        profile: {
          summary: `A ${preferences.style} look for ${preferences.occasion}`,
          bodyType: 'rectangle',
          colorPalette: ['navy', 'cream'],
          styleKeywords: [preferences.style],
        },
        recommendations: [
          {
            title: 'Straight-leg jeans',
            category: 'bottom',
            query: 'straight leg jeans',
            reason: 'balances the silhouette',
            score: 0.9,
          },
        ],
      }),
    failed: (attempts) =>
      run({ type: 'RecordStylingFailed', reason: 'provider_rejected', attempts, occurredAt: ctx.clock.now() }),
    expire: () => run({ type: 'ExpireSession', occurredAt: ctx.clock.now() }),
  });
  if (outcome === 'succeeded') await run({ type: 'FinishStyling', occurredAt: ctx.clock.advance(60) });
  return outcome;
};
