import t from 'tap';
import {
  InvalidAiInput,
  MalformedResponse,
  OutcomeUnknown,
  ProviderRejected,
  ProviderUnreachable,
} from '../../app/worker/aiErrors.js';
import { FAKE_OPENAI_KEY } from '../../test/fakes/aiEnv.js';
import { FAKE_USAGE } from '../../test/fakes/aiPayloads.js';
import { dig, failure, fakeProviders, FAKE_TIMEOUT_MS, tryOnRequest } from '../../test/fakes/aiProviders.js';
import { startAiServer, type Behaviour, type Route } from '../../test/fakes/aiServer.js';
import { GARMENT_PNG, PERSON_PNG, TRY_ON_PNG } from '../../test/fakes/png.js';
import { freePort } from '../../test/fakes/freePort.js';

const server = await startAiServer();
t.teardown(() => server.close());
t.beforeEach(() => server.reset());
const { openai } = fakeProviders(server);
const quick = fakeProviders(server, {
  AI_IMAGE_TIMEOUT_MS: String(FAKE_TIMEOUT_MS),
  AI_TEXT_TIMEOUT_MS: String(FAKE_TIMEOUT_MS),
}).openai;

const styleRequest = {
  personImage: PERSON_PNG,
  preferences: { style: 'smart casual', occasion: 'office', budget: 'до 15000 ₽' },
  sessionId: 'styling-session-1',
};

t.test('try-on: images.edit with both photos, high input fidelity, our key; image, usage and cost back', async (t) => {
  const result = await openai.generate(tryOnRequest());
  t.ok(result.image.equals(TRY_ON_PNG), 'the PNG the provider sent');
  t.equal(result.mimeType, 'image/png');
  t.match(result, { provider: 'openai', model: 'gpt-image-1.5' });
  const u = FAKE_USAGE.openaiImage;
  t.same(result.usage, {
    inputTokens: u.input,
    outputTokens: u.output,
    inputImageTokens: u.inputImage,
    outputImageTokens: u.output,
  });
  // 112 text × $5 + 1170 image × $8 + 1056 image out × $32, per million tokens, in micro-USD
  t.equal(result.costMicroUsd, 560 + 9_360 + 33_792);

  const [sent, ...more] = server.requestsTo('openai.images');
  t.equal(more.length, 0, 'one request');
  t.equal(sent?.headers.authorization, `Bearer ${FAKE_OPENAI_KEY}`);
  t.match(sent?.headers['content-type'], /^multipart\/form-data; boundary=/);
  t.same(sent?.fields?.model, ['gpt-image-1.5']);
  t.same(sent?.fields?.input_fidelity, ['high']);
  t.same(sent?.fields?.n, ['1']);
  t.same(sent?.fields?.user, ['tryon-session-1']);
  t.match(sent?.fields?.prompt?.[0], /Image 1 is a photo of a person/);
  t.same(
    sent?.files?.map((file) => [file.field, file.type]),
    [
      ['image[]', 'image/png'],
      ['image[]', 'image/png'],
    ],
  );
  t.ok(sent?.files?.[0]?.bytes.equals(PERSON_PNG), 'person first');
  t.ok(sent?.files?.[1]?.bytes.equals(GARMENT_PNG), 'garment second');
});

t.test('style: responses.parse with a strict json_schema; validated profile and recommendations', async (t) => {
  const result = await openai.analyze(styleRequest);
  t.match(result, { provider: 'openai', model: 'gpt-4.1-mini', profile: { bodyType: 'rectangle' } });
  t.equal(result.recommendations.length, 3);
  t.same(
    result.recommendations[0],
    {
      title: 'Navy wool blazer',
      category: 'outerwear',
      query: 'тёмно-синий шерстяной пиджак',
      reason: 'Structures the shoulders.',
      score: 0.91,
    },
    'null productUrl dropped',
  );
  t.equal(result.recommendations[1]?.productUrl, 'https://www.wildberries.ru/catalog/123/detail.aspx');
  t.notOk('productUrl' in (result.recommendations[2] ?? {}), 'a javascript: URL is dropped');
  t.notOk('query' in (result.recommendations[2] ?? {}), 'a null query is dropped');
  t.equal(result.costMicroUsd, 442 + 500, '1105 in × $0.40 + 312 out × $1.60 (rounded up)');

  const sent = server.requestsTo('openai.responses')[0]?.json;
  t.match(sent, {
    model: 'gpt-4.1-mini',
    store: false,
    safety_identifier: 'styling-session-1',
    text: { format: { type: 'json_schema', name: 'style_analysis', strict: true } },
  });
  t.match(dig(sent, 'input', 0, 'content', 0, 'text'), /style="smart casual"; occasion="office"; budget="до 15000 ₽"/);
  t.equal(dig(sent, 'input', 0, 'content', 1, 'image_url'), `data:image/png;base64,${PERSON_PNG.toString('base64')}`);
});

t.test('fit: a small structured output, with the garment when given', async (t) => {
  const result = await openai.assess({ tryOnImage: TRY_ON_PNG, garmentImage: GARMENT_PNG });
  t.match(result, { qualityScore: 0.82, notes: ['Sleeve hem slightly blurred.'], provider: 'openai' });
  const sent = server.requestsTo('openai.responses')[0]?.json;
  t.equal(dig(sent, 'text', 'format', 'name'), 'fit_assessment');
  t.equal(dig(sent, 'input', 0, 'content', 'length'), 2, 'try-on and garment images');
});

type Case = [
  name: string,
  route: Route,
  behaviours: Behaviour[],
  call: 'generate' | 'analyze' | 'assess',
  error: abstract new (...args: never[]) => Error,
  code: string,
  requests: number,
];
const cases: Case[] = [
  ['400 invalid request', 'openai.images', ['invalid_request'], 'generate', ProviderRejected, 'invalid_request', 1],
  ['401 wrong key', 'openai.images', ['unauthorized'], 'generate', ProviderRejected, 'unauthorized', 1],
  ['moderation_blocked image', 'openai.images', ['refused'], 'generate', ProviderRejected, 'image_refused', 1],
  [
    '429 insufficient_quota: not retried',
    'openai.images',
    ['quota_exceeded'],
    'generate',
    ProviderRejected,
    'quota_exceeded',
    1,
  ],
  [
    '500 × 3: retried twice',
    'openai.images',
    ['server_error', 'server_error', 'server_error'],
    'generate',
    ProviderUnreachable,
    'server_error',
    3,
  ],
  [
    '429 × 3: retried twice',
    'openai.responses',
    ['rate_limited', 'rate_limited', 'rate_limited'],
    'analyze',
    ProviderUnreachable,
    'rate_limited',
    3,
  ],
  ['200 broken JSON', 'openai.images', ['malformed_json'], 'generate', MalformedResponse, 'malformed_json', 1],
  ['200 without an image', 'openai.images', ['no_image'], 'generate', MalformedResponse, 'no_image', 1],
  [
    '200 with bytes that are no image',
    'openai.images',
    ['invalid_output'],
    'generate',
    MalformedResponse,
    'invalid_image',
    1,
  ],
  ['text refusal', 'openai.responses', ['refused'], 'analyze', ProviderRejected, 'content_refused', 1],
  [
    'structured output off-schema',
    'openai.responses',
    ['invalid_output'],
    'assess',
    MalformedResponse,
    'invalid_output',
    1,
  ],
  [
    'answer cut at max_output_tokens',
    'openai.responses',
    ['incomplete'],
    'assess',
    MalformedResponse,
    'invalid_output',
    1,
  ],
  ['responses: broken JSON', 'openai.responses', ['malformed_json'], 'assess', MalformedResponse, 'malformed_json', 1],
  ['connection dropped after the request', 'openai.images', ['drop'], 'generate', OutcomeUnknown, 'connection_lost', 1],
];

const callPort = (call: Case[3]) =>
  call === 'generate'
    ? openai.generate(tryOnRequest())
    : call === 'analyze'
      ? openai.analyze(styleRequest)
      : openai.assess({ tryOnImage: TRY_ON_PNG });

for (const [name, route, behaviours, call, errorClass, code, requests] of cases) {
  t.test(`${name} → ${errorClass.name} ${code}`, async (t) => {
    server.script(route, ...behaviours);
    const error = await failure(callPort(call));
    t.type(error, errorClass);
    t.match(error, { code, provider: 'openai', attempts: requests });
    t.equal(server.requestsTo(route).length, requests, `${requests} request(s) sent`);
  });
}

t.test('503 then success: the retry succeeds', async (t) => {
  server.script('openai.images', 'unavailable');
  const result = await openai.generate(tryOnRequest());
  t.ok(result.image.equals(TRY_ON_PNG));
  t.equal(server.requestsTo('openai.images').length, 2);
});

t.test('timeout after the request was taken (billed): OutcomeUnknown, never resent', async (t) => {
  for (const behaviour of ['hang', { kind: 'slow', delayMs: FAKE_TIMEOUT_MS * 3 }] as const) {
    server.reset();
    server.script('openai.images', behaviour);
    const started = Date.now();
    const error = await failure(quick.generate(tryOnRequest()));
    t.type(error, OutcomeUnknown);
    t.match(error, { code: 'timeout', provider: 'openai', model: 'gpt-image-1.5' });
    t.equal(server.requestsTo('openai.images').length, 1, 'not retried: that could bill a second image');
    t.ok(Date.now() - started < FAKE_TIMEOUT_MS * 5, 'gave up at the timeout');
  }
});

t.test("the caller's abort after sending is OutcomeUnknown aborted", async (t) => {
  server.script('openai.images', 'hang');
  const controller = new AbortController();
  void server.waitForRequests('openai.images').then(() => controller.abort());
  const error = await failure(openai.generate(tryOnRequest({ signal: controller.signal })));
  t.match(error, { name: 'OutcomeUnknown', code: 'aborted' });
});

t.test('connection refused: ProviderUnreachable after the retries', async (t) => {
  const port = await freePort();
  const { openai: offline } = fakeProviders({ ...server, openaiBaseUrl: `http://127.0.0.1:${port}/v1` });
  const error = await failure(offline.generate(tryOnRequest()));
  t.type(error, ProviderUnreachable);
  t.match(error, { code: 'connection_failed', attempts: 3 });
});

t.test('input that is not an image is refused before any request', async (t) => {
  const error = await failure(openai.generate(tryOnRequest({ garmentImage: Buffer.from('<html>') })));
  t.type(error, InvalidAiInput);
  t.match(error, { code: 'unsupported_image' });
  t.equal(server.requests.length, 0);
});
