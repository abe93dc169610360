import t from 'tap';
import { ipAllowlist, YOOKASSA_PUBLISHED_RANGES } from './ipAllowlist.js';

t.test("YooKassa's published ranges: inside passes, outside does not", async (t) => {
  const list = ipAllowlist(YOOKASSA_PUBLISHED_RANGES);
  const rows: Array<[string | undefined, boolean]> = [
    ['185.71.76.0', true],
    ['185.71.76.31', true],
    ['185.71.76.32', false],
    ['185.71.77.10', true],
    ['77.75.153.127', true],
    ['77.75.153.128', false],
    ['77.75.156.11', true],
    ['77.75.156.12', false],
    ['77.75.154.200', true],
    ['::ffff:185.71.76.5', true],
    ['2a02:5180::1', true],
    ['2a02:5181::1', false],
    ['127.0.0.1', false],
    ['10.0.0.1', false],
    ['not-an-ip', false],
    [undefined, false],
    ['', false],
  ];
  for (const [ip, allowed] of rows) t.equal(list.allows(ip), allowed, String(ip));
});

t.test('a configured list replaces the default; bad entries are refused at start', async (t) => {
  const list = ipAllowlist(['127.0.0.1', '10.1.0.0/16']);
  t.ok(list.allows('127.0.0.1'));
  t.ok(list.allows('10.1.2.3'));
  t.notOk(list.allows('185.71.76.1'));
  t.throws(() => ipAllowlist(['10.0.0.0/33']));
  t.throws(() => ipAllowlist(['example.com']));
});
