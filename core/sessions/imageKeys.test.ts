import t from 'tap';
import { IMAGE_DIRECTORIES, isKeyOf, isSafeStorageKey, keyFor, parseImageKey } from './index.js';
import { SESSION_ID, hashOf } from '../../test/fixtures/sessionFixtures.js';

const hash = hashOf('x');

t.test('keys follow the R2 directories of the architecture document', async (t) => {
  t.equal(
    keyFor({ kind: 'clothing', sessionId: SESSION_ID, contentHash: hash, mimeType: 'image/jpeg' }),
    `user-uploads/clothing/${SESSION_ID}/${hash}.jpg`,
  );
  t.equal(
    keyFor({ kind: 'person', sessionId: SESSION_ID, contentHash: hash, mimeType: 'image/png' }),
    `user-uploads/persons/${SESSION_ID}/${hash}.png`,
  );
  t.equal(
    keyFor({ kind: 'style_input', sessionId: SESSION_ID, contentHash: hash, mimeType: 'image/webp' }),
    `user-uploads/persons/${SESSION_ID}/${hash}.webp`,
  );
  t.equal(
    keyFor({ kind: 'tryon_result', sessionId: SESSION_ID, contentHash: hash, mimeType: 'image/png' }),
    `generated-images/tryons/${SESSION_ID}/${hash}.png`,
  );
  t.equal(
    keyFor({ kind: 'style_asset', sessionId: SESSION_ID, contentHash: hash, mimeType: 'image/png' }),
    `generated-images/styles/${SESSION_ID}/${hash}.png`,
  );
  t.same(Object.keys(IMAGE_DIRECTORIES).sort(), ['clothing', 'person', 'style_asset', 'style_input', 'tryon_result']);
});

t.test('keyFor refuses ids we never issue', async (t) => {
  const make =
    (sessionId: string, contentHash = hash) =>
    () =>
      keyFor({ kind: 'clothing', sessionId, contentHash, mimeType: 'image/jpeg' });
  t.throws(make('../../etc'), RangeError);
  t.throws(make('my holiday photo'), RangeError);
  t.throws(make(SESSION_ID.toUpperCase()), RangeError);
  t.throws(make('00000000-0000-0000-0000-000000000000'), RangeError);
  t.throws(make(SESSION_ID, 'abc'), RangeError);
  t.throws(
    () => keyFor({ kind: 'clothing', sessionId: SESSION_ID, contentHash: hash, mimeType: 'image/gif' as 'image/png' }),
    RangeError,
  );
});

t.test('parseImageKey reads back what keyFor makes, and nothing else', async (t) => {
  const key = keyFor({ kind: 'tryon_result', sessionId: SESSION_ID, contentHash: hash, mimeType: 'image/webp' });
  t.same(parseImageKey(key), {
    directory: 'generated-images/tryons',
    sessionId: SESSION_ID,
    contentHash: hash,
    mimeType: 'image/webp',
  });
  t.ok(isKeyOf(key, 'tryon_result', SESSION_ID));
  t.notOk(isKeyOf(key, 'clothing', SESSION_ID));
  for (const bad of [
    `user-uploads/other/${SESSION_ID}/${hash}.jpg`,
    `user-uploads/clothing/${SESSION_ID}/${hash}.gif`,
    `user-uploads/clothing/not-a-uuid/${hash}.jpg`,
    `user-uploads/clothing/${SESSION_ID}/photo.jpg`,
    `/user-uploads/clothing/${SESSION_ID}/${hash}.jpg`,
  ]) {
    t.equal(parseImageKey(bad), null, bad);
  }
});

t.test('safe storage keys', async (t) => {
  t.ok(isSafeStorageKey(`user-uploads/clothing/${SESSION_ID}/${hash}.jpg`));
  t.ok(isSafeStorageKey('user-uploads/', { prefix: true }));
  t.notOk(isSafeStorageKey('user-uploads/'), 'a key may not end in /');
  for (const bad of [
    '',
    '../x',
    'a/../b',
    'a//b',
    '/abs',
    'Upper/case',
    'space here',
    'a/./b',
    'x'.repeat(513),
    'a\\b',
  ]) {
    t.notOk(isSafeStorageKey(bad), JSON.stringify(bad.slice(0, 20)));
  }
});
