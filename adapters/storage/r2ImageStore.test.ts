import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import t from 'tap';
import { createHash } from 'node:crypto';
import {
  ImageNotFound,
  R2ImageStore,
  StorageRejected,
  StorageUnavailable,
  keyFor,
  purgeExpiredInputs,
  r2ConfigFromEnv,
  type R2Config,
} from './index.js';
import { startFakeS3Server, type FakeS3Server } from '../../test/fakes/s3Server.js';
import { tinyJpeg, tinyPng } from '../../test/fixtures/images.js';
import { SESSION_ID, hashOf } from '../../test/fixtures/sessionFixtures.js';

let clockOffsetMs = 0;
/** Pins the fake's clock to an instant (a lifetime is measured from the signing, not from when a fetch runs). */
let pinnedMs: number | undefined;
const now = () => new Date(pinnedMs ?? Date.now() + clockOffsetMs);
/** X-Amz-Date (20250102T030405Z) in ms. */
const amzDateMs = (value: string): number =>
  Date.parse(value.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z'));

const configOf = (s3: FakeS3Server, over: Partial<R2Config> = {}): R2Config => ({
  endpoint: s3.endpoint,
  accessKeyId: s3.accessKeyId,
  secretAccessKey: s3.secretAccessKey,
  bucket: s3.bucket,
  ...over,
});
const key = (kind: 'clothing' | 'person' | 'tryon_result', seed: string) =>
  keyFor({ kind, sessionId: SESSION_ID, contentHash: hashOf(seed), mimeType: 'image/jpeg' });
const CHECKSUM_HEADERS = /^(x-amz-checksum-|x-amz-sdk-checksum-algorithm$|x-amz-trailer$|content-md5$)/;

const s3 = await startFakeS3Server({ now, pageSize: 2 });
const store = new R2ImageStore(configOf(s3));
t.teardown(async () => {
  store.close();
  await s3.close();
});
t.beforeEach(() => {
  clockOffsetMs = 0;
  s3.requests.length = 0;
});

t.test('put then get returns the same bytes and type', async (t) => {
  const bytes = tinyJpeg(640, 480);
  const k = key('clothing', 'shirt');
  await store.put(k, bytes, 'image/jpeg');
  const got = await store.get(k);
  t.same(Buffer.from(got.bytes), bytes);
  t.equal(got.mimeType, 'image/jpeg');
  t.ok(got.lastModified instanceof Date && Math.abs(got.lastModified.getTime() - Date.now()) < 5_000);

  const [put, get] = s3.requests;
  t.match(put, {
    operation: 'PutObject',
    method: 'PUT',
    path: `/${s3.bucket}/${k}`,
    bucket: s3.bucket,
    key: k,
    auth: 'header',
    status: 200,
  });
  t.equal(put!.headers.host, new URL(s3.endpoint).host, 'path-style: the bucket is not in the host name');
  t.match(
    put!.headers.authorization,
    /^AWS4-HMAC-SHA256 Credential=FAKEACCESSKEY\/\d{8}\/auto\/s3\/aws4_request/,
    "signed for region 'auto'",
  );
  t.equal(
    put!.headers['x-amz-content-sha256'],
    createHash('sha256').update(bytes).digest('hex'),
    'payload signed, not streamed',
  );
  t.same(
    Object.keys(put!.headers).filter((h) => CHECKSUM_HEADERS.test(h)),
    [],
    'no checksum forced on the upload',
  );
  t.equal(put!.headers['content-type'], 'image/jpeg');
  t.match(get, { operation: 'GetObject', path: `/${s3.bucket}/${k}`, auth: 'header', status: 200 });
  t.notOk(get!.headers['x-amz-checksum-mode'], 'no response checksum asked for');
});

t.test('the SDK defaults would add checksums R2 does not need (control)', async (t) => {
  const defaults = new S3Client({
    region: 'auto',
    endpoint: s3.endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
  });
  t.teardown(() => defaults.destroy());
  await defaults
    .send(new PutObjectCommand({ Bucket: s3.bucket, Key: 'control/x.png', Body: tinyPng(), ContentType: 'image/png' }))
    .catch(() => undefined);
  t.ok(
    s3.requests.some((r) => Object.keys(r.headers).some((h) => CHECKSUM_HEADERS.test(h))),
    'the default client sends checksum headers',
  );
});

t.test('a missing key is a typed NotFound', async (t) => {
  const k = key('person', 'nobody');
  const error = await store.get(k).catch((e: unknown) => e);
  t.ok(error instanceof ImageNotFound);
  t.match(error, { code: 'not_found', key: k });
  t.match(s3.requests[0], { operation: 'GetObject', status: 404 });
});

t.test('delete removes the object and is idempotent', async (t) => {
  const k = key('clothing', 'to-delete');
  await store.put(k, tinyPng(), 'image/jpeg');
  await store.delete(k);
  await t.rejects(store.get(k), ImageNotFound);
  await store.delete(k);
  t.same(
    s3.requests.filter((r) => r.operation === 'DeleteObject').map((r) => r.status),
    [204, 204],
  );
});

t.test('purge deletes old inputs only, across list pages', async (t) => {
  for (const o of [...s3.objects().keys()]) s3.objects().delete(o);
  const old = new Date(Date.now() - 25 * 3600 * 1000);
  const fresh = new Date(Date.now() - 23 * 3600 * 1000);
  const objects = [
    [key('clothing', 'old-1'), old],
    [key('clothing', 'old-2'), old],
    [key('person', 'old-3'), old],
    [key('person', 'fresh'), fresh],
    [key('tryon_result', 'old-result'), old],
  ] as const;
  for (const [k, date] of objects) {
    await store.put(k, tinyPng(), 'image/jpeg');
    s3.setLastModified(k, date);
  }
  s3.requests.length = 0;
  const result = await purgeExpiredInputs(store, new Date());
  t.same(result, { deleted: 3, scanned: 4, complete: true });
  t.same([...s3.objects().keys()].sort(), [key('person', 'fresh'), key('tryon_result', 'old-result')].sort());
  const lists = s3.requests.filter((r) => r.operation === 'ListObjectsV2');
  t.ok(lists.length >= 2, 'paged through continuation tokens');
  t.ok(
    lists.slice(1).every((r) => r.query['continuation-token']),
    'later pages carry the token',
  );
  t.ok(
    lists.every((r) => r.query.prefix === 'user-uploads/'),
    'listed under user-uploads/ only',
  );
});

t.test('a purge stops at its limit and the next run carries on', async (t) => {
  for (const o of [...s3.objects().keys()]) s3.objects().delete(o);
  for (const seed of ['a', 'b', 'c']) {
    await store.put(key('clothing', seed), tinyPng(), 'image/jpeg');
    s3.setLastModified(key('clothing', seed), new Date(0));
  }
  const limited = new R2ImageStore(configOf(s3), { maxDeletesPerPurge: 2 });
  t.teardown(() => limited.close());
  t.same(await purgeExpiredInputs(limited, new Date()), { deleted: 2, scanned: 2, complete: false });
  t.same(await purgeExpiredInputs(limited, new Date()), { deleted: 1, scanned: 1, complete: true });
  t.equal(s3.objects().size, 0);
});

t.test('a presigned URL works until it expires', async (t) => {
  const k = key('tryon_result', 'shared');
  const bytes = tinyJpeg();
  await store.put(k, bytes, 'image/jpeg');
  const url = await store.presignedGetUrl(k, 60);
  const parsed = new URL(url);
  t.equal(parsed.pathname, `/${s3.bucket}/${k}`);
  t.equal(parsed.searchParams.get('X-Amz-Expires'), '60');
  t.match(parsed.searchParams.get('X-Amz-Credential'), /\/auto\/s3\/aws4_request$/);
  t.notOk(
    [...parsed.searchParams.keys()].some((p) => /checksum/i.test(p)),
    'no checksum parameters in the URL',
  );

  const ok = await fetch(url);
  t.equal(ok.status, 200);
  t.same(Buffer.from(await ok.arrayBuffer()), bytes);
  t.match(s3.requests.at(-1), { operation: 'GetObject', auth: 'query', status: 200 });

  const signedAtMs = amzDateMs(parsed.searchParams.get('X-Amz-Date')!);
  pinnedMs = signedAtMs + 59_999;
  t.equal((await fetch(url)).status, 200, 'still valid at 59 s');
  pinnedMs = signedAtMs + 60_000;
  const expired = await fetch(url);
  t.equal(expired.status, 403, 'refused at 60 s');
  t.match(await expired.text(), /<Code>AccessDenied<\/Code><Message>Request has expired/);

  pinnedMs = undefined;
  parsed.searchParams.set('X-Amz-Signature', '0'.repeat(64));
  t.match(await (await fetch(parsed)).text(), /SignatureDoesNotMatch/, 'a tampered URL is refused');
  const otherKey = new URL(url.replace(k, key('tryon_result', 'other')));
  t.equal((await fetch(otherKey)).status, 403, 'the signature covers the key');
});

t.test('presigned URL lifetimes are bounded', async (t) => {
  await t.rejects(store.presignedGetUrl(key('clothing', 'x'), 0), RangeError);
  await t.rejects(store.presignedGetUrl(key('clothing', 'x'), 86_401), RangeError);
});

t.test('unsafe keys never reach the wire', async (t) => {
  await t.rejects(store.put('../etc/passwd', tinyPng(), 'image/png'), RangeError);
  await t.rejects(store.get('user-uploads//x.jpg'), RangeError);
  await t.rejects(store.deleteOlderThan('../', new Date()), RangeError);
  t.equal(s3.requests.length, 0);
});

t.test('failures by domain', async (t) => {
  const wrongSecret = new R2ImageStore(configOf(s3, { secretAccessKey: 'not-the-secret' }));
  const rejected = await wrongSecret.get(key('clothing', 'x')).catch((e: unknown) => e);
  t.ok(rejected instanceof StorageRejected, 'a bad signature is a rejection');
  t.match(rejected, { code: 'storage_rejected', serviceCode: 'SignatureDoesNotMatch' });
  wrongSecret.close();

  const noBucket = new R2ImageStore(configOf(s3, { bucket: 'missing' }));
  await t.rejects(noBucket.put(key('clothing', 'x'), tinyPng(), 'image/jpeg'), StorageRejected);
  noBucket.close();

  s3.failNext(1);
  await store.put(key('clothing', 'retried'), tinyPng(), 'image/jpeg');
  t.same(
    s3.requests.slice(-2).map((r) => r.status),
    [503, 200],
    'one SlowDown is retried',
  );
  s3.failNext(10);
  await t.rejects(
    store.put(key('clothing', 'throttled'), tinyPng(), 'image/jpeg'),
    StorageUnavailable,
    'persistent 503 is unavailability',
  );
  s3.failNext(0);

  const closed = await startFakeS3Server();
  await closed.close();
  const unreachable = new R2ImageStore(configOf(closed));
  await t.rejects(unreachable.get(key('clothing', 'x')), StorageUnavailable, 'a refused connection is unavailability');
  unreachable.close();
});

t.test('configuration from the environment', async (t) => {
  const env = {
    CLOUDFLARE_R2_ENDPOINT: 'https://acc.r2.cloudflarestorage.com',
    CLOUDFLARE_R2_ACCESS_KEY: 'a',
    CLOUDFLARE_R2_SECRET_KEY: 's',
    CLOUDFLARE_R2_BUCKET: 'b',
  };
  t.same(r2ConfigFromEnv(env), {
    endpoint: env.CLOUDFLARE_R2_ENDPOINT,
    accessKeyId: 'a',
    secretAccessKey: 's',
    bucket: 'b',
  });
  t.equal(r2ConfigFromEnv({ ...env, CLOUDFLARE_R2_BUCKET: undefined }), null, 'any missing: off');
  t.equal(r2ConfigFromEnv({ ...env, CLOUDFLARE_R2_SECRET_KEY: '' }), null, 'empty counts as missing');
});
