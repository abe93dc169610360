import t from 'tap';
import { isTelegramUserId, isTelegramUserIdNumber, parseTelegramUserId, TELEGRAM_USER_ID_MAX } from './index.js';

// One row per case: the value, and the canonical id it stands for (undefined: refused).
const CASES: Array<{ name: string; value: unknown; id: string | undefined }> = [
  { name: 'a usual id', value: '123456789', id: '123456789' },
  { name: 'the smallest id', value: '1', id: '1' },
  { name: 'the largest id, 2^52', value: String(2 ** 52), id: '4503599627370496' },
  { name: 'one past 2^52', value: '4503599627370497', id: undefined },
  { name: 'past 2^53, not exact as a double', value: '9007199254740993', id: undefined },
  { name: '2^63, past bigint', value: '9223372036854775808', id: undefined },
  { name: 'a 20-digit id', value: '12345678901234567890', id: undefined },
  { name: 'zero', value: '0', id: undefined },
  { name: 'a leading zero', value: '0123', id: undefined },
  { name: 'a sign', value: '+123', id: undefined },
  { name: 'negative', value: '-5', id: undefined },
  { name: 'spaces', value: ' 123', id: undefined },
  { name: 'an exponent', value: '1e5', id: undefined },
  { name: 'a fraction', value: '12.0', id: undefined },
  { name: 'empty', value: '', id: undefined },
  { name: 'a number', value: 42, id: '42' },
  { name: 'the number 2^52', value: 2 ** 52, id: '4503599627370496' },
  { name: 'a number past 2^52', value: 2 ** 52 + 1, id: undefined },
  { name: 'a number rounded by JSON (2^63)', value: JSON.parse('9223372036854775808') as number, id: undefined },
  { name: 'a negative number', value: -1, id: undefined },
  { name: 'a fractional number', value: 1.5, id: undefined },
  { name: 'NaN', value: Number.NaN, id: undefined },
  { name: 'a bigint', value: 5n, id: undefined },
  { name: 'null', value: null, id: undefined },
];

t.test('one definition of a Telegram user id', async (t) => {
  t.equal(TELEGRAM_USER_ID_MAX, 4503599627370496);
  for (const c of CASES) {
    t.equal(parseTelegramUserId(c.value), c.id, c.name);
    if (typeof c.value === 'string') t.equal(isTelegramUserId(c.value), c.id !== undefined, `${c.name} (string)`);
    if (typeof c.value === 'number') t.equal(isTelegramUserIdNumber(c.value), c.id !== undefined, `${c.name} (number)`);
  }
});
