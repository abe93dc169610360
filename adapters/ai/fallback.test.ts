import t from 'tap';
import { aiConfigFromEnv, createAiProviders } from './config.js';
import { AllProvidersFailed, InvalidAiInput, OutcomeUnknown, type ProviderError } from '../../app/worker/aiErrors.js';
import { withFallback, type AiChain } from './fallback.js';
import { fakeAiEnv } from '../../test/fakes/aiEnv.js';
import { failure, fakeProviders, FAKE_TIMEOUT_MS, tryOnRequest } from '../../test/fakes/aiProviders.js';
import { startAiServer } from '../../test/fakes/aiServer.js';
import { PERSON_PNG, TRY_ON_PNG } from '../../test/fakes/png.js';
import { waitFor } from '../../test/support/waitFor.js';

const server = await startAiServer();
t.teardown(() => server.close());
t.beforeEach(() => server.reset());

const chainFromEnv = (env: Record<string, string | undefined> = {}, onFailed?: (e: ProviderError) => void): AiChain => {
  const setup = createAiProviders(aiConfigFromEnv(fakeAiEnv(server, env)), {
    onProviderFailed: (_operation, error) => onFailed?.(error),
  });
  if (setup.status !== 'on') throw new Error(setup.reason);
  return setup.chain;
};
const chain = chainFromEnv();
const HANG_TIMEOUT_MS = FAKE_TIMEOUT_MS * 5;
const count = () => ({
  openai: server.requestsTo('openai.images').length + server.requestsTo('openai.responses').length,
  gemini: server.requestsTo('gemini.generate').length,
});

t.test('the first provider answers: the second is never asked', async (t) => {
  const result = await chain.generate(tryOnRequest());
  t.equal(result.provider, 'openai');
  t.same(count(), { openai: 1, gemini: 0 });
});

for (const behaviour of ['invalid_request', 'refused', 'malformed_json', 'no_image'] as const) {
  t.test(`first provider ${behaviour} → the second is used`, async (t) => {
    server.script('openai.images', behaviour);
    const failed: ProviderError[] = [];
    const result = await chainFromEnv({}, (error) => failed.push(error)).generate(tryOnRequest());
    t.match(result, { provider: 'gemini', model: 'gemini-3.1-flash-image' });
    t.ok(result.image.equals(TRY_ON_PNG));
    t.same(count(), { openai: 1, gemini: 1 });
    t.same(
      failed.map((error) => error.provider),
      ['openai'],
      'the skipped failure is reported',
    );
  });
}

t.test('first provider unreachable (5xx after retries) → the second is used', async (t) => {
  server.script('openai.responses', 'server_error', 'server_error', 'server_error');
  const result = await chain.assess({ tryOnImage: TRY_ON_PNG });
  t.equal(result.provider, 'gemini');
  t.same(count(), { openai: 3, gemini: 1 });
});

t.test('all providers fail → AllProvidersFailed with each attempt, in order', async (t) => {
  server.script('openai.images', 'refused');
  server.script('gemini.generate', 'unavailable', 'unavailable', 'unavailable');
  const error = await failure(chain.generate(tryOnRequest()));
  t.type(error, AllProvidersFailed);
  const all = error as AllProvidersFailed;
  t.equal(all.code, 'all_providers_failed');
  t.equal(all.operation, 'tryon.generate');
  t.same(
    all.attempts.map((a) => [a.name, a.provider, a.code, a.attempts]),
    [
      ['ProviderRejected', 'openai', 'image_refused', 1],
      ['ProviderUnreachable', 'gemini', 'server_error', 3],
    ],
  );
  t.equal(all.mayHaveBilled, false);
});

t.test('OutcomeUnknown on the first provider is surfaced, not sent to the second', async (t) => {
  server.script('openai.images', 'hang');
  // Long enough that the request reaches the fake even on a loaded machine: otherwise it can
  // arrive after this test and take the next test's scripted answer.
  const quick = chainFromEnv({ AI_IMAGE_TIMEOUT_MS: String(HANG_TIMEOUT_MS) });
  const error = await failure(quick.generate(tryOnRequest()));
  t.type(error, OutcomeUnknown);
  t.match(error, { provider: 'openai', code: 'timeout' });
  await waitFor('the hung request at the fake OpenAI', () => count().openai === 1);
  t.same(count(), { openai: 1, gemini: 0 }, 'no second (billed) generation');
});

t.test('with AI_FALLBACK_ON_OUTCOME_UNKNOWN=true the second provider is tried', async (t) => {
  server.script('openai.images', 'drop');
  const lenient = chainFromEnv({ AI_FALLBACK_ON_OUTCOME_UNKNOWN: 'true' });
  t.equal((await lenient.generate(tryOnRequest())).provider, 'gemini');

  server.reset();
  server.script('openai.images', 'drop');
  server.script('gemini.generate', 'refused');
  const error = await failure(lenient.generate(tryOnRequest()));
  t.match(error, { name: 'AllProvidersFailed', mayHaveBilled: true });
});

t.test('our own invalid input stops the chain before any provider', async (t) => {
  const error = await failure(
    chain.analyze({
      personImage: Buffer.alloc(0),
      preferences: { style: '', occasion: '', budget: '' },
      sessionId: 's',
    }),
  );
  t.type(error, InvalidAiInput);
  t.same(count(), { openai: 0, gemini: 0 });
});

t.test('the configured order is followed', async (t) => {
  const geminiFirst = chainFromEnv({ AI_PROVIDER_ORDER: 'gemini,openai' });
  t.same(geminiFirst.providers, ['gemini', 'openai']);
  server.script('gemini.generate', 'invalid_request');
  const result = await geminiFirst.analyze({
    personImage: PERSON_PNG,
    preferences: { style: 'classic', occasion: 'work', budget: 'any' },
    sessionId: 's',
  });
  t.equal(result.provider, 'openai');
});

t.test('a caller that aborted gets no new request on another provider', async (t) => {
  const { openai, gemini } = fakeProviders(server);
  server.script('openai.images', 'hang');
  const controller = new AbortController();
  void server.waitForRequests('openai.images').then(() => controller.abort());
  const lenient = withFallback([openai, gemini], { fallbackOnOutcomeUnknown: true });
  const error = await failure(lenient.generate(tryOnRequest({ signal: controller.signal })));
  t.match(error, { name: 'AllProvidersFailed', attempts: [{ code: 'aborted' }] });
  t.same(count(), { openai: 1, gemini: 0 });
});

t.test('withFallback needs at least one provider', async (t) => {
  t.throws(() => withFallback([]), /no providers/);
});
