import type { AiFakeServer } from './aiServer.js';

export const FAKE_OPENAI_KEY = 'sk-test-openai-key';
export const FAKE_GEMINI_KEY = 'test-gemini-key';

/**
 * Environment that points both AI providers at the fake server, with timeouts short enough for tests (override them
 * to test timeouts) and near-zero backoff so failure tests run fast. Pass it to `aiConfigFromEnv`.
 */
export const fakeAiEnv = (
  server: AiFakeServer,
  overrides: Record<string, string | undefined> = {},
): Record<string, string | undefined> => ({
  OPENAI_API_KEY: FAKE_OPENAI_KEY,
  OPENAI_BASE_URL: server.openaiBaseUrl,
  GEMINI_API_KEY: FAKE_GEMINI_KEY,
  GEMINI_BASE_URL: server.geminiBaseUrl,
  AI_IMAGE_TIMEOUT_MS: '5000',
  AI_TEXT_TIMEOUT_MS: '5000',
  AI_MAX_RETRIES: '2',
  AI_RETRY_BASE_DELAY_MS: '1',
  AI_RETRY_MAX_DELAY_MS: '5',
  ...overrides,
});
