import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Api } from 'grammy';
import type { Update, UserFromGetMe } from 'grammy/types';

/**
 * A local stand-in for the Bot API (`TELEGRAM_API_ROOT`), for tests that run the real grammY
 * pipeline offline:
 *   POST /bot<token>/<method>          answers every method the bot calls (JSON or multipart)
 *   GET  /file/bot<token>/<file_path>  serves the files registered with `addFile`
 * `failNext` makes the next calls of a method fail (429 with retry_after, 5xx, 403); `block`
 * makes every message to a chat fail as Telegram answers for a user who blocked the bot;
 * `accepted` lists the calls answered ok; `pushUpdate` feeds getUpdates for polling. Outgoing calls are best captured
 * on the bot's side with `captureCalls` (an API transformer), which sees the payload before it is serialised.
 */

export const TEST_TOKEN = '123456789:TEST-token-for-the-fake-bot-api-0000';

export const TEST_BOT_INFO: UserFromGetMe = {
  id: 123456789,
  is_bot: true,
  first_name: 'Modera',
  username: 'modera_test_bot',
  can_join_groups: false,
  can_read_all_group_messages: false,
  supports_inline_queries: false,
  can_connect_to_business: false,
  has_main_web_app: false,
  has_topics_enabled: false,
  allows_users_to_create_topics: false,
} as UserFromGetMe;

export interface ApiCall {
  method: string;
  payload: Record<string, unknown>;
  /** In `accepted`: the id of the message the call made, if it made one. */
  messageId?: number;
  /** The HTTP status the fake answered with (set on `received` calls only). */
  status?: number;
}

interface Failure {
  status: number;
  description: string;
  retryAfterSeconds?: number;
}

interface StoredFile {
  bytes: Buffer;
  path: string;
}

const readBody = (request: IncomingMessage): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });

/** The plain fields of a multipart body (files are skipped: the transformer sees those). */
const multipartFields = (body: Buffer): Record<string, unknown> => {
  const fields: Record<string, unknown> = {};
  const pattern = /name="([^"]+)"\r\n\r\n([^\r]*)\r\n/g;
  for (const match of body.toString('latin1').matchAll(pattern)) fields[match[1]!] = match[2];
  return fields;
};

export class FakeTelegram {
  /** Calls as the server received them, in order. */
  readonly received: ApiCall[] = [];
  /** Calls the server answered ok (what really reached Telegram), in order. */
  readonly accepted: ApiCall[] = [];
  private readonly files = new Map<string, StoredFile>();
  private readonly failures = new Map<string, Failure[]>();
  private readonly updates: Update[] = [];
  private messageId = 1000;

  private constructor(
    private readonly server: ReturnType<typeof createServer>,
    readonly token: string,
  ) {}

  static async start(token: string = TEST_TOKEN): Promise<FakeTelegram> {
    const server = createServer();
    const fake = new FakeTelegram(server, token);
    server.on('request', (request, response) => {
      fake.route(request, response).catch((error: unknown) => {
        response.writeHead(500).end(String(error));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return fake;
  }

  get apiRoot(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Makes `fileId` downloadable (getFile, then GET /file/…); size reported as the real size unless given. */
  addFile(
    fileId: string,
    bytes: Buffer,
    options: { reportedSize?: number } = {},
  ): { file_id: string; file_unique_id: string; file_size: number } {
    this.files.set(fileId, { bytes, path: `photos/${fileId}.bin` });
    return { file_id: fileId, file_unique_id: `u-${fileId}`, file_size: options.reportedSize ?? bytes.length };
  }

  /** Chats whose user has blocked the bot: calls to them answer 403 until removed. */
  readonly blockedChats = new Set<string>();

  /** The next `times` calls of `method` fail as given. */
  failNext(method: string, failure: Failure, times = 1): void {
    const queue = this.failures.get(method) ?? [];
    for (let i = 0; i < times; i++) queue.push(failure);
    this.failures.set(method, queue);
  }

  /** From now on every message to `chatId` is refused with 403, as for a user who blocked the bot. */
  block(chatId: number | string): void {
    this.blockedChats.add(String(chatId));
  }

  unblock(chatId: number | string): void {
    this.blockedChats.delete(String(chatId));
  }

  pushUpdate(update: Update): void {
    this.updates.push(update);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async route(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const filePrefix = `/file/bot${this.token}/`;
    if (url.pathname.startsWith(filePrefix)) {
      const path = decodeURIComponent(url.pathname.slice(filePrefix.length));
      const file = [...this.files.values()].find((f) => f.path === path);
      if (!file) return void response.writeHead(404).end();
      return void response.writeHead(200, { 'content-type': 'application/octet-stream' }).end(file.bytes);
    }
    const match = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(url.pathname);
    if (!match || match[1] !== this.token)
      return this.reply(response, 404, { ok: false, error_code: 404, description: 'Not Found' });
    const method = match[2]!;
    const body = await readBody(request);
    const type = request.headers['content-type'] ?? '';
    const payload = type.includes('application/json')
      ? (JSON.parse(body.toString('utf8') || '{}') as Record<string, unknown>)
      : type.includes('multipart/form-data')
        ? multipartFields(body)
        : {};
    const call: ApiCall = { method, payload, status: 200 };
    this.received.push(call);
    // As Telegram does for a user who blocked the bot: every call to their chat is Forbidden.
    if (payload.chat_id !== undefined && this.blockedChats.has(String(payload.chat_id))) {
      call.status = 403;
      return this.reply(response, 403, {
        ok: false,
        error_code: 403,
        description: 'Forbidden: bot was blocked by the user',
      });
    }
    const failure = this.failures.get(method)?.shift();
    if (failure) {
      call.status = failure.status;
      return this.reply(response, failure.status, {
        ok: false,
        error_code: failure.status,
        description: failure.description,
        ...(failure.retryAfterSeconds !== undefined ? { parameters: { retry_after: failure.retryAfterSeconds } } : {}),
      });
    }
    const result = await this.resultOf(method, payload);
    const messageId = (result as { message_id?: unknown } | null)?.message_id;
    this.accepted.push({ method, payload, ...(typeof messageId === 'number' ? { messageId } : {}) });
    return this.reply(response, 200, { ok: true, result });
  }

  private async resultOf(method: string, payload: Record<string, unknown>): Promise<unknown> {
    const chat = { id: Number(payload.chat_id), type: 'private', first_name: 'User' };
    switch (method) {
      case 'getMe':
        return TEST_BOT_INFO;
      case 'sendMessage':
      case 'sendPhoto':
      case 'sendInvoice':
        return {
          message_id: ++this.messageId,
          date: Math.floor(Date.now() / 1000),
          chat,
          ...(payload.text ? { text: payload.text } : {}),
        };
      case 'getFile': {
        const fileId = String(payload.file_id);
        const file = this.files.get(fileId);
        if (!file) throw new Error(`unknown file ${fileId}`);
        return { file_id: fileId, file_unique_id: `u-${fileId}`, file_size: file.bytes.length, file_path: file.path };
      }
      case 'getUpdates': {
        const offset = Number(payload.offset ?? 0);
        const pending = this.updates.filter((u) => u.update_id >= offset);
        if (pending.length === 0) await new Promise((resolve) => setTimeout(resolve, 50));
        return pending;
      }
      default:
        return true;
    }
  }

  private reply(response: ServerResponse, status: number, body: unknown): void {
    response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  }
}

/**
 * Records every outgoing call on the bot's side, as an API transformer. Installed after the bot's
 * own transformers it is the outermost one: one record per call the bot makes, with its payload
 * as given (InputFile and all); auto-retry's repeated attempts happen inside it and show in the
 * server's `received`. The fake server still answers every call.
 */
export const captureCalls = (api: Api): ApiCall[] => {
  const calls: ApiCall[] = [];
  api.config.use((prev, method, payload, signal) => {
    calls.push({ method, payload: { ...(payload as Record<string, unknown>) } });
    return prev(method, payload, signal);
  });
  return calls;
};
