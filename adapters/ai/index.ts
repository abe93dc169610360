export type {
  AiProvider,
  CallReceipt,
  FitAssessor,
  FitRequest,
  FitResult,
  GarmentCategory,
  ImageMimeType,
  ProviderName,
  Recommendation,
  StyleAnalyzer,
  StylePreferences,
  StyleProfile,
  StyleRequest,
  StyleResult,
  TokenUsage,
  TryOnGenerator,
  TryOnRequest,
  TryOnResult,
} from '../../app/worker/aiPorts.js';
export {
  AI_ERROR_CODES,
  AllProvidersFailed,
  InvalidAiInput,
  MalformedResponse,
  OutcomeUnknown,
  ProviderError,
  ProviderRejected,
  ProviderUnreachable,
  errorDomain,
  type AiErrorCode,
} from '../../app/worker/aiErrors.js';
export {
  aiConfigFromEnv,
  aiConfigSchema,
  createAiProviders,
  type AiConfig,
  type AiSetup,
  type ProviderOff,
} from './config.js';
export { withFallback, type AiChain, type FallbackOptions, type Operation } from './fallback.js';
export { createOpenAiProvider, type OpenAiSettings } from './openai.js';
export { createGeminiProvider, type GeminiSettings } from './gemini.js';
export { costMicroUsd, MODEL_PRICES_MICRO_USD_PER_MILLION_TOKENS, type ModelPrice } from './pricing.js';
export { MAX_INPUT_IMAGE_BYTES, MAX_OUTPUT_IMAGE_BYTES } from './images.js';
export type { RetryPolicy } from './transport.js';
