import t from 'tap';
import {
  TELEGRAM_LOGIN_MAX_AGE_SECONDS,
  telegramLoginHash,
  verifyTelegramLogin,
  type TelegramLogin,
} from './telegramLogin.js';

const TOKEN = '123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11';
const now = 1_750_000_000;
const signed = (fields: TelegramLogin, token = TOKEN): TelegramLogin => ({
  ...fields,
  hash: telegramLoginHash(fields, token),
});
const user = {
  id: 42,
  first_name: 'Ann',
  username: 'ann',
  photo_url: 'https://t.me/i/userpic/320/ann.jpg',
  auth_date: now - 60,
};

t.test('a login signed with our bot token passes and names the user', async (t) => {
  t.same(verifyTelegramLogin(signed(user), TOKEN, now), { ok: true, userId: '42' });
});

t.test('forged, altered, stale or malformed logins are refused', async (t) => {
  const rows: Array<[string, TelegramLogin, string]> = [
    ['signed with another bot', signed(user, '654321:ZZZ-other-token-000000000000'), 'bad_hash'],
    ['id changed after signing', { ...signed(user), id: 43 }, 'bad_hash'],
    ['a field added after signing', { ...signed(user), last_name: 'X' }, 'bad_hash'],
    ['too old', signed({ ...user, auth_date: now - TELEGRAM_LOGIN_MAX_AGE_SECONDS - 1 }), 'expired'],
    ['from the future', signed({ ...user, auth_date: now + 3600 }), 'expired'],
    ['no hash', { ...user }, 'malformed'],
    ['hash not hex', { ...user, hash: 'x'.repeat(64) }, 'malformed'],
    ['no id', signed({ first_name: 'Ann', auth_date: now }), 'malformed'],
  ];
  for (const [name, login, reason] of rows) t.same(verifyTelegramLogin(login, TOKEN, now), { ok: false, reason }, name);
});
