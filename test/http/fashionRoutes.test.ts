import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { defaultLedgerConfig } from '../../core/ledger/index.js';
import { tryOnStream } from '../../core/sessions/index.js';
import { LocalImageStore } from '../../adapters/storage/index.js';
import { createImages } from '../../app/sessions/images.js';
import { createStylistService, createTryOnService } from '../../app/sessions/services.js';
import { solidPng } from '../fakes/png.js';
import { bearer, httpApi, SERVICE_TOKEN, type HttpApiBase } from '../support/httpApi.js';
import type { FashionDependencies } from '../../adapters/http/api/routeContext.js';
import { imagesFromUrl } from '../../adapters/http/api/imagesFromUrl.js';

const USER = '5101';
const TRYON = '3d9a1c2e-5b6f-4a7d-8e9f-0a1b2c3d4e5f';
const STYLING = '4e0b2d3f-6c7a-4b8e-9fa0-1b2c3d4e5f60';

/** A local server with two photos, standing in for Telegram's file host. */
const photoServer = async (t: Parameters<typeof httpApi>[0]) => {
  const photos: Record<string, Buffer> = {
    '/person.png': solidPng(96, 128, [200, 160, 140]),
    '/garment.png': solidPng(96, 96, [20, 40, 160]),
    '/tiny.png': solidPng(8, 8, [1, 2, 3]),
  };
  const server = createServer((request, response) => {
    const photo = photos[request.url ?? ''];
    response.writeHead(photo ? 200 : 404, { 'content-type': 'image/png' }).end(photo);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
};

/** The bot's own session services and image port, on the test's store and ledger. */
const fashionOf = async (t: Parameters<typeof httpApi>[0], deps: HttpApiBase): Promise<FashionDependencies> => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'modera-fashion-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const holds = {
    reserve: async (
      hold: {
        userId: string;
        reservationId: string;
        credits: number;
        feature: 'tryon' | 'styling';
        ttlSeconds: number;
      },
      occurredAt: string,
    ) => {
      const result = await deps.executeAccount(hold.userId, {
        type: 'ReserveCredits',
        reservationId: hold.reservationId,
        credits: hold.credits,
        feature: hold.feature,
        ttlSeconds: Math.min(hold.ttlSeconds, defaultLedgerConfig.maxHoldTtlSeconds),
        occurredAt,
      });
      return result.ok
        ? { ok: true as const, expiresAt: occurredAt }
        : { ok: false as const, rejection: result.rejection };
    },
  };
  const services = {
    store: deps.store,
    holds,
    consent: { has: async () => true },
    prices: { tryon: 3, styling: 5 },
    actor: 'service:api' as const,
  };
  const images = createImages(new LocalImageStore(dir, { signingSecret: 'x'.repeat(32) }));
  return {
    tryOn: createTryOnService(services),
    stylist: createStylistService(services),
    images: imagesFromUrl({ images, allowedHosts: ['127.0.0.1'], allowHttp: true }),
  };
};

t.test(
  'fashion routes: try-on and stylist sessions hold credits; status and recommendations from the events',
  async (t) => {
    const base = await photoServer(t);
    const off = await httpApi(t);
    const tryOnBody = {
      clothing_image_url: `${base}/garment.png`,
      person_image_url: `${base}/person.png`,
      user_id: Number(USER),
      session_id: TRYON,
    };
    const post = (app: typeof off.app, url: string, payload: object) =>
      app.inject({
        method: 'POST',
        url,
        headers: { ...bearer(SERVICE_TOKEN), 'content-type': 'application/json' },
        payload: JSON.stringify(payload),
      });
    t.match((await post(off.app, '/api/v1/fashion/virtual-tryon', tryOnBody)).json(), {
      error: { code: 'feature_off' },
    });
    t.equal(
      (await post(off.app, '/api/v1/fashion/virtual-tryon', { ...tryOnBody, session_id: 'not-a-uuid' })).statusCode,
      400,
    );

    const { app, executeAccount, store } = await httpApi(t, {
      api: async (base) => ({ fashion: await fashionOf(t, base) }),
    });
    const get = (url: string) => app.inject({ method: 'GET', url, headers: bearer(SERVICE_TOKEN) });
    const lost = await post(app, '/api/v1/fashion/virtual-tryon', {
      ...tryOnBody,
      session_id: '00000000-0000-4000-8000-00000000dead',
    });
    t.equal(lost.statusCode, 404, 'no account: nothing can be held');
    t.match(lost.json(), { error: { rejection: 'account_not_found' } });

    await executeAccount(USER, {
      type: 'OpenAccount',
      userId: USER,
      profile: {},
      occurredAt: new Date().toISOString(),
    });
    const started = await post(app, '/api/v1/fashion/virtual-tryon', tryOnBody);
    t.equal(started.statusCode, 202);
    t.match(started.json(), { sessionId: TRYON, userId: USER, status: 'tryon_processing', credits: 3 });
    t.equal(
      (await post(app, '/api/v1/fashion/virtual-tryon', tryOnBody)).statusCode,
      202,
      'a retry of the same session is the same session',
    );
    t.same(
      (await store.readStream(tryOnStream(TRYON))).map((e) => [e.type, e.metadata.actor]),
      [
        ['TryOnStarted', `user:${USER}`],
        ['ClothingImageProvided', 'service:api'],
        ['PersonImageProvided', 'service:api'],
        ['TryOnSubmitted', 'service:api'],
      ],
      'every session event names its actor: the user for the start, the API for its steps',
    );
    const status = await get(`/api/v1/fashion/tryon-status/${TRYON}`);
    t.same(status.json(), {
      sessionId: TRYON,
      userId: USER,
      status: 'tryon_processing',
      resultImageKey: null,
      qualityScore: null,
      failureReason: null,
      hold: 'held',
    });
    t.equal((await get('/api/v1/fashion/tryon-status/00000000-0000-4000-8000-000000000000')).statusCode, 404);

    const tiny = await post(app, '/api/v1/fashion/virtual-tryon', {
      ...tryOnBody,
      session_id: '5f1c3e4a-7d8b-4c9f-a0b1-2c3d4e5f6a7b',
      person_image_url: `${base}/tiny.png`,
    });
    t.match(tiny.json(), { error: { code: 'invalid_request', rejection: 'image_dimensions_out_of_range' } });
    const elsewhere = await post(app, '/api/v1/fashion/virtual-tryon', {
      ...tryOnBody,
      session_id: '6a2d4f5b-8e9c-4daf-b1c2-3d4e5f6a7b8c',
      person_image_url: 'https://evil.example/p.png',
    });
    t.match(elsewhere.json(), { error: { rejection: 'image_host_not_allowed' } });

    const styleBody = {
      person_image_url: `${base}/person.png`,
      user_id: USER,
      session_id: STYLING,
      preferences: { style: 'casual', occasion: 'work' },
    };
    const poor = await post(app, '/api/v1/fashion/style-analysis', {
      ...styleBody,
      session_id: '7b3e5a6c-9fad-4eb0-82d3-4e5f6a7b8c9d',
    });
    t.equal(poor.statusCode, 402, 'the welcome credits are held by the try-on: the stylist is refused');
    t.match(poor.json(), { error: { code: 'payment_required', rejection: 'insufficient_credits' } });
    await executeAccount(USER, {
      type: 'PurchaseCredits',
      userId: USER,
      paymentId: 'pi_fashion',
      provider: 'stripe',
      packageId: 'basic',
      credits: 10,
      amountMinor: 199,
      currency: 'USD',
      occurredAt: new Date().toISOString(),
    });
    const styled = await post(app, '/api/v1/fashion/style-analysis', {
      ...styleBody,
      budget_range: { currency: 'USD', min_minor: 0, max_minor: 20_000 },
    });
    t.equal(styled.statusCode, 202);
    t.match(styled.json(), { sessionId: STYLING, status: 'stylist_processing', credits: 5 });
    const recommendations = await get(`/api/v1/fashion/recommendations?session_id=${STYLING}`);
    t.same(recommendations.json(), {
      sessionId: STYLING,
      userId: USER,
      status: 'stylist_processing',
      profile: null,
      recommendations: [],
      products: [],
    });
    t.equal(
      (await get(`/api/v1/fashion/recommendations?session_id=${STYLING}&user_id=999`)).statusCode,
      404,
      "another user's session is not found",
    );
  },
);
