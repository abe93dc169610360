import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { StarTransaction } from 'grammy/types';

/**
 * A local stand-in for the Bot API's Stars payment methods, for tests that drive grammY's `Api`
 * at it (`apiRoot`): createInvoiceLink, sendInvoice, answerPreCheckoutQuery, refundStarPayment
 * (with Telegram's CHARGE_ALREADY_REFUNDED on a second refund) and getStarTransactions (oldest
 * first, offset/limit, as the Bot API pages them). Calls are recorded with their JSON payload.
 */
export interface FakeStarsApi {
  apiRoot: string;
  token: string;
  calls: Array<{ method: string; payload: Record<string, unknown> }>;
  /** Incoming payments Telegram knows about (getStarTransactions). */
  transactions: StarTransaction[];
  close(): Promise<void>;
}

const readJson = (request: IncomingMessage): Promise<Record<string, unknown>> =>
  new Promise((resolve, reject) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => (body += chunk));
    request.on('end', () => resolve(body ? (JSON.parse(body) as Record<string, unknown>) : {}));
    request.on('error', reject);
  });

const reply = (response: ServerResponse, status: number, body: unknown) =>
  response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));

export const startFakeStarsApi = async (
  token = '123456789:TEST-stars-token-0000000000000000',
): Promise<FakeStarsApi> => {
  const calls: FakeStarsApi['calls'] = [];
  const transactions: StarTransaction[] = [];
  const refunded = new Set<string>();
  const server = createServer((request, response) => {
    void (async () => {
      const match = /^\/bot([^/]+)\/(\w+)$/.exec(new URL(request.url ?? '/', 'http://localhost').pathname);
      if (!match || match[1] !== token)
        return reply(response, 404, { ok: false, error_code: 404, description: 'Not Found' });
      const method = match[2]!;
      const payload = await readJson(request);
      calls.push({ method, payload });
      switch (method) {
        case 'createInvoiceLink':
          return reply(response, 200, {
            ok: true,
            result: `https://t.me/$${Buffer.from(String(payload.payload)).toString('base64url')}`,
          });
        case 'refundStarPayment': {
          const charge = String(payload.telegram_payment_charge_id);
          if (refunded.has(charge))
            return reply(response, 400, {
              ok: false,
              error_code: 400,
              description: 'Bad Request: CHARGE_ALREADY_REFUNDED',
            });
          refunded.add(charge);
          return reply(response, 200, { ok: true, result: true });
        }
        case 'getStarTransactions': {
          const offset = Number(payload.offset ?? 0);
          const limit = Number(payload.limit ?? 100);
          return reply(response, 200, {
            ok: true,
            result: { transactions: transactions.slice(offset, offset + limit) },
          });
        }
        default:
          return reply(response, 200, { ok: true, result: true });
      }
    })().catch((error: unknown) => reply(response, 500, { ok: false, error_code: 500, description: String(error) }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    apiRoot: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    token,
    calls,
    transactions,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
};
