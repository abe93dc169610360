import t, { type Test } from 'tap';
import { existsSync } from 'node:fs';
import { readdir, utimes } from 'node:fs/promises';
import path from 'node:path';
import {
  ImageNotFound,
  LocalImageStore,
  keyFor,
  purgeExpiredInputs,
  storeUpload,
  verifyLocalSignedUrl,
} from './index.js';
import { tinyJpeg, tinyPng } from '../../test/fixtures/images.js';
import { OTHER_SESSION_ID, SESSION_ID, hashOf } from '../../test/fixtures/sessionFixtures.js';

const SECRET = 'local-signing-secret-0123456789abcdef';
const NOW = new Date('2025-03-01T10:00:00.000Z');
const key = (kind: 'clothing' | 'person' | 'tryon_result', seed: string, sessionId = SESSION_ID) =>
  keyFor({ kind, sessionId, contentHash: hashOf(seed), mimeType: 'image/png' });

const newStore = (t: Test, options: { urlBase?: string } = {}) => {
  const root = t.testdir();
  return {
    root,
    store: new LocalImageStore(path.join(root, 'files'), { signingSecret: SECRET, clock: () => NOW, ...options }),
  };
};

t.test('put then get returns the same bytes, type and time', async (t) => {
  const { root, store } = newStore(t);
  const bytes = tinyPng(100, 80);
  const k = key('clothing', 'shirt');
  await store.put(k, bytes, 'image/png');
  const got = await store.get(k);
  t.same(Buffer.from(got.bytes), bytes);
  t.equal(got.mimeType, 'image/png');
  t.ok(Math.abs(got.lastModified.getTime() - Date.now()) < 5_000);
  t.ok(existsSync(path.join(root, 'files', ...k.split('/'))), 'stored at files/<key>');
  t.same(
    (await readdir(path.dirname(path.join(root, 'files', ...k.split('/'))))).filter((f) => f.endsWith('.tmp')),
    [],
    'no temp file left',
  );
  await store.put(k, bytes, 'image/png');
  t.same(Buffer.from((await store.get(k)).bytes), bytes, 'a retried put is harmless');
});

t.test('a missing key is a typed NotFound', async (t) => {
  const { store } = newStore(t);
  const error = await store.get(key('person', 'nobody')).catch((e: unknown) => e);
  t.ok(error instanceof ImageNotFound);
  t.match(error, { code: 'not_found', key: key('person', 'nobody') });
});

t.test('delete removes the file and is idempotent', async (t) => {
  const { store } = newStore(t);
  const k = key('clothing', 'gone');
  await store.put(k, tinyPng(), 'image/png');
  await store.delete(k);
  await t.rejects(store.get(k), ImageNotFound);
  await store.delete(k);
});

t.test('purge deletes old inputs only and tidies empty directories', async (t) => {
  const { root, store } = newStore(t);
  const old = new Date(Date.now() - 25 * 3600 * 1000);
  const fresh = new Date(Date.now() - 23 * 3600 * 1000);
  const files = [
    [key('clothing', 'old-1', OTHER_SESSION_ID), old],
    [key('person', 'old-2', OTHER_SESSION_ID), old],
    [key('clothing', 'old-3'), old],
    [key('person', 'fresh'), fresh],
    [key('tryon_result', 'old-result'), old],
  ] as const;
  for (const [k, date] of files) {
    await store.put(k, tinyPng(), 'image/png');
    await utimes(path.join(root, 'files', ...k.split('/')), date, date);
  }
  t.same(await purgeExpiredInputs(store, new Date()), { deleted: 3, scanned: 4, complete: true });
  await t.rejects(store.get(key('clothing', 'old-3')), ImageNotFound);
  t.ok(await store.get(key('person', 'fresh')), 'a fresh input stays');
  t.ok(await store.get(key('tryon_result', 'old-result')), 'generated images are not inputs');
  t.notOk(
    existsSync(path.join(root, 'files', 'user-uploads', 'clothing', OTHER_SESSION_ID)),
    'emptied session directory removed',
  );
  t.same(
    await purgeExpiredInputs(store, new Date()),
    { deleted: 0, scanned: 1, complete: true },
    'a second run finds nothing',
  );
  t.same(await store.deleteOlderThan('user-uploads/nothing-here/', new Date()), {
    deleted: 0,
    scanned: 0,
    complete: true,
  });
});

t.test('a purge stops at its limit and the next run carries on', async (t) => {
  const root = t.testdir();
  const store = new LocalImageStore(root, { signingSecret: SECRET, maxDeletesPerPurge: 2 });
  for (const seed of ['a', 'b', 'c']) {
    await store.put(key('clothing', seed), tinyPng(), 'image/png');
    await utimes(path.join(root, ...key('clothing', seed).split('/')), new Date(0), new Date(0));
  }
  t.match(await purgeExpiredInputs(store, new Date()), { deleted: 2, complete: false });
  t.match(await purgeExpiredInputs(store, new Date()), { deleted: 1, complete: true });
});

t.test('a signed URL verifies until it expires', async (t) => {
  const { store } = newStore(t);
  const k = key('tryon_result', 'shared');
  const url = await store.presignedGetUrl(k, 60);
  t.match(url, new RegExp(`^/files/${k}\\?expires=\\d+&signature=[A-Za-z0-9_-]{43}$`));
  const at = (seconds: number) => ({ secret: SECRET, now: new Date(NOW.getTime() + seconds * 1000) });
  t.same(verifyLocalSignedUrl(url, at(0)), { ok: true, key: k, expiresAt: new Date(NOW.getTime() + 60_000) });
  t.match(verifyLocalSignedUrl(url, at(59)), { ok: true });
  t.same(verifyLocalSignedUrl(url, at(60)), { ok: false, reason: 'expired' });

  const later = url.replace(/expires=(\d+)/, (_m, s: string) => `expires=${Number(s) + 3600}`);
  t.same(verifyLocalSignedUrl(later, at(120)), { ok: false, reason: 'bad_signature' }, 'the expiry cannot be extended');
  const otherKey = url.replace(k, key('tryon_result', 'other'));
  t.same(verifyLocalSignedUrl(otherKey, at(0)), { ok: false, reason: 'bad_signature' }, 'the signature covers the key');
  t.same(verifyLocalSignedUrl(url, { ...at(0), secret: 'another-secret-of-sufficient-length!!' }), {
    ok: false,
    reason: 'bad_signature',
  });
  for (const bad of [
    '/files/../../etc/passwd?expires=1&signature=x',
    '/other/path?expires=1',
    url.replace(/&signature=.*/, ''),
    '/files/%E0%A4%A?expires=1',
  ]) {
    t.same(verifyLocalSignedUrl(bad, at(0)), { ok: false, reason: 'malformed' }, bad);
  }
});

t.test('signed URLs with a base URL and a custom path', async (t) => {
  const root = t.testdir();
  const store = new LocalImageStore(root, {
    signingSecret: SECRET,
    clock: () => NOW,
    urlBase: 'https://modera.example',
    pathPrefix: '/media/',
  });
  const url = await store.presignedGetUrl(key('clothing', 'x'), 300);
  t.ok(url.startsWith('https://modera.example/media/user-uploads/clothing/'));
  t.match(verifyLocalSignedUrl(url, { secret: SECRET, now: NOW, pathPrefix: '/media/' }), { ok: true });
  t.match(verifyLocalSignedUrl(url, { secret: SECRET, now: NOW }), { ok: false, reason: 'malformed' });
});

t.test('refusals that are bugs in the caller', async (t) => {
  const { store } = newStore(t);
  await t.rejects(store.put('../outside.png', tinyPng(), 'image/png'), RangeError);
  await t.rejects(store.put(key('clothing', 'x'), tinyPng(), 'image/jpeg'), RangeError, 'extension and type disagree');
  await t.rejects(store.presignedGetUrl(key('clothing', 'x'), 90_000), RangeError);
  t.throws(() => new LocalImageStore(t.testdir(), { signingSecret: 'short' }), RangeError);
});

t.test('storeUpload validates, hashes and stores', async (t) => {
  const { store } = newStore(t);
  const bytes = tinyJpeg(800, 600);
  const stored = await storeUpload(store, { kind: 'person', sessionId: SESSION_ID, bytes });
  t.match(stored, { ok: true, image: { mimeType: 'image/jpeg', bytes: bytes.length, widthPx: 800, heightPx: 600 } });
  if (!stored.ok) return;
  t.match(stored.image.imageKey, new RegExp(`^user-uploads/persons/${SESSION_ID}/[0-9a-f]{64}\\.jpg$`));
  t.same(Buffer.from((await store.get(stored.image.imageKey)).bytes), bytes);

  const text = Buffer.from('just some text, named holiday.jpg');
  t.match(await storeUpload(store, { kind: 'clothing', sessionId: SESSION_ID, bytes: text }), {
    ok: false,
    rejection: 'unsupported_image_type',
  });
  t.match(await storeUpload(store, { kind: 'clothing', sessionId: SESSION_ID, bytes: tinyPng(20_000, 100) }), {
    ok: false,
    rejection: 'image_dimensions_out_of_range',
  });
  t.same(
    await store.deleteOlderThan('user-uploads/clothing/', new Date(Date.now() + 1000)),
    { deleted: 0, scanned: 0, complete: true },
    'refused images are never stored',
  );
});
