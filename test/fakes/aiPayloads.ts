/**
 * Bodies the OpenAI and Gemini APIs really send, trimmed to the fields that matter, for the fake
 * AI server. Shapes follow the providers' API references (OpenAI Images `ImagesResponse`,
 * Responses `Response`, error `{ error: { message, type, param, code } }`; Gemini
 * `GenerateContentResponse` and `{ error: { code, message, status } }`).
 */

export const SAMPLE_STYLE_OUTPUT = {
  profile: {
    summary: 'Relaxed smart-casual with clean lines.',
    bodyType: 'rectangle',
    colorPalette: ['navy', 'camel', 'white'],
    styleKeywords: ['minimal', 'smart casual'],
  },
  recommendations: [
    {
      title: 'Navy wool blazer',
      category: 'outerwear',
      query: 'тёмно-синий шерстяной пиджак',
      productUrl: null,
      reason: 'Structures the shoulders.',
      score: 0.91,
    },
    {
      title: 'White oxford shirt',
      category: 'top',
      query: 'белая оксфордская рубашка',
      productUrl: 'https://www.wildberries.ru/catalog/123/detail.aspx',
      reason: 'A base for every look.',
      score: 0.84,
    },
    {
      title: 'Camel chinos',
      category: 'bottom',
      query: null,
      productUrl: 'javascript:alert(1)',
      reason: 'Warm neutral that suits the palette.',
      score: 0.77,
    },
  ],
} as const;

export const SAMPLE_FIT_OUTPUT = { qualityScore: 0.82, notes: ['Sleeve hem slightly blurred.'] } as const;

/** Token counts in the fakes' answers, so tests can check usage and cost. */
export const FAKE_USAGE = {
  openaiImage: { input: 1_282, inputImage: 1_170, output: 1_056 },
  openaiText: { input: 1_105, output: 312 },
  geminiImage: { input: 1_390, inputImage: 1_290, output: 1_290 },
  geminiText: { input: 850, inputImage: 258, output: 240, thoughts: 60 },
} as const;

const nowSeconds = (): number => Math.floor(Date.now() / 1000);

export const openaiImagesResponse = (pngBase64: string) => {
  const u = FAKE_USAGE.openaiImage;
  return {
    created: nowSeconds(),
    background: 'opaque',
    data: [{ b64_json: pngBase64 }],
    output_format: 'png',
    quality: 'medium',
    size: '1024x1536',
    usage: {
      input_tokens: u.input,
      input_tokens_details: { image_tokens: u.inputImage, text_tokens: u.input - u.inputImage },
      output_tokens: u.output,
      output_tokens_details: { image_tokens: u.output, text_tokens: 0 },
      total_tokens: u.input + u.output,
    },
  };
};

type OutputContent =
  { type: 'output_text'; text: string; annotations: []; logprobs: [] } | { type: 'refusal'; refusal: string };

export const openaiResponsesResponse = (model: string, content: OutputContent, status = 'completed') => {
  const u = FAKE_USAGE.openaiText;
  return {
    id: `resp_${Math.random().toString(16).slice(2)}`,
    object: 'response',
    created_at: nowSeconds(),
    status,
    error: null,
    incomplete_details: status === 'incomplete' ? { reason: 'max_output_tokens' } : null,
    model: `${model}-2025-04-14`,
    output: [
      {
        id: `msg_${Math.random().toString(16).slice(2)}`,
        type: 'message',
        status: 'completed',
        role: 'assistant',
        content: [content],
      },
    ],
    parallel_tool_calls: true,
    store: false,
    usage: {
      input_tokens: u.input,
      input_tokens_details: { cached_tokens: 0 },
      output_tokens: u.output,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: u.input + u.output,
    },
  };
};

export const outputText = (text: string): OutputContent => ({
  type: 'output_text',
  text,
  annotations: [],
  logprobs: [],
});

export const openaiError = (message: string, type: string, code: string | null, param: string | null = null) => ({
  error: { message, type, param, code },
});

export const OPENAI_ERRORS = {
  invalid_request: {
    status: 400,
    body: openaiError(
      "Invalid value: 'hgh'. Supported values are: 'high' and 'low'.",
      'invalid_request_error',
      'invalid_value',
      'input_fidelity',
    ),
  },
  unauthorized: {
    status: 401,
    body: openaiError(
      'Incorrect API key provided: sk-test. You can find your API key at https://platform.openai.com/account/api-keys.',
      'invalid_request_error',
      'invalid_api_key',
    ),
  },
  moderation_blocked: {
    status: 400,
    body: openaiError(
      'Your request was rejected by the safety system. ' +
        'If you believe this is an error, contact us at help.openai.com and include the request ID req_123. ' +
        'safety_violations=[sexual].',
      'image_generation_user_error',
      'moderation_blocked',
    ),
  },
  quota_exceeded: {
    status: 429,
    body: openaiError(
      'You exceeded your current quota, please check your plan and billing details.',
      'insufficient_quota',
      'insufficient_quota',
    ),
  },
  rate_limited: {
    status: 429,
    body: openaiError(
      'Rate limit reached for gpt-image-1.5 on images per minute (IPM): Limit 5, Used 5, Requested 1.',
      'requests',
      'rate_limit_exceeded',
    ),
  },
  server_error: {
    status: 500,
    body: openaiError('The server had an error while processing your request. Sorry about that!', 'server_error', null),
  },
  unavailable: {
    status: 503,
    body: openaiError('The engine is currently overloaded, please try again later', 'server_error', null),
  },
} as const;

export const geminiImageResponse = (model: string, pngBase64: string) => {
  const u = FAKE_USAGE.geminiImage;
  return {
    candidates: [
      {
        content: {
          role: 'model',
          parts: [{ text: 'Here is the try-on.' }, { inlineData: { mimeType: 'image/png', data: pngBase64 } }],
        },
        finishReason: 'STOP',
        index: 0,
      },
    ],
    usageMetadata: {
      promptTokenCount: u.input,
      candidatesTokenCount: u.output,
      totalTokenCount: u.input + u.output,
      promptTokensDetails: [
        { modality: 'TEXT', tokenCount: u.input - u.inputImage },
        { modality: 'IMAGE', tokenCount: u.inputImage },
      ],
      candidatesTokensDetails: [{ modality: 'IMAGE', tokenCount: u.output }],
    },
    modelVersion: model,
    responseId: Math.random().toString(36).slice(2),
  };
};

export const geminiTextResponse = (model: string, text: string, finishReason = 'STOP') => {
  const u = FAKE_USAGE.geminiText;
  return {
    candidates: [{ content: { role: 'model', parts: [{ text }] }, finishReason, index: 0 }],
    usageMetadata: {
      promptTokenCount: u.input,
      candidatesTokenCount: u.output,
      thoughtsTokenCount: u.thoughts,
      totalTokenCount: u.input + u.output + u.thoughts,
      promptTokensDetails: [
        { modality: 'TEXT', tokenCount: u.input - u.inputImage },
        { modality: 'IMAGE', tokenCount: u.inputImage },
      ],
    },
    modelVersion: model,
    responseId: Math.random().toString(36).slice(2),
  };
};

/** The image model declined to draw: a candidate with a safety finishReason and no parts. */
export const geminiFinishRefusal = (model: string, finishReason: string) => ({
  candidates: [{ finishReason, index: 0 }],
  usageMetadata: { promptTokenCount: FAKE_USAGE.geminiImage.input, totalTokenCount: FAKE_USAGE.geminiImage.input },
  modelVersion: model,
});

/** The input was blocked before generation: no candidates, only promptFeedback. */
export const geminiPromptBlocked = (model: string) => ({
  promptFeedback: { blockReason: 'PROHIBITED_CONTENT' },
  usageMetadata: { promptTokenCount: FAKE_USAGE.geminiImage.input, totalTokenCount: FAKE_USAGE.geminiImage.input },
  modelVersion: model,
});

const googleError = (code: number, status: string, message: string, details?: unknown[]) => ({
  error: { code, message, status, ...(details ? { details } : {}) },
});

export const GEMINI_ERRORS = {
  invalid_request: {
    status: 400,
    body: googleError(
      400,
      'INVALID_ARGUMENT',
      '* GenerateContentRequest.contents[0].parts[0].inline_data.data: Base64 decoding failed.',
    ),
  },
  unauthorized: {
    status: 400,
    body: googleError(400, 'INVALID_ARGUMENT', 'API key not valid. Please pass a valid API key.', [
      { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'API_KEY_INVALID', domain: 'googleapis.com' },
    ]),
  },
  quota_exceeded: {
    status: 429,
    body: googleError(
      429,
      'RESOURCE_EXHAUSTED',
      'You exceeded your current quota, please check your plan and billing details.',
    ),
  },
  rate_limited: {
    status: 429,
    body: googleError(429, 'RESOURCE_EXHAUSTED', 'Resource has been exhausted (e.g. check quota).'),
  },
  server_error: {
    status: 500,
    body: googleError(
      500,
      'INTERNAL',
      'An internal error has occurred. ' +
        'Please retry or report in https://developers.generativeai.google/guide/troubleshooting',
    ),
  },
  unavailable: {
    status: 503,
    body: googleError(503, 'UNAVAILABLE', 'The model is overloaded. Please try again later.'),
  },
} as const;
