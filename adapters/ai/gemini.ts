import { ApiError, GoogleGenAI, type GenerateContentResponse, type Part } from '@google/genai';
import { z } from 'zod';
import {
  MalformedResponse,
  ProviderRejected,
  ProviderUnreachable,
  type ProviderError,
} from '../../app/worker/aiErrors.js';
import { checkInputImage, MAX_OUTPUT_IMAGE_BYTES, sniffImageType } from './images.js';
import { costMicroUsd, type ModelPrice } from './pricing.js';
import { FIT_INSTRUCTIONS, STYLE_INSTRUCTIONS, stylePreferencesText, TRY_ON_PROMPT } from './prompts.js';
import { fitAssessmentSchema, geminiJsonSchema, styleAnalysisSchema, toFit, toStyle } from './schemas.js';
import {
  callProvider,
  classifyTransportError,
  isRetryableStatus,
  type CallContext,
  type RetryPolicy,
} from './transport.js';
import type {
  AiProvider,
  FitRequest,
  FitResult,
  ImageMimeType,
  StyleRequest,
  StyleResult,
  TokenUsage,
  TryOnRequest,
  TryOnResult,
} from '../../app/worker/aiPorts.js';

export interface GeminiSettings {
  apiKey: string;
  /** Unset: the SDK's default (https://generativelanguage.googleapis.com). */
  baseUrl?: string | undefined;
  imageModel: string;
  textModel: string;
  imageTimeoutMs: number;
  textTimeoutMs: number;
  retry: RetryPolicy;
  prices: Readonly<Record<string, ModelPrice>>;
}

/** One attempt per SDK call: `callProvider` decides what is retried (see transport.ts). */
const SDK_ATTEMPTS = 1;
const MAX_STYLE_OUTPUT_TOKENS = 8_000;
const MAX_FIT_OUTPUT_TOKENS = 4_000;

/** Finish and block reasons that mean "the safety system said no". */
const REFUSAL_REASONS = new Set([
  'SAFETY',
  'IMAGE_SAFETY',
  'IMAGE_PROHIBITED_CONTENT',
  'PROHIBITED_CONTENT',
  'BLOCKLIST',
  'SPII',
  'RECITATION',
  'MODEL_ARMOR',
]);

const googleErrorSchema = z.object({
  error: z
    .object({
      message: z.string(),
      status: z.string(),
      details: z.array(z.object({ reason: z.string() }).partial()),
    })
    .partial(),
});

const classifyGemini = (error: unknown, context: CallContext): ProviderError => {
  const details = { provider: context.provider, model: context.model, cause: error };
  if (error instanceof SyntaxError) {
    return new MalformedResponse('malformed_json', `gemini: unusable answer: ${error.message.slice(0, 200)}`, {
      ...details,
      status: 200,
    });
  }
  if (!(error instanceof ApiError)) return classifyTransportError(error, context);
  const { status } = error;
  let parsed: z.infer<typeof googleErrorSchema> | undefined;
  try {
    parsed = googleErrorSchema.parse(JSON.parse(error.message));
  } catch {
    parsed = undefined;
  }
  const message = `gemini ${status} ${parsed?.error.status ?? ''}: ${parsed?.error.message ?? error.message}`;
  const withStatus = { ...details, status };
  // A wrong key is a 400 INVALID_ARGUMENT at Google; the ErrorInfo reason says which.
  const keyInvalid = parsed?.error.details?.some((detail) => detail.reason === 'API_KEY_INVALID');
  if (status === 401 || status === 403 || keyInvalid) return new ProviderRejected('unauthorized', message, withStatus);
  if (isRetryableStatus(status)) {
    return new ProviderUnreachable(status >= 500 ? 'server_error' : 'rate_limited', message, withStatus);
  }
  return new ProviderRejected('invalid_request', message, withStatus);
};

const inline = (bytes: Buffer, mimeType: ImageMimeType): Part => ({
  inlineData: { mimeType, data: bytes.toString('base64') },
});

const usageOf = (response: GenerateContentResponse): TokenUsage => {
  const meta = response.usageMetadata;
  const imageTokens = (details: { modality?: string; tokenCount?: number }[] | undefined) =>
    (details ?? []).filter((d) => d.modality === 'IMAGE').reduce((sum, d) => sum + (d.tokenCount ?? 0), 0);
  return {
    inputTokens: meta?.promptTokenCount ?? 0,
    // Thinking tokens are billed as output.
    outputTokens: (meta?.candidatesTokenCount ?? 0) + (meta?.thoughtsTokenCount ?? 0),
    inputImageTokens: imageTokens(meta?.promptTokensDetails),
    outputImageTokens: imageTokens(meta?.candidatesTokensDetails),
  };
};

type MalformedCode = 'no_image' | 'invalid_image' | 'invalid_output' | 'malformed_json';

const fail = (code: MalformedCode, model: string, message: string) =>
  new MalformedResponse(code, `gemini: ${message}`, { provider: 'gemini', model, status: 200 });

const refused = (code: 'image_refused' | 'content_refused', model: string, reason: string) =>
  new ProviderRejected(code, `gemini refused: ${reason}`, { provider: 'gemini', model, status: 200 });

/** A refusal, said either before generation (promptFeedback) or at its end (finishReason). */
const refusalOf = (response: GenerateContentResponse): string | undefined => {
  const blocked = response.promptFeedback?.blockReason;
  if (blocked) return `prompt blocked: ${blocked}`;
  const reason = response.candidates?.[0]?.finishReason;
  return reason && REFUSAL_REASONS.has(reason) ? `finishReason ${reason}` : undefined;
};

/** The image of a try-on answer, or the reason it is unusable. */
const imageOfAnswer = (
  response: GenerateContentResponse,
  model: string,
): { image: Buffer; mimeType: ImageMimeType } => {
  const refusal = refusalOf(response);
  if (refusal) throw refused('image_refused', model, refusal);
  const parts = response.candidates?.[0]?.content?.parts ?? [];
  const data = parts.find((part) => part.inlineData?.data && !part.thought)?.inlineData?.data;
  if (!data) {
    const said = parts
      .map((part) => part.text ?? '')
      .join(' ')
      .trim()
      .slice(0, 200);
    throw fail('no_image', model, `answer has no image part${said ? `; model said: ${said}` : ''}`);
  }
  if ((data.length * 3) / 4 > MAX_OUTPUT_IMAGE_BYTES) throw fail('invalid_image', model, 'image too large');
  const image = Buffer.from(data, 'base64');
  const mimeType = sniffImageType(image);
  if (!mimeType) throw fail('invalid_image', model, 'inlineData is not a PNG/JPEG/WebP image');
  return { image, mimeType };
};

/** The structured object of a JSON answer, checked against `schema`, or the reason it is unusable. */
const structuredOfAnswer = <S extends z.ZodType>(
  schema: S,
  response: GenerateContentResponse,
  model: string,
): { parsed: z.infer<S>; usage: TokenUsage } => {
  const refusal = refusalOf(response);
  if (refusal) throw refused('content_refused', model, refusal);
  const candidate = response.candidates?.[0];
  if (candidate?.finishReason === 'MAX_TOKENS') throw fail('invalid_output', model, 'answer cut at MAX_TOKENS');
  const text = (candidate?.content?.parts ?? [])
    .filter((part) => typeof part.text === 'string' && !part.thought)
    .map((part) => part.text)
    .join('');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw fail('malformed_json', model, 'structured answer is not JSON');
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success)
    throw fail('invalid_output', model, `answer fails the schema: ${parsed.error.message.slice(0, 200)}`);
  return { parsed: parsed.data, usage: usageOf(response) };
};

/** The Gemini side of all three ports through `models.generateContent`. */
class GeminiProvider implements AiProvider {
  readonly name = 'gemini';
  readonly #client: GoogleGenAI;

  constructor(private readonly settings: GeminiSettings) {
    this.#client = new GoogleGenAI({
      apiKey: settings.apiKey,
      // Explicit: otherwise GOOGLE_GENAI_USE_VERTEXAI in the environment switches backends.
      vertexai: false,
      httpOptions: {
        ...(settings.baseUrl ? { baseUrl: settings.baseUrl } : {}),
        timeout: settings.textTimeoutMs,
        retryOptions: { attempts: SDK_ATTEMPTS },
      },
    });
  }

  async generate(request: TryOnRequest): Promise<TryOnResult> {
    const person = inline(request.personImage, checkInputImage('personImage', request.personImage));
    const garment = inline(request.garmentImage, checkInputImage('garmentImage', request.garmentImage));
    const model = this.settings.imageModel;
    const response = await this.#send(
      model,
      this.settings.imageTimeoutMs,
      request.signal,
      [person, garment, { text: TRY_ON_PROMPT }],
      { responseModalities: ['TEXT', 'IMAGE'] },
    );
    const { image, mimeType } = imageOfAnswer(response, model);
    return { image, mimeType, ...this.#receipt(model, usageOf(response)) };
  }

  async analyze(request: StyleRequest): Promise<StyleResult> {
    const type = checkInputImage('personImage', request.personImage);
    const { parsed, usage } = await this.#structured(
      styleAnalysisSchema,
      STYLE_INSTRUCTIONS,
      [inline(request.personImage, type), { text: stylePreferencesText(request.preferences) }],
      MAX_STYLE_OUTPUT_TOKENS,
      request.signal,
    );
    return { ...toStyle(parsed), ...this.#receipt(this.settings.textModel, usage) };
  }

  async assess(request: FitRequest): Promise<FitResult> {
    const parts = [inline(request.tryOnImage, checkInputImage('tryOnImage', request.tryOnImage))];
    if (request.garmentImage) {
      parts.push(inline(request.garmentImage, checkInputImage('garmentImage', request.garmentImage)));
    }
    parts.push({ text: 'Assess this try-on.' });
    const { parsed, usage } = await this.#structured(
      fitAssessmentSchema,
      FIT_INSTRUCTIONS,
      parts,
      MAX_FIT_OUTPUT_TOKENS,
      request.signal,
    );
    return { ...toFit(parsed), ...this.#receipt(this.settings.textModel, usage) };
  }

  #receipt(model: string, usage: TokenUsage) {
    const price = this.settings.prices[model];
    if (!price) throw new Error(`no price for model ${model}: aiConfigSchema should have refused it`);
    return { provider: 'gemini' as const, model, usage, costMicroUsd: costMicroUsd(price, usage) };
  }

  #send(
    model: string,
    timeoutMs: number,
    signal: AbortSignal | undefined,
    parts: Part[],
    config: Record<string, unknown>,
  ): Promise<GenerateContentResponse> {
    return callProvider(
      {
        provider: 'gemini',
        model,
        timeoutMs,
        retry: this.settings.retry,
        callerSignal: signal,
        classify: classifyGemini,
      },
      (attemptSignal) =>
        this.#client.models.generateContent({
          model,
          contents: [{ role: 'user', parts }],
          config: { ...config, abortSignal: attemptSignal, httpOptions: { timeout: timeoutMs } },
        }),
    );
  }

  /** Runs a structured JSON call and returns the parsed object and usage. */
  async #structured<S extends z.ZodType>(
    schema: S,
    instructions: string,
    parts: Part[],
    maxOutputTokens: number,
    signal: AbortSignal | undefined,
  ): Promise<{ parsed: z.infer<S>; usage: TokenUsage }> {
    const model = this.settings.textModel;
    const response = await this.#send(model, this.settings.textTimeoutMs, signal, parts, {
      systemInstruction: instructions,
      responseMimeType: 'application/json',
      responseJsonSchema: geminiJsonSchema(schema),
      maxOutputTokens,
    });
    return structuredOfAnswer(schema, response, model);
  }
}

/** Builds the Gemini side of all three ports through `models.generateContent`. */
export const createGeminiProvider = (settings: GeminiSettings): AiProvider => new GeminiProvider(settings);
