import type { TokenUsage } from '../../app/worker/aiPorts.js';

/**
 * Prices in integer micro-USD per one million tokens (USD 1 / 1M tokens = 1_000_000 here), so
 * cost arithmetic never touches a float. `inputImage`/`outputImage` price the image part of the
 * usage; the rest of the tokens are priced as text.
 */
export interface ModelPrice {
  inputText: number;
  inputImage: number;
  outputText: number;
  outputImage: number;
}

const USD_PER_MILLION = 1_000_000;
const usd = (dollarsPerMillionTokens: number): number => Math.round(dollarsPerMillionTokens * USD_PER_MILLION);

/**
 * ESTIMATES, copied by hand from the providers' public price pages (standard tier, no batch or
 * cache discounts, prompts under 200k tokens). They are for our own cost accounting and
 * alerting, never for what a user pays (users pay credits). Re-check when a model changes;
 * `aiConfigSchema` refuses a configured model that has no row here, so a new model cannot
 * silently cost 0.
 */
export const MODEL_PRICES_MICRO_USD_PER_MILLION_TOKENS: Readonly<Record<string, ModelPrice>> = {
  'gpt-image-1': { inputText: usd(5), inputImage: usd(10), outputText: usd(40), outputImage: usd(40) },
  'gpt-image-1.5': { inputText: usd(5), inputImage: usd(8), outputText: usd(10), outputImage: usd(32) },
  'gpt-image-1-mini': { inputText: usd(2), inputImage: usd(2.5), outputText: usd(8), outputImage: usd(8) },
  'gpt-4.1-mini': { inputText: usd(0.4), inputImage: usd(0.4), outputText: usd(1.6), outputImage: usd(1.6) },
  'gpt-5-mini': { inputText: usd(0.25), inputImage: usd(0.25), outputText: usd(2), outputImage: usd(2) },
  'gemini-2.5-flash': { inputText: usd(0.3), inputImage: usd(0.3), outputText: usd(2.5), outputImage: usd(2.5) },
  'gemini-2.5-flash-image': { inputText: usd(0.3), inputImage: usd(0.3), outputText: usd(2.5), outputImage: usd(30) },
  'gemini-3.1-flash-image': { inputText: usd(0.5), inputImage: usd(0.5), outputText: usd(3), outputImage: usd(60) },
};

const TOKENS_PER_PRICE_UNIT = 1_000_000;

/** tokens × price / 1M, rounded up: an estimate of what we owe should not undercount. */
const priced = (tokens: number, microUsdPerMillion: number): number =>
  Math.ceil((Math.max(0, tokens) * microUsdPerMillion) / TOKENS_PER_PRICE_UNIT);

/** Estimated cost of one call in integer micro-USD. */
export const costMicroUsd = (price: ModelPrice, usage: TokenUsage): number => {
  const inputImage = Math.min(usage.inputImageTokens, usage.inputTokens);
  const outputImage = Math.min(usage.outputImageTokens, usage.outputTokens);
  return (
    priced(usage.inputTokens - inputImage, price.inputText) +
    priced(inputImage, price.inputImage) +
    priced(usage.outputTokens - outputImage, price.outputText) +
    priced(outputImage, price.outputImage)
  );
};

export const ZERO_USAGE: TokenUsage = {
  inputTokens: 0,
  outputTokens: 0,
  inputImageTokens: 0,
  outputImageTokens: 0,
};
