import t from 'tap';
import { isoFromUtcText, readAllQuery, readStreamQuery } from './sql.js';

t.test('isoFromUtcText gives what Date#toISOString gives', async (t) => {
  const cases: [string, string][] = [
    ['2025-01-02 03:04:05.123456', '2025-01-02T03:04:05.123Z'],
    ['2025-01-02 03:04:05.1', '2025-01-02T03:04:05.100Z'],
    ['2025-01-02 03:04:05.12', '2025-01-02T03:04:05.120Z'],
    ['2025-01-02 03:04:05', '2025-01-02T03:04:05.000Z'],
    ['1999-12-31 23:59:59.999999', '1999-12-31T23:59:59.999Z'],
  ];
  for (const [text, iso] of cases) {
    t.equal(isoFromUtcText(text), iso, text);
    t.equal(isoFromUtcText(text), new Date(`${text.replace(' ', 'T')}Z`).toISOString(), `${text}: same as Date`);
  }
  // A server with another DateStyle: the general path still reads it as UTC.
  t.equal(isoFromUtcText('2025-01-02T03:04:05.5'), '2025-01-02T03:04:05.500Z', 'other shapes take the slow path');
  t.throws(() => isoFromUtcText('Thu Jan 02 03:04:05 2025'), /DateStyle/, 'a non-ISO DateStyle is named, not misread');
});

t.test('filters become parameters, never SQL text', async (t) => {
  const query = readAllQuery(10, { categories: ["account'; DROP TABLE events; --"], eventTypes: ['A'] }, 5);
  t.notMatch(query.text, /DROP/, 'the category is not in the text');
  t.same(query.values, [10, 5, ["account'; DROP TABLE events; --"], ['A']]);
  t.match(
    query.text,
    /transaction_id < \(SELECT pg_snapshot_xmin\(pg_current_snapshot\(\)\)\)/,
    'the late-commit horizon',
  );
  t.same(readStreamQuery('account-1', 'backwards', undefined, 3).values, ['account-1', 3], 'backwards from the end');
});
