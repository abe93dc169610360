import t from 'tap';
import { MalformedResponse, OutcomeUnknown, ProviderRejected, ProviderUnreachable } from '../../app/worker/aiErrors.js';
import { FAKE_GEMINI_KEY } from '../../test/fakes/aiEnv.js';
import { FAKE_USAGE } from '../../test/fakes/aiPayloads.js';
import { dig, failure, fakeProviders, FAKE_TIMEOUT_MS, tryOnRequest } from '../../test/fakes/aiProviders.js';
import { startAiServer, type Behaviour } from '../../test/fakes/aiServer.js';
import { freePort } from '../../test/fakes/freePort.js';
import { GARMENT_PNG, PERSON_PNG, TRY_ON_PNG } from '../../test/fakes/png.js';

const server = await startAiServer();
t.teardown(() => server.close());
t.beforeEach(() => server.reset());
const { gemini } = fakeProviders(server);
const quick = fakeProviders(server, {
  AI_IMAGE_TIMEOUT_MS: String(FAKE_TIMEOUT_MS),
  AI_TEXT_TIMEOUT_MS: String(FAKE_TIMEOUT_MS),
}).gemini;

const styleRequest = {
  personImage: PERSON_PNG,
  preferences: { style: 'boho', occasion: 'wedding guest', budget: '$200' },
  sessionId: 'styling-session-2',
};
const inline = (bytes: Buffer) => ({ inlineData: { mimeType: 'image/png', data: bytes.toString('base64') } });

t.test('try-on: generateContent with person, garment and prompt; the inlineData image back', async (t) => {
  const result = await gemini.generate(tryOnRequest());
  t.ok(result.image.equals(TRY_ON_PNG));
  t.match(result, { mimeType: 'image/png', provider: 'gemini', model: 'gemini-3.1-flash-image' });
  const u = FAKE_USAGE.geminiImage;
  t.same(result.usage, {
    inputTokens: u.input,
    outputTokens: u.output,
    inputImageTokens: u.inputImage,
    outputImageTokens: u.output,
  });
  // 100 text × $0.50 + 1290 image × $0.50 + 1290 image out × $60, per million tokens
  t.equal(result.costMicroUsd, 50 + 645 + 77_400);

  const [sent, ...more] = server.requestsTo('gemini.generate');
  t.equal(more.length, 0);
  t.equal(sent?.path, '/v1beta/models/gemini-3.1-flash-image:generateContent');
  t.equal(sent?.headers['x-goog-api-key'], FAKE_GEMINI_KEY);
  t.match(dig(sent?.json, 'contents'), [
    { role: 'user', parts: [inline(PERSON_PNG), inline(GARMENT_PNG), { text: /Virtual try-on/ }] },
  ]);
  t.same(dig(sent?.json, 'generationConfig', 'responseModalities'), ['TEXT', 'IMAGE']);
});

t.test('style: JSON mode with a response schema; validated with zod', async (t) => {
  const result = await gemini.analyze(styleRequest);
  t.match(result, {
    provider: 'gemini',
    model: 'gemini-2.5-flash',
    profile: { colorPalette: ['navy', 'camel', 'white'] },
  });
  t.equal(result.recommendations.length, 3);
  const u = FAKE_USAGE.geminiText;
  t.same(
    result.usage,
    { inputTokens: u.input, outputTokens: u.output + u.thoughts, inputImageTokens: u.inputImage, outputImageTokens: 0 },
    'thinking tokens count as output',
  );
  t.equal(result.costMicroUsd, 178 + 78 + 750);

  const body = server.requestsTo('gemini.generate')[0]?.json;
  const schema = dig(body, 'generationConfig', 'responseJsonSchema');
  t.equal(dig(body, 'generationConfig', 'responseMimeType'), 'application/json');
  t.same(Object.keys(dig(schema, 'properties') ?? {}), ['profile', 'recommendations']);
  t.equal(dig(schema, '$schema'), undefined, 'keywords Gemini does not take are dropped');
  t.match(dig(body, 'systemInstruction'), { parts: [{ text: /fashion stylist/ }] });
  t.match(dig(body, 'contents', 0, 'parts', 1, 'text'), /style="boho"; occasion="wedding guest"; budget="\$200"/);
});

t.test('fit: quality score and notes', async (t) => {
  const result = await gemini.assess({ tryOnImage: TRY_ON_PNG });
  t.match(result, { qualityScore: 0.82, notes: ['Sleeve hem slightly blurred.'], provider: 'gemini' });
  const body = server.requestsTo('gemini.generate')[0]?.json;
  t.ok(dig(body, 'generationConfig', 'responseJsonSchema', 'properties', 'qualityScore'));
});

type Case = [
  name: string,
  behaviours: Behaviour[],
  call: 'generate' | 'assess',
  error: abstract new (...args: never[]) => Error,
  code: string,
  requests: number,
];
const cases: Case[] = [
  ['400 INVALID_ARGUMENT', ['invalid_request'], 'generate', ProviderRejected, 'invalid_request', 1],
  ['400 API_KEY_INVALID', ['unauthorized'], 'generate', ProviderRejected, 'unauthorized', 1],
  ['finishReason IMAGE_SAFETY, no image', ['refused'], 'generate', ProviderRejected, 'image_refused', 1],
  ['promptFeedback.blockReason', ['prompt_blocked'], 'generate', ProviderRejected, 'image_refused', 1],
  [
    '500 × 3: retried twice',
    ['server_error', 'server_error', 'server_error'],
    'generate',
    ProviderUnreachable,
    'server_error',
    3,
  ],
  [
    '429 RESOURCE_EXHAUSTED × 3',
    ['rate_limited', 'rate_limited', 'rate_limited'],
    'assess',
    ProviderUnreachable,
    'rate_limited',
    3,
  ],
  ['200 broken JSON', ['malformed_json'], 'generate', MalformedResponse, 'malformed_json', 1],
  ['200 text only, no image', ['no_image'], 'generate', MalformedResponse, 'no_image', 1],
  ['200 inlineData that is no image we take', ['invalid_output'], 'generate', MalformedResponse, 'invalid_image', 1],
  ['text: finishReason SAFETY', ['refused'], 'assess', ProviderRejected, 'content_refused', 1],
  ['text: JSON off-schema', ['invalid_output'], 'assess', MalformedResponse, 'invalid_output', 1],
  ['text: cut at MAX_TOKENS', ['incomplete'], 'assess', MalformedResponse, 'invalid_output', 1],
  ['connection dropped after the request', ['drop'], 'generate', OutcomeUnknown, 'connection_lost', 1],
];

for (const [name, behaviours, call, errorClass, code, requests] of cases) {
  t.test(`${name} → ${errorClass.name} ${code}`, async (t) => {
    server.script('gemini.generate', ...behaviours);
    const error = await failure(
      call === 'generate' ? gemini.generate(tryOnRequest()) : gemini.assess({ tryOnImage: TRY_ON_PNG }),
    );
    t.type(error, errorClass);
    t.match(error, { code, provider: 'gemini', attempts: requests });
    t.equal(server.requestsTo('gemini.generate').length, requests, `${requests} request(s) sent`);
  });
}

t.test('503 then success: the retry succeeds', async (t) => {
  server.script('gemini.generate', 'unavailable');
  t.ok((await gemini.generate(tryOnRequest())).image.equals(TRY_ON_PNG));
  t.equal(server.requestsTo('gemini.generate').length, 2);
});

t.test('timeout after the request was taken: OutcomeUnknown, sent once', async (t) => {
  for (const behaviour of ['hang', { kind: 'slow', delayMs: FAKE_TIMEOUT_MS * 3 }] as const) {
    server.reset();
    server.script('gemini.generate', behaviour);
    const started = Date.now();
    const error = await failure(quick.generate(tryOnRequest()));
    t.type(error, OutcomeUnknown);
    t.match(error, { code: 'timeout', provider: 'gemini', model: 'gemini-3.1-flash-image' });
    t.equal(server.requestsTo('gemini.generate').length, 1);
    t.ok(Date.now() - started < FAKE_TIMEOUT_MS * 5, 'gave up at the timeout');
  }
});

t.test('text calls time out the same way', async (t) => {
  server.script('gemini.generate', 'hang');
  const error = await failure(quick.assess({ tryOnImage: TRY_ON_PNG }));
  t.match(error, { name: 'OutcomeUnknown', code: 'timeout', model: 'gemini-2.5-flash' });
});

t.test('connection refused: ProviderUnreachable after the retries', async (t) => {
  const port = await freePort();
  const { gemini: offline } = fakeProviders({ ...server, geminiBaseUrl: `http://127.0.0.1:${port}` });
  const error = await failure(offline.analyze(styleRequest));
  t.type(error, ProviderUnreachable);
  t.match(error, { code: 'connection_failed', attempts: 3 });
});
