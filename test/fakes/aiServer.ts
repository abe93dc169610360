import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  GEMINI_ERRORS,
  geminiFinishRefusal,
  geminiImageResponse,
  geminiPromptBlocked,
  geminiTextResponse,
  OPENAI_ERRORS,
  openaiImagesResponse,
  openaiResponsesResponse,
  outputText,
  SAMPLE_FIT_OUTPUT,
  SAMPLE_STYLE_OUTPUT,
} from './aiPayloads.js';
import { waitFor } from '../support/waitFor.js';
import { TRY_ON_PNG } from './png.js';

/**
 * One local HTTP server that speaks the three AI endpoints we use, for tests that drive the real
 * `openai` and `@google/genai` SDKs at it:
 *   POST /v1/images/edits                          (OpenAI, multipart)
 *   POST /v1/responses                             (OpenAI, JSON)
 *   POST /v1beta/models/{model}:generateContent    (Gemini, JSON)
 * Each route answers from a queue of scripted behaviours (then `success`), and every request is
 * recorded, so a test can check what the SDK really sent.
 */
export type Route = 'openai.images' | 'openai.responses' | 'gemini.generate';

export type Behaviour =
  | 'success'
  | 'invalid_request' // 400
  | 'unauthorized' // OpenAI 401; Gemini 400 API_KEY_INVALID
  | 'quota_exceeded' // 429, billing quota
  | 'rate_limited' // 429
  | 'server_error' // 500
  | 'unavailable' // 503
  | 'refused' // OpenAI moderation_blocked / text refusal; Gemini IMAGE_SAFETY / SAFETY finish
  | 'prompt_blocked' // Gemini promptFeedback.blockReason (OpenAI: as `refused`)
  | 'no_image' // 200, an answer without an image (or without structured output)
  | 'invalid_output' // 200, structured output that fails the schema / bytes that are no image
  | 'incomplete' // 200, cut at the output token limit
  | 'malformed_json' // 200 with a broken JSON body
  | 'hang' // takes the request, "bills" it, never answers
  | 'drop' // takes the request, then closes the connection without answering
  | { kind: 'slow'; delayMs: number } // success, after the client has given up
  | { kind: 'success'; output: unknown } // success with this structured output
  | { kind: 'raw'; status: number; body: string; contentType?: string };

export interface RecordedFile {
  field: string;
  filename: string;
  type: string;
  bytes: Buffer;
}

export interface RecordedRequest {
  route: Route;
  path: string;
  headers: IncomingHttpHeaders;
  /** The model id: the JSON `model`, the multipart `model` field, or Gemini's path. */
  model: string | undefined;
  json?: Record<string, unknown>;
  fields?: Record<string, string[]>;
  files?: RecordedFile[];
  behaviour: Behaviour;
}

export interface AiFakeServer {
  /** http://127.0.0.1:port */
  url: string;
  /** What `new OpenAI({ baseURL })` takes. */
  openaiBaseUrl: string;
  /** What `new GoogleGenAI({ httpOptions: { baseUrl } })` takes. */
  geminiBaseUrl: string;
  requests: RecordedRequest[];
  /** Queues behaviours for the next requests to `route`; after them, `success`. */
  script(route: Route, ...behaviours: Behaviour[]): void;
  requestsTo(route: Route): RecordedRequest[];
  /** Resolves once `count` requests to `route` have been received (to act mid-request). */
  waitForRequests(route: Route, count?: number): Promise<void>;
  /** Forgets scripts and recorded requests. */
  reset(): void;
  close(): Promise<void>;
}

/** Largest request body the fake reads (OpenAI takes up to 16 images of 50 MB; tests send KBs). */
const MAX_BODY_BYTES = 64 * 1024 * 1024;
/** How often `waitForRequests` looks (its deadline is the shared one of test/support/waitFor.ts). */
const POLL_MS = 5;
const GEMINI_PATH = /^\/v1beta\/models\/([^/:]+)(?::|%3A)generateContent$/i;

const readBody = async (req: IncomingMessage): Promise<Buffer> => {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new Error('fake AI server: body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
};

const parseMultipart = async (body: Buffer, contentType: string) => {
  const form = await new Response(body, { headers: { 'content-type': contentType } }).formData();
  const fields: Record<string, string[]> = {};
  const files: RecordedFile[] = [];
  for (const [field, value] of form.entries()) {
    if (typeof value === 'string') (fields[field] ??= []).push(value);
    else files.push({ field, filename: value.name, type: value.type, bytes: Buffer.from(await value.arrayBuffer()) });
  }
  return { fields, files };
};

const send = (res: ServerResponse, status: number, body: unknown, contentType = 'application/json'): void => {
  if (res.destroyed) return;
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(text) });
  res.end(text);
};

const isFitRequest = (request: RecordedRequest): boolean => {
  const json = request.json ?? {};
  const format = (json.text as { format?: { name?: string } } | undefined)?.format;
  if (format?.name) return format.name === 'fit_assessment';
  const config = json.generationConfig as { responseJsonSchema?: { properties?: object } } | undefined;
  return Boolean(config?.responseJsonSchema?.properties && 'qualityScore' in config.responseJsonSchema.properties);
};

/** The 200 answer for a route, with `output` as the structured answer where there is one. */
const successBody = (request: RecordedRequest, output?: unknown): unknown => {
  const model = request.model ?? 'unknown';
  const png = TRY_ON_PNG.toString('base64');
  const structured = JSON.stringify(output ?? (isFitRequest(request) ? SAMPLE_FIT_OUTPUT : SAMPLE_STYLE_OUTPUT));
  if (request.route === 'openai.images') return openaiImagesResponse(png);
  if (request.route === 'openai.responses') return openaiResponsesResponse(model, outputText(structured));
  const isImage = (
    request.json?.generationConfig as { responseModalities?: string[] } | undefined
  )?.responseModalities?.includes('IMAGE');
  return isImage ? geminiImageResponse(model, png) : geminiTextResponse(model, structured);
};

const answer = (request: RecordedRequest, res: ServerResponse): void => {
  const { route, behaviour } = request;
  const openai = route !== 'gemini.generate';
  const model = request.model ?? 'unknown';
  const isImage =
    route === 'openai.images' ||
    Boolean(
      (request.json?.generationConfig as { responseModalities?: string[] } | undefined)?.responseModalities?.includes(
        'IMAGE',
      ),
    );
  if (typeof behaviour === 'object') {
    if (behaviour.kind === 'raw') return send(res, behaviour.status, behaviour.body, behaviour.contentType);
    if (behaviour.kind === 'success') return send(res, 200, successBody(request, behaviour.output));
    setTimeout(() => send(res, 200, successBody(request)), behaviour.delayMs).unref();
    return;
  }
  switch (behaviour) {
    case 'success':
      return send(res, 200, successBody(request));
    case 'invalid_request':
    case 'unauthorized':
    case 'quota_exceeded':
    case 'rate_limited':
    case 'server_error':
    case 'unavailable': {
      const error = openai ? OPENAI_ERRORS[behaviour] : GEMINI_ERRORS[behaviour];
      return send(res, error.status, error.body);
    }
    case 'refused':
    case 'prompt_blocked':
      if (route === 'openai.images') return send(res, 400, OPENAI_ERRORS.moderation_blocked.body);
      if (route === 'openai.responses') {
        return send(
          res,
          200,
          openaiResponsesResponse(model, { type: 'refusal', refusal: "I'm sorry, I can't help with that." }),
        );
      }
      if (behaviour === 'prompt_blocked') return send(res, 200, geminiPromptBlocked(model));
      return send(res, 200, geminiFinishRefusal(model, isImage ? 'IMAGE_SAFETY' : 'SAFETY'));
    case 'no_image':
      if (route === 'openai.images') return send(res, 200, { ...openaiImagesResponse(''), data: [] });
      if (route === 'openai.responses')
        return send(res, 200, { ...openaiResponsesResponse(model, outputText('')), output: [] });
      return send(res, 200, geminiTextResponse(model, 'I can only describe the garment, not draw it.'));
    case 'invalid_output':
      if (route === 'openai.images')
        return send(res, 200, openaiImagesResponse(Buffer.from('not an image').toString('base64')));
      if (route === 'openai.responses')
        return send(res, 200, openaiResponsesResponse(model, outputText('{"qualityScore":7}')));
      return send(
        res,
        200,
        isImage
          ? geminiImageResponse(model, Buffer.from('GIF89a').toString('base64'))
          : geminiTextResponse(model, '{"qualityScore":7}'),
      );
    case 'incomplete':
      if (openai) return send(res, 200, openaiResponsesResponse(model, outputText('{"qualityScore":0.'), 'incomplete'));
      return send(res, 200, geminiTextResponse(model, '{"qualityScore":0.', 'MAX_TOKENS'));
    case 'malformed_json':
      return send(res, 200, '{"data":[{"b64_json":"iVBORw0KGgo');
    case 'hang':
      return; // the socket stays open until the client gives up or the server closes
    case 'drop':
      res.socket?.destroy();
      return;
    default: {
      const _exhaustive: never = behaviour;
      return _exhaustive;
    }
  }
};

const routeOf = (method: string | undefined, path: string): { route: Route; pathModel?: string } | undefined => {
  if (method !== 'POST') return undefined;
  if (path === '/v1/images/edits') return { route: 'openai.images' };
  if (path === '/v1/responses') return { route: 'openai.responses' };
  const gemini = GEMINI_PATH.exec(path);
  return gemini ? { route: 'gemini.generate', pathModel: decodeURIComponent(gemini[1] ?? '') } : undefined;
};

/** Starts the fake on 127.0.0.1 at a free port. */
export const startAiServer = async (): Promise<AiFakeServer> => {
  const scripts = new Map<Route, Behaviour[]>();
  const requests: RecordedRequest[] = [];
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://fake').pathname;
    const found = routeOf(req.method, path);
    void (async () => {
      const body = await readBody(req);
      if (!found) return send(res, 404, { error: { message: `fake AI server: no route ${req.method} ${path}` } });
      const behaviour = scripts.get(found.route)?.shift() ?? 'success';
      const contentType = req.headers['content-type'] ?? '';
      const recorded: RecordedRequest = {
        route: found.route,
        path,
        headers: req.headers,
        model: found.pathModel,
        behaviour,
      };
      if (contentType.startsWith('multipart/form-data')) {
        const { fields, files } = await parseMultipart(body, contentType);
        Object.assign(recorded, { fields, files, model: fields.model?.[0] });
      } else {
        const json = JSON.parse(body.toString('utf8') || '{}') as Record<string, unknown>;
        recorded.json = json;
        recorded.model ??= typeof json.model === 'string' ? json.model : undefined;
      }
      requests.push(recorded);
      answer(recorded, res);
    })().catch((error: unknown) => send(res, 500, { error: { message: `fake AI server: ${String(error)}` } }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    openaiBaseUrl: `${url}/v1`,
    geminiBaseUrl: url,
    requests,
    script: (route, ...behaviours) => {
      scripts.set(route, [...(scripts.get(route) ?? []), ...behaviours]);
    },
    requestsTo: (route) => requests.filter((request) => request.route === route),
    waitForRequests: async (route, count = 1) => {
      await waitFor(
        `${count} request(s) to ${route} at the fake AI server`,
        () => requests.filter((request) => request.route === route).length >= count,
        { pollMs: POLL_MS },
      );
    },
    reset: () => {
      scripts.clear();
      requests.length = 0;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
};
