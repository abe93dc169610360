import { z } from 'zod';
import { withFallback, type AiChain, type FallbackOptions } from './fallback.js';
import { createGeminiProvider } from './gemini.js';
import { createOpenAiProvider } from './openai.js';
import { MODEL_PRICES_MICRO_USD_PER_MILLION_TOKENS } from './pricing.js';
import { MAX_RETRIES_LIMIT } from './transport.js';
import type { AiProvider, ProviderName } from '../../app/worker/aiPorts.js';

/** Defaults, each a named limit: every wait and retry has a bound. An image edit takes 20–120 s. */
export const DEFAULT_IMAGE_TIMEOUT_MS = 180_000;
export const DEFAULT_TEXT_TIMEOUT_MS = 60_000;
/** Never wait longer than the openai SDK's own 10-minute default, whatever is configured. */
export const MAX_TIMEOUT_MS = 600_000;
export const MIN_TIMEOUT_MS = 100;
export const DEFAULT_MAX_RETRIES = 2;
export const DEFAULT_RETRY_BASE_DELAY_MS = 500;
export const DEFAULT_RETRY_MAX_DELAY_MS = 8_000;
export const MAX_RETRY_DELAY_MS = 60_000;
export const DEFAULT_PROVIDER_ORDER: readonly ProviderName[] = ['openai', 'gemini'];

export const DEFAULT_MODELS = {
  openai: { image: 'gpt-image-1.5', text: 'gpt-4.1-mini' },
  gemini: { image: 'gemini-3.1-flash-image', text: 'gemini-2.5-flash' },
} as const;

const ms = (fallback: number) => z.coerce.number().int().min(MIN_TIMEOUT_MS).max(MAX_TIMEOUT_MS).default(fallback);
const key = z.string().min(1).optional();
const url = z.url({ protocol: /^https?$/ }).optional();
const price = z.object({
  inputText: z.number().int().nonnegative(),
  inputImage: z.number().int().nonnegative(),
  outputText: z.number().int().nonnegative(),
  outputImage: z.number().int().nonnegative(),
});

/** The AI section of the app's configuration. A provider without an API key is off. */
export const aiConfigSchema = z
  .object({
    providerOrder: z
      .array(z.enum(['openai', 'gemini']))
      .min(1)
      .default([...DEFAULT_PROVIDER_ORDER])
      .refine((order) => new Set(order).size === order.length, 'a provider is listed twice'),
    fallbackOnOutcomeUnknown: z.boolean().default(false),
    imageTimeoutMs: ms(DEFAULT_IMAGE_TIMEOUT_MS),
    textTimeoutMs: ms(DEFAULT_TEXT_TIMEOUT_MS),
    retry: z
      .object({
        maxRetries: z.coerce.number().int().min(0).max(MAX_RETRIES_LIMIT).default(DEFAULT_MAX_RETRIES),
        baseDelayMs: z.coerce.number().int().min(0).max(MAX_RETRY_DELAY_MS).default(DEFAULT_RETRY_BASE_DELAY_MS),
        maxDelayMs: z.coerce.number().int().min(0).max(MAX_RETRY_DELAY_MS).default(DEFAULT_RETRY_MAX_DELAY_MS),
      })
      .prefault({}),
    openai: z
      .object({
        apiKey: key,
        baseUrl: url,
        imageModel: z.string().min(1).default(DEFAULT_MODELS.openai.image),
        textModel: z.string().min(1).default(DEFAULT_MODELS.openai.text),
        imageQuality: z.enum(['low', 'medium', 'high', 'auto']).default('medium'),
      })
      .prefault({}),
    gemini: z
      .object({
        apiKey: key,
        baseUrl: url,
        imageModel: z.string().min(1).default(DEFAULT_MODELS.gemini.image),
        textModel: z.string().min(1).default(DEFAULT_MODELS.gemini.text),
      })
      .prefault({}),
    /** Micro-USD per million tokens; see pricing.ts. The lead's config may override rows. */
    prices: z.record(z.string(), price).default({ ...MODEL_PRICES_MICRO_USD_PER_MILLION_TOKENS }),
  })
  .superRefine((config, ctx) => {
    for (const provider of ['openai', 'gemini'] as const) {
      const section = config[provider];
      if (!section.apiKey) continue;
      for (const model of [section.imageModel, section.textModel]) {
        if (!config.prices[model]) {
          ctx.addIssue({
            code: 'custom',
            path: [provider],
            message: `no price for model ${model}: add it to the price table (pricing.ts)`,
          });
        }
      }
    }
  });

export type AiConfig = z.infer<typeof aiConfigSchema>;
export type Env = Readonly<Record<string, string | undefined>>;

const set = (value: string | undefined): string | undefined => (value?.trim() ? value.trim() : undefined);

/**
 * Reads the AI section from the environment. Names: OPENAI_API_KEY, OPENAI_BASE_URL,
 * OPENAI_IMAGE_MODEL, OPENAI_TEXT_MODEL, OPENAI_IMAGE_QUALITY, GEMINI_API_KEY, GEMINI_BASE_URL,
 * GEMINI_IMAGE_MODEL, GEMINI_TEXT_MODEL, AI_PROVIDER_ORDER (e.g. `gemini,openai`),
 * AI_IMAGE_TIMEOUT_MS, AI_TEXT_TIMEOUT_MS, AI_MAX_RETRIES, AI_RETRY_BASE_DELAY_MS,
 * AI_RETRY_MAX_DELAY_MS, AI_FALLBACK_ON_OUTCOME_UNKNOWN (`true`/`false`). Empty means unset.
 * Throws with every problem listed when a value is invalid.
 */
export const aiConfigFromEnv = (env: Env): AiConfig => {
  const order = set(env.AI_PROVIDER_ORDER);
  const flag = set(env.AI_FALLBACK_ON_OUTCOME_UNKNOWN)?.toLowerCase();
  const raw = {
    providerOrder: order
      ?.split(',')
      .map((name) => name.trim().toLowerCase())
      .filter(Boolean),
    fallbackOnOutcomeUnknown: flag === undefined ? undefined : flag === 'true' ? true : flag === 'false' ? false : flag,
    imageTimeoutMs: set(env.AI_IMAGE_TIMEOUT_MS),
    textTimeoutMs: set(env.AI_TEXT_TIMEOUT_MS),
    retry: {
      maxRetries: set(env.AI_MAX_RETRIES),
      baseDelayMs: set(env.AI_RETRY_BASE_DELAY_MS),
      maxDelayMs: set(env.AI_RETRY_MAX_DELAY_MS),
    },
    openai: {
      apiKey: set(env.OPENAI_API_KEY),
      baseUrl: set(env.OPENAI_BASE_URL),
      imageModel: set(env.OPENAI_IMAGE_MODEL),
      textModel: set(env.OPENAI_TEXT_MODEL),
      imageQuality: set(env.OPENAI_IMAGE_QUALITY),
    },
    gemini: {
      apiKey: set(env.GEMINI_API_KEY),
      baseUrl: set(env.GEMINI_BASE_URL),
      imageModel: set(env.GEMINI_IMAGE_MODEL),
      textModel: set(env.GEMINI_TEXT_MODEL),
    },
  };
  const parsed = aiConfigSchema.safeParse(raw);
  if (!parsed.success) throw new Error(`invalid AI configuration:\n${z.prettifyError(parsed.error)}`);
  return parsed.data;
};

export type AiSetup =
  | { status: 'on'; chain: AiChain; providers: ProviderName[]; off: ProviderOff[] }
  | { status: 'off'; reason: string; off: ProviderOff[] };
export interface ProviderOff {
  provider: ProviderName;
  reason: string;
}

/**
 * Builds the provider chain in the configured order, skipping providers without a key. With none
 * left the AI features are off, and `reason` says so for /health and the start-up log.
 */
export const createAiProviders = (
  config: AiConfig,
  options: Pick<FallbackOptions, 'onProviderFailed'> = {},
): AiSetup => {
  const providers: AiProvider[] = [];
  const off: ProviderOff[] = [];
  const common = {
    imageTimeoutMs: config.imageTimeoutMs,
    textTimeoutMs: config.textTimeoutMs,
    retry: config.retry,
    prices: config.prices,
  };
  for (const name of config.providerOrder) {
    const section = config[name];
    if (!section.apiKey) {
      off.push({ provider: name, reason: `${name === 'openai' ? 'OPENAI' : 'GEMINI'}_API_KEY not set` });
      continue;
    }
    providers.push(
      name === 'openai'
        ? createOpenAiProvider({ ...common, ...config.openai, apiKey: section.apiKey })
        : createGeminiProvider({ ...common, ...config.gemini, apiKey: section.apiKey }),
    );
  }
  for (const name of ['openai', 'gemini'] as const) {
    if (!config.providerOrder.includes(name)) off.push({ provider: name, reason: 'not in AI_PROVIDER_ORDER' });
  }
  if (providers.length === 0) return { status: 'off', reason: 'AI off: no provider configured', off };
  const chain = withFallback(providers, { ...options, fallbackOnOutcomeUnknown: config.fallbackOnOutcomeUnknown });
  return { status: 'on', chain, providers: providers.map((provider) => provider.name), off };
};
