import { aiConfigFromEnv } from '../../adapters/ai/config.js';
import { createGeminiProvider } from '../../adapters/ai/gemini.js';
import { createOpenAiProvider } from '../../adapters/ai/openai.js';
import type { AiProvider, TryOnRequest } from '../../app/worker/aiPorts.js';
import { fakeAiEnv } from './aiEnv.js';
import type { AiFakeServer } from './aiServer.js';
import { GARMENT_PNG, PERSON_PNG } from './png.js';

/** Test timeouts: long enough for a loaded CI box to answer, short enough to wait out. */
export const FAKE_TIMEOUT_MS = 200;

/**
 * The real OpenAI and Gemini providers, pointed at the fake server, with the configuration
 * `aiConfigFromEnv` makes from `fakeAiEnv` (+ `env`).
 */
export const fakeProviders = (
  server: AiFakeServer,
  env: Record<string, string | undefined> = {},
): { openai: AiProvider; gemini: AiProvider } => {
  const config = aiConfigFromEnv(fakeAiEnv(server, env));
  const common = {
    imageTimeoutMs: config.imageTimeoutMs,
    textTimeoutMs: config.textTimeoutMs,
    retry: config.retry,
    prices: config.prices,
  };
  return {
    openai: createOpenAiProvider({ ...common, ...config.openai, apiKey: config.openai.apiKey ?? '' }),
    gemini: createGeminiProvider({ ...common, ...config.gemini, apiKey: config.gemini.apiKey ?? '' }),
  };
};

export const tryOnRequest = (overrides: Partial<TryOnRequest> = {}): TryOnRequest => ({
  personImage: PERSON_PNG,
  garmentImage: GARMENT_PNG,
  mimeTypes: { person: 'image/png', garment: 'image/png' },
  sessionId: 'tryon-session-1',
  ...overrides,
});

/** What a rejected promise rejected with; fails if it resolved. */
export const failure = async (promise: Promise<unknown>): Promise<unknown> => {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail, it succeeded');
};

/** Reads `value[k1][k2]…` from parsed JSON without casting to any; undefined when absent. */
export const dig = (value: unknown, ...path: (string | number)[]): unknown =>
  path.reduce<unknown>(
    (current, key) =>
      current !== null && typeof current === 'object' ? (current as Record<string, unknown>)[key] : undefined,
    value,
  );
