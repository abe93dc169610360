import t from 'tap';
import { DEFAULT_MODELS } from './config.js';
import { AI_ERROR_CODES, AllProvidersFailed, OutcomeUnknown, ProviderRejected } from '../../app/worker/aiErrors.js';
import { checkInputImage, MAX_INPUT_IMAGE_BYTES, sniffImageType } from './images.js';
import { costMicroUsd, MODEL_PRICES_MICRO_USD_PER_MILLION_TOKENS as PRICES, ZERO_USAGE } from './pricing.js';
import { geminiJsonSchema, MAX_TEXT_CHARS, styleAnalysisSchema, toStyle } from './schemas.js';
import { dig } from '../../test/fakes/aiProviders.js';
import { PERSON_PNG } from '../../test/fakes/png.js';

t.test('cost: integer micro-USD, rounded up, image tokens priced apart', async (t) => {
  const price = { inputText: 5_000_000, inputImage: 8_000_000, outputText: 10_000_000, outputImage: 32_000_000 };
  const rows: [usage: Parameters<typeof costMicroUsd>[1], expected: number][] = [
    [ZERO_USAGE, 0],
    [{ inputTokens: 1, outputTokens: 0, inputImageTokens: 0, outputImageTokens: 0 }, 5],
    [{ inputTokens: 1, outputTokens: 0, inputImageTokens: 1, outputImageTokens: 0 }, 8],
    [{ inputTokens: 0, outputTokens: 1_000_000, inputImageTokens: 0, outputImageTokens: 1_000_000 }, 32_000_000],
    [{ inputTokens: 3, outputTokens: 0, inputImageTokens: 5, outputImageTokens: 0 }, 24],
  ];
  for (const [usage, expected] of rows) t.equal(costMicroUsd(price, usage), expected, JSON.stringify(usage));
  const cheap = { inputText: 300_000, inputImage: 300_000, outputText: 2_500_000, outputImage: 2_500_000 };
  t.equal(costMicroUsd(cheap, { ...ZERO_USAGE, inputTokens: 1 }), 1, '0.3 micro-USD rounds up to 1');
});

t.test('every default model has a price, in whole micro-USD', async (t) => {
  for (const model of [...Object.values(DEFAULT_MODELS.openai), ...Object.values(DEFAULT_MODELS.gemini)]) {
    t.ok(PRICES[model], `price for ${model}`);
  }
  for (const [model, price] of Object.entries(PRICES)) {
    t.ok(Object.values(price).every(Number.isSafeInteger), `${model}: integers`);
  }
});

t.test('every error code is documented with its failure domain', async (t) => {
  const domains = new Set([
    'ProviderRejected',
    'ProviderUnreachable',
    'OutcomeUnknown',
    'MalformedResponse',
    'AllProvidersFailed',
    'InvalidAiInput',
  ]);
  for (const [code, entry] of Object.entries(AI_ERROR_CODES)) {
    t.match(code, /^[a-z_]+$/);
    t.ok(domains.has(entry.domain), `${code}: ${entry.domain}`);
    t.ok(entry.meaning.length > 10, `${code} has a meaning`);
  }
  const rejected = new ProviderRejected('image_refused', 'no', { provider: 'openai', model: 'm', status: 400 });
  const unknown = new OutcomeUnknown('timeout', 'lost', { provider: 'gemini', model: 'g' });
  t.match(rejected, {
    name: 'ProviderRejected',
    code: 'image_refused',
    provider: 'openai',
    model: 'm',
    status: 400,
    attempts: 1,
  });
  const all = new AllProvidersFailed('tryon.generate', [rejected, unknown]);
  t.equal(all.message, 'tryon.generate: all providers failed: openai/m image_refused, gemini/g timeout');
  t.equal(all.mayHaveBilled, true);
});

t.test('images: sniffed by magic number, bounded in size', async (t) => {
  t.equal(sniffImageType(PERSON_PNG), 'image/png');
  t.equal(sniffImageType(Buffer.from([0xff, 0xd8, 0xff, 0xe0])), 'image/jpeg');
  t.equal(sniffImageType(Buffer.from('RIFF\0\0\0\0WEBPVP8 ', 'latin1')), 'image/webp');
  t.equal(sniffImageType(Buffer.from('GIF89a')), undefined);
  t.throws(() => checkInputImage('p', Buffer.alloc(MAX_INPUT_IMAGE_BYTES + 1)), { code: 'input_too_large' });
  t.throws(() => checkInputImage('p', Buffer.alloc(0)), { code: 'unsupported_image' });
});

t.test('Gemini schema: unsupported keywords dropped, field names kept', async (t) => {
  const schema = geminiJsonSchema(styleAnalysisSchema);
  t.equal(dig(schema, '$schema'), undefined);
  const item = dig(schema, 'properties', 'recommendations', 'items');
  t.same(
    Object.keys(dig(item, 'properties') ?? {}),
    ['title', 'category', 'query', 'productUrl', 'reason', 'score'],
    'a field called "title" is not mistaken for the keyword',
  );
  t.match(dig(item, 'properties', 'score'), { type: 'number', minimum: 0, maximum: 1 });
  t.equal(dig(schema, 'properties', 'recommendations', 'maxItems'), 8);
});

t.test('model text is trimmed and cut to MAX_TEXT_CHARS', async (t) => {
  const style = toStyle({
    profile: {
      summary: ` ${'x'.repeat(MAX_TEXT_CHARS + 50)} `,
      bodyType: 'a',
      colorPalette: [' ', 'red'],
      styleKeywords: [],
    },
    recommendations: [
      { title: 't', category: 'top', query: '  ', productUrl: 'http://plain.example', reason: 'r', score: 0.5 },
    ],
  });
  t.equal(style.profile.summary.length, MAX_TEXT_CHARS);
  t.same(style.profile.colorPalette, ['red']);
  t.same(
    style.recommendations[0],
    { title: 't', category: 'top', reason: 'r', score: 0.5 },
    'blank query and http URL dropped',
  );
});
