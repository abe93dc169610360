import OpenAI, { APIError, toFile } from 'openai';
import { zodTextFormat } from 'openai/helpers/zod';
import type { ResponseInputContent } from 'openai/resources/responses/responses';
import { z } from 'zod';
import {
  MalformedResponse,
  ProviderRejected,
  ProviderUnreachable,
  type ProviderError,
} from '../../app/worker/aiErrors.js';
import { checkInputImage, dataUrl, extensionOf, MAX_OUTPUT_IMAGE_BYTES, sniffImageType } from './images.js';
import { costMicroUsd, type ModelPrice } from './pricing.js';
import { FIT_INSTRUCTIONS, STYLE_INSTRUCTIONS, stylePreferencesText, TRY_ON_PROMPT } from './prompts.js';
import { fitAssessmentSchema, styleAnalysisSchema, toFit, toStyle } from './schemas.js';
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

export interface OpenAiSettings {
  apiKey: string;
  /** Unset: the SDK's default (https://api.openai.com/v1). */
  baseUrl?: string | undefined;
  imageModel: string;
  textModel: string;
  imageTimeoutMs: number;
  textTimeoutMs: number;
  imageQuality: 'low' | 'medium' | 'high' | 'auto';
  retry: RetryPolicy;
  prices: Readonly<Record<string, ModelPrice>>;
}

/**
 * The SDK's own retries are off: it retries timeouts too, which for an image edit can generate
 * and bill a second image (see transport.ts). `callProvider` retries what is safe to retry.
 */
const SDK_MAX_RETRIES = 0;
/** Output ceilings for the structured calls; a stylist answer is ~1.5k tokens. */
const MAX_STYLE_OUTPUT_TOKENS = 4_000;
const MAX_FIT_OUTPUT_TOKENS = 1_000;

/** The SDK docs: input_fidelity is "unsupported for gpt-image-1-mini" (a 400 if sent). */
const MODELS_WITHOUT_INPUT_FIDELITY = new Set(['gpt-image-1-mini']);

const count = z.number().int().nonnegative().max(100_000_000);
const imagesResponseSchema = z.object({
  data: z.array(z.object({ b64_json: z.string().nullish() })).optional(),
  usage: z
    .object({
      input_tokens: count,
      output_tokens: count,
      input_tokens_details: z.object({ image_tokens: count }).partial().optional(),
      output_tokens_details: z.object({ image_tokens: count, text_tokens: count }).partial().optional(),
    })
    .optional(),
});
const responsesUsageSchema = z.object({ input_tokens: count, output_tokens: count }).nullish();

const MODERATION_CODES = new Set(['moderation_blocked', 'content_policy_violation']);

/** Maps what the OpenAI SDK threw to a failure domain. */
const classifyOpenAi =
  (refusalCode: 'image_refused' | 'content_refused') =>
  (error: unknown, context: CallContext): ProviderError => {
    const details = { provider: context.provider, model: context.model, cause: error };
    if (error instanceof SyntaxError || error instanceof z.ZodError) {
      return new MalformedResponse(
        error instanceof SyntaxError ? 'malformed_json' : 'invalid_output',
        `openai: unusable answer: ${error.message.slice(0, 200)}`,
        // The SDK only parses bodies of 2xx answers.
        { ...details, status: 200 },
      );
    }
    if (!(error instanceof APIError) || error.status === undefined) {
      return classifyTransportError(error, context);
    }
    const { status } = error;
    const withStatus = { ...details, status };
    const message = `openai: ${error.message}`;
    const code = typeof error.code === 'string' ? error.code : '';
    if (MODERATION_CODES.has(code)) return new ProviderRejected(refusalCode, message, withStatus);
    if (status === 401 || status === 403) return new ProviderRejected('unauthorized', message, withStatus);
    if (status === 429 && code === 'insufficient_quota') {
      return new ProviderRejected('quota_exceeded', message, withStatus);
    }
    if (isRetryableStatus(status)) {
      return new ProviderUnreachable(status >= 500 ? 'server_error' : 'rate_limited', message, withStatus);
    }
    return new ProviderRejected('invalid_request', message, withStatus);
  };

type MalformedCode = 'malformed_json' | 'invalid_output' | 'no_image' | 'invalid_image';

const malformed = (code: MalformedCode, model: string, message: string) =>
  new MalformedResponse(code, `openai: ${message}`, { provider: 'openai', model, status: 200 });

/** What an images.edit answer carries, or the reason it is unusable. */
const imageOfAnswer = (raw: unknown, model: string): { image: Buffer; mimeType: ImageMimeType; usage: TokenUsage } => {
  const body = imagesResponseSchema.safeParse(raw);
  if (!body.success) throw malformed('malformed_json', model, 'images answer is not the expected JSON');
  const b64 = body.data.data?.[0]?.b64_json;
  if (!b64) throw malformed('no_image', model, 'images answer has no b64_json image');
  if ((b64.length * 3) / 4 > MAX_OUTPUT_IMAGE_BYTES) throw malformed('invalid_image', model, 'image too large');
  const image = Buffer.from(b64, 'base64');
  const mimeType = sniffImageType(image);
  if (!mimeType) throw malformed('invalid_image', model, 'b64_json is not a PNG/JPEG/WebP image');
  const u = body.data.usage;
  const outputImageTokens =
    u?.output_tokens_details?.image_tokens ?? (u ? u.output_tokens - (u.output_tokens_details?.text_tokens ?? 0) : 0);
  const usage: TokenUsage = {
    inputTokens: u?.input_tokens ?? 0,
    outputTokens: u?.output_tokens ?? 0,
    inputImageTokens: u?.input_tokens_details?.image_tokens ?? 0,
    outputImageTokens,
  };
  return { image, mimeType, usage };
};

type ParsedResponse = Awaited<ReturnType<OpenAI['responses']['parse']>>;

/** The structured object and usage of a Responses answer, or the reason it is unusable. */
const structuredOfAnswer = <T>(response: ParsedResponse, model: string): { parsed: T; usage: TokenUsage } => {
  const refusal = response.output
    .flatMap((item) => (item.type === 'message' ? item.content : []))
    .find((part) => part.type === 'refusal');
  if (refusal) {
    throw new ProviderRejected('content_refused', `openai refused: ${refusal.refusal.slice(0, 200)}`, {
      provider: 'openai',
      model,
      status: 200,
    });
  }
  if (response.status === 'incomplete') {
    throw malformed('invalid_output', model, `incomplete answer (${response.incomplete_details?.reason ?? 'unknown'})`);
  }
  const parsed = response.output_parsed as T | null;
  if (parsed === null) throw malformed('invalid_output', model, 'no structured output in the answer');
  const usage = responsesUsageSchema.safeParse(response.usage);
  const tokens = usage.success && usage.data ? usage.data : { input_tokens: 0, output_tokens: 0 };
  return {
    parsed,
    usage: {
      inputTokens: tokens.input_tokens,
      outputTokens: tokens.output_tokens,
      inputImageTokens: 0,
      outputImageTokens: 0,
    },
  };
};

/** The OpenAI side of all three ports: gpt-image edits and Responses structured output. */
class OpenAiProvider implements AiProvider {
  readonly name = 'openai';
  readonly #client: OpenAI;

  constructor(private readonly settings: OpenAiSettings) {
    this.#client = new OpenAI({
      apiKey: settings.apiKey,
      baseURL: settings.baseUrl ?? null,
      timeout: settings.textTimeoutMs,
      maxRetries: SDK_MAX_RETRIES,
    });
  }

  async generate(request: TryOnRequest): Promise<TryOnResult> {
    const personType = checkInputImage('personImage', request.personImage);
    const garmentType = checkInputImage('garmentImage', request.garmentImage);
    const model = this.settings.imageModel;
    const images = [
      await toFile(request.personImage, `person.${extensionOf(personType)}`, { type: personType }),
      await toFile(request.garmentImage, `garment.${extensionOf(garmentType)}`, { type: garmentType }),
    ];
    const timeout = this.settings.imageTimeoutMs;
    const raw: unknown = await this.#call(model, timeout, request.signal, 'image_refused', (signal) =>
      this.#client.images.edit(
        {
          model,
          image: images,
          prompt: TRY_ON_PROMPT,
          // Keeps the face and the garment's details; the default `low` drifts.
          ...(MODELS_WITHOUT_INPUT_FIDELITY.has(model) ? {} : { input_fidelity: 'high' as const }),
          quality: this.settings.imageQuality,
          output_format: 'png',
          n: 1,
          user: request.sessionId,
        },
        { signal, timeout },
      ),
    );
    const { image, mimeType, usage } = imageOfAnswer(raw, model);
    return { image, mimeType, ...this.#receipt(model, usage) };
  }

  async analyze(request: StyleRequest): Promise<StyleResult> {
    const type = checkInputImage('personImage', request.personImage);
    const { parsed, usage } = await this.#structured(
      styleAnalysisSchema,
      'style_analysis',
      STYLE_INSTRUCTIONS,
      [
        { type: 'input_text', text: stylePreferencesText(request.preferences) },
        { type: 'input_image', image_url: dataUrl(request.personImage, type), detail: 'auto' },
      ],
      MAX_STYLE_OUTPUT_TOKENS,
      request.signal,
      request.sessionId,
    );
    return { ...toStyle(parsed), ...this.#receipt(this.settings.textModel, usage) };
  }

  async assess(request: FitRequest): Promise<FitResult> {
    const tryOnType = checkInputImage('tryOnImage', request.tryOnImage);
    const content: ResponseInputContent[] = [
      { type: 'input_image', image_url: dataUrl(request.tryOnImage, tryOnType), detail: 'auto' },
    ];
    if (request.garmentImage) {
      const type = checkInputImage('garmentImage', request.garmentImage);
      content.push({ type: 'input_image', image_url: dataUrl(request.garmentImage, type), detail: 'auto' });
    }
    const { parsed, usage } = await this.#structured(
      fitAssessmentSchema,
      'fit_assessment',
      FIT_INSTRUCTIONS,
      content,
      MAX_FIT_OUTPUT_TOKENS,
      request.signal,
    );
    return { ...toFit(parsed), ...this.#receipt(this.settings.textModel, usage) };
  }

  #receipt(model: string, usage: TokenUsage) {
    const price = this.settings.prices[model];
    if (!price) throw new Error(`no price for model ${model}: aiConfigSchema should have refused it`);
    return { provider: 'openai' as const, model, usage, costMicroUsd: costMicroUsd(price, usage) };
  }

  #call<T>(
    model: string,
    timeoutMs: number,
    signal: AbortSignal | undefined,
    refusalCode: 'image_refused' | 'content_refused',
    send: (signal: AbortSignal) => Promise<T>,
  ): Promise<T> {
    return callProvider(
      {
        provider: 'openai',
        model,
        timeoutMs,
        retry: this.settings.retry,
        callerSignal: signal,
        classify: classifyOpenAi(refusalCode),
      },
      send,
    );
  }

  /** Runs a Responses call with structured output and returns the parsed object and usage. */
  async #structured<S extends z.ZodType>(
    schema: S,
    name: string,
    instructions: string,
    content: ResponseInputContent[],
    maxOutputTokens: number,
    signal: AbortSignal | undefined,
    safetyId?: string,
  ): Promise<{ parsed: z.infer<S>; usage: TokenUsage }> {
    const model = this.settings.textModel;
    const timeout = this.settings.textTimeoutMs;
    const response = await this.#call(model, timeout, signal, 'content_refused', (s) =>
      this.#client.responses.parse(
        {
          model,
          instructions,
          input: [{ role: 'user', content }],
          text: { format: zodTextFormat(schema, name) },
          max_output_tokens: maxOutputTokens,
          // Photos of people: nothing kept at OpenAI beyond what abuse monitoring needs.
          store: false,
          ...(safetyId ? { safety_identifier: safetyId } : {}),
        },
        { signal: s, timeout },
      ),
    );
    return structuredOfAnswer<z.infer<S>>(response as ParsedResponse, model);
  }
}

/** Builds the OpenAI side of all three ports: gpt-image edits and Responses structured output. */
export const createOpenAiProvider = (settings: OpenAiSettings): AiProvider => new OpenAiProvider(settings);
