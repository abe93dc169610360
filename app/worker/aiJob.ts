import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import {
  keyFor,
  type AiReceipt,
  type ImageInput,
  type StylePreferences,
  type StylistCommand,
  type StylistSession,
  type TryOnCommand,
  type TryOnSession,
} from '../../core/sessions/index.js';
import { ImageNotFound } from '../sessions/imageStore.js';
import { AllProvidersFailed, InvalidAiInput, OutcomeUnknown, ProviderError } from './aiErrors.js';
import type { CallReceipt, StylePreferences as AiStylePreferences, TokenUsage } from './aiPorts.js';
import type { WorkerAi, WorkerImages } from './types.js';

/**
 * One AI attempt for a session: read its inputs, call the provider chain, store what it made,
 * and say how it went in the terms the orchestration acts on:
 * - result: the command that records it on the session;
 * - failed: the AI said no or gave nothing usable; nothing more to wait for, release the hold;
 * - unknown: the request went out and we lost sight of it (it may have been made and billed):
 *   keep the hold and try again while it lasts.
 * Anything else (the store is down, a bug) is thrown: the job retries later.
 */

type TryOnResultCommand = Extract<TryOnCommand, { type: 'RecordTryOnResult' }>;
type StylingResultCommand = Extract<StylistCommand, { type: 'RecordStylingResult' }>;

export type AiAttempt =
  | { kind: 'result'; command: Omit<TryOnResultCommand, 'occurredAt'> | Omit<StylingResultCommand, 'occurredAt'> }
  | { kind: 'failed'; reason: string }
  | { kind: 'unknown'; reason: string };

/** Quality scores are kept with two decimals (`virtual_tryons.quality_score DECIMAL(3,2)`). */
const scoreOf = (value: number): number => Math.min(1, Math.max(0, Math.round(value * 100) / 100));

const sumUsage = (a: TokenUsage, b: TokenUsage): TokenUsage => ({
  inputTokens: a.inputTokens + b.inputTokens,
  outputTokens: a.outputTokens + b.outputTokens,
  inputImageTokens: a.inputImageTokens + b.inputImageTokens,
  outputImageTokens: a.outputImageTokens + b.outputImageTokens,
});

const receiptOf = (main: CallReceipt, startedMs: number, extra?: CallReceipt): AiReceipt => ({
  provider: main.provider,
  model: main.model,
  usage: extra ? sumUsage(main.usage, extra.usage) : { ...main.usage },
  costMicroUsd: main.costMicroUsd + (extra?.costMicroUsd ?? 0),
  processingMs: Math.max(0, Math.round(performance.now() - startedMs)),
});

/** The stylist prompt takes the budget as words; the session keeps it in minor units. */
export const aiPreferencesOf = (p: StylePreferences): AiStylePreferences => ({
  style: p.style,
  occasion: p.occasion,
  budget: `${p.budget.minMinor / 100}-${p.budget.maxMinor / 100} ${p.budget.currency}`,
});

const bytesOf = async (images: WorkerImages, input: ImageInput): Promise<Buffer> =>
  Buffer.from((await images.get(input.imageKey)).bytes);

const tryOn = async (s: TryOnSession, ai: WorkerAi, images: WorkerImages, signal: AbortSignal): Promise<AiAttempt> => {
  if (!s.clothing || !s.person) return { kind: 'failed', reason: 'inputs_missing' };
  const [garment, person] = await Promise.all([bytesOf(images, s.clothing), bytesOf(images, s.person)]);
  const startedMs = performance.now();
  const made = await ai.generate({
    personImage: person,
    garmentImage: garment,
    sessionId: s.sessionId,
    signal,
    mimeTypes: { person: s.person.mimeType, garment: s.clothing.mimeType },
  });
  const contentHash = createHash('sha256').update(made.image).digest('hex');
  const resultImageKey = keyFor({ kind: 'tryon_result', sessionId: s.sessionId, contentHash, mimeType: made.mimeType });
  await images.put(resultImageKey, made.image, made.mimeType);
  const fit = await ai.assess({
    tryOnImage: made.image,
    tryOnMimeType: made.mimeType,
    garmentImage: garment,
    garmentMimeType: s.clothing.mimeType,
    signal,
  });
  return {
    kind: 'result',
    command: {
      type: 'RecordTryOnResult',
      resultImageKey,
      qualityScore: scoreOf(fit.qualityScore),
      ...receiptOf(made, startedMs, fit),
    },
  };
};

const styling = async (
  s: StylistSession,
  ai: WorkerAi,
  images: WorkerImages,
  signal: AbortSignal,
): Promise<AiAttempt> => {
  if (!s.photo || !s.preferences) return { kind: 'failed', reason: 'inputs_missing' };
  const photo = await bytesOf(images, s.photo);
  const startedMs = performance.now();
  const styled = await ai.analyze({
    personImage: photo,
    mimeType: s.photo.mimeType,
    preferences: aiPreferencesOf(s.preferences),
    sessionId: s.sessionId,
    signal,
  });
  return {
    kind: 'result',
    command: {
      type: 'RecordStylingResult',
      profile: styled.profile,
      recommendations: styled.recommendations,
      ...receiptOf(styled, startedMs),
    },
  };
};

/** What an AI or input failure means for the hold; undefined for anything else (rethrown). */
export const classifyAiError = (error: unknown): AiAttempt | undefined => {
  if (error instanceof OutcomeUnknown) return { kind: 'unknown', reason: error.code };
  if (error instanceof AllProvidersFailed) {
    const last = error.attempts[error.attempts.length - 1];
    return error.mayHaveBilled
      ? { kind: 'unknown', reason: 'outcome_unknown' }
      : { kind: 'failed', reason: last?.code ?? error.code };
  }
  if (error instanceof ProviderError) return { kind: 'failed', reason: error.code };
  if (error instanceof InvalidAiInput) return { kind: 'failed', reason: error.code };
  if (error instanceof ImageNotFound) return { kind: 'failed', reason: 'input_missing' };
  return undefined;
};

/** Runs the session's AI work once. */
export const runAiAttempt = async (
  session: { kind: 'tryon'; state: TryOnSession } | { kind: 'styling'; state: StylistSession },
  ai: WorkerAi,
  images: WorkerImages,
  signal: AbortSignal,
): Promise<AiAttempt> => {
  try {
    return session.kind === 'tryon'
      ? await tryOn(session.state, ai, images, signal)
      : await styling(session.state, ai, images, signal);
  } catch (error) {
    const classified = classifyAiError(error);
    if (classified) return classified;
    throw error;
  }
};
