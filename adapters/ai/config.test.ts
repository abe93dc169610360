import t from 'tap';
import {
  aiConfigFromEnv,
  createAiProviders,
  DEFAULT_IMAGE_TIMEOUT_MS,
  DEFAULT_MAX_RETRIES,
  DEFAULT_MODELS,
  DEFAULT_TEXT_TIMEOUT_MS,
} from './config.js';

t.test('no keys: AI is off and says why', async (t) => {
  const config = aiConfigFromEnv({});
  const setup = createAiProviders(config);
  t.match(setup, {
    status: 'off',
    reason: 'AI off: no provider configured',
    off: [
      { provider: 'openai', reason: 'OPENAI_API_KEY not set' },
      { provider: 'gemini', reason: 'GEMINI_API_KEY not set' },
    ],
  });
});

t.test('defaults are explicit limits', async (t) => {
  const config = aiConfigFromEnv({ OPENAI_API_KEY: 'sk-1' });
  t.equal(config.imageTimeoutMs, DEFAULT_IMAGE_TIMEOUT_MS);
  t.equal(config.textTimeoutMs, DEFAULT_TEXT_TIMEOUT_MS);
  t.equal(config.retry.maxRetries, DEFAULT_MAX_RETRIES);
  t.same(config.providerOrder, ['openai', 'gemini']);
  t.equal(config.fallbackOnOutcomeUnknown, false);
  t.match(config.openai, {
    apiKey: 'sk-1',
    imageModel: DEFAULT_MODELS.openai.image,
    textModel: DEFAULT_MODELS.openai.text,
  });
  t.match(config.gemini, { imageModel: 'gemini-3.1-flash-image', textModel: 'gemini-2.5-flash' });
  t.equal(config.openai.baseUrl, undefined, 'unset: the SDK default URL');
});

t.test('a provider without a key is off; the other runs alone', async (t) => {
  const setup = createAiProviders(aiConfigFromEnv({ GEMINI_API_KEY: 'g-1', OPENAI_API_KEY: '  ' }));
  t.match(setup, {
    status: 'on',
    providers: ['gemini'],
    off: [{ provider: 'openai', reason: 'OPENAI_API_KEY not set' }],
  });
  if (setup.status === 'on') t.same(setup.chain.providers, ['gemini']);
});

t.test('a provider left out of AI_PROVIDER_ORDER is off', async (t) => {
  const setup = createAiProviders(
    aiConfigFromEnv({ GEMINI_API_KEY: 'g', OPENAI_API_KEY: 'o', AI_PROVIDER_ORDER: 'gemini' }),
  );
  t.match(setup, {
    status: 'on',
    providers: ['gemini'],
    off: [{ provider: 'openai', reason: 'not in AI_PROVIDER_ORDER' }],
  });
});

t.test('every variable is read', async (t) => {
  const config = aiConfigFromEnv({
    OPENAI_API_KEY: 'o',
    OPENAI_BASE_URL: 'http://127.0.0.1:9/v1',
    OPENAI_IMAGE_MODEL: 'gpt-image-1',
    OPENAI_TEXT_MODEL: 'gpt-5-mini',
    OPENAI_IMAGE_QUALITY: 'high',
    GEMINI_API_KEY: 'g',
    GEMINI_BASE_URL: 'https://proxy.example/gemini',
    GEMINI_IMAGE_MODEL: 'gemini-2.5-flash-image',
    GEMINI_TEXT_MODEL: 'gemini-2.5-flash',
    AI_PROVIDER_ORDER: ' Gemini , openai ',
    AI_IMAGE_TIMEOUT_MS: '90000',
    AI_TEXT_TIMEOUT_MS: '15000',
    AI_MAX_RETRIES: '0',
    AI_RETRY_BASE_DELAY_MS: '100',
    AI_RETRY_MAX_DELAY_MS: '1000',
    AI_FALLBACK_ON_OUTCOME_UNKNOWN: 'TRUE',
  });
  t.match(config, {
    providerOrder: ['gemini', 'openai'],
    fallbackOnOutcomeUnknown: true,
    imageTimeoutMs: 90_000,
    textTimeoutMs: 15_000,
    retry: { maxRetries: 0, baseDelayMs: 100, maxDelayMs: 1000 },
    openai: {
      baseUrl: 'http://127.0.0.1:9/v1',
      imageModel: 'gpt-image-1',
      textModel: 'gpt-5-mini',
      imageQuality: 'high',
    },
    gemini: { baseUrl: 'https://proxy.example/gemini', imageModel: 'gemini-2.5-flash-image' },
  });
});

const invalid: [name: string, env: Record<string, string>, message: RegExp][] = [
  ['retries over the ceiling', { AI_MAX_RETRIES: '99' }, /retry\.maxRetries/],
  ['a timeout that is not a number', { AI_IMAGE_TIMEOUT_MS: 'soon' }, /imageTimeoutMs/],
  ['a timeout over 10 minutes', { AI_TEXT_TIMEOUT_MS: '3600000' }, /textTimeoutMs/],
  ['an unknown provider', { AI_PROVIDER_ORDER: 'openai,claude' }, /providerOrder/],
  ['a provider twice', { AI_PROVIDER_ORDER: 'openai,openai' }, /listed twice/],
  ['a flag that is not true/false', { AI_FALLBACK_ON_OUTCOME_UNKNOWN: 'yes' }, /fallbackOnOutcomeUnknown/],
  ['a base URL that is not http(s)', { OPENAI_BASE_URL: 'ftp://example.com' }, /openai\.baseUrl/],
  [
    'a model with no price',
    { OPENAI_API_KEY: 'o', OPENAI_IMAGE_MODEL: 'gpt-image-9' },
    /no price for model gpt-image-9/,
  ],
  ['an unknown image quality', { OPENAI_IMAGE_QUALITY: 'ultra' }, /imageQuality/],
];
for (const [name, env, message] of invalid) {
  t.test(`refused: ${name}`, async (t) => {
    t.throws(() => aiConfigFromEnv(env), { message: /invalid AI configuration/ });
    t.throws(() => aiConfigFromEnv(env), { message });
  });
}

t.test('an unpriced model is fine while its provider is off', async (t) => {
  t.doesNotThrow(() => aiConfigFromEnv({ OPENAI_IMAGE_MODEL: 'gpt-image-9' }));
});
