import t from 'tap';
import { INSTANT_MAX_LENGTH, parseInstant, type InstantRejection } from './index.js';

t.test('accepted: dates (midnight UTC) and times with a zone, normalised to UTC', async (t) => {
  const cases: Array<[string, string]> = [
    ['2024-02-29', '2024-02-29T00:00:00.000Z'],
    ['2000-02-29', '2000-02-29T00:00:00.000Z'],
    ['2026-01-31T12:00:00Z', '2026-01-31T12:00:00.000Z'],
    ['2026-01-31T12:00Z', '2026-01-31T12:00:00.000Z'],
    ['2026-01-31T12:00:00.5Z', '2026-01-31T12:00:00.500Z'],
    ['2026-01-31T12:00:00.123456789Z', '2026-01-31T12:00:00.123Z'],
    ['2026-01-31T03:00:00+03:00', '2026-01-31T00:00:00.000Z'],
    ['2026-01-31T03:00:00+0300', '2026-01-31T00:00:00.000Z'],
    ['2026-01-31T23:30:00-01:30', '2026-02-01T01:00:00.000Z'],
    ['0050-06-01', '0050-06-01T00:00:00.000Z'],
  ];
  for (const [input, iso] of cases) t.match(parseInstant(input), { ok: true, iso, ms: Date.parse(iso) }, input);
});

t.test('refused with a reason: impossible days and times, no zone, not ISO 8601', async (t) => {
  const cases: Array<[string, InstantRejection]> = [
    ['2024-02-30', 'impossible_date'],
    ['2023-02-29', 'impossible_date'],
    ['1900-02-29', 'impossible_date'],
    ['2024-04-31', 'impossible_date'],
    ['2024-13-01', 'impossible_date'],
    ['2024-00-10', 'impossible_date'],
    ['2024-01-00', 'impossible_date'],
    ['2024-02-30T10:00:00Z', 'impossible_date'],
    ['2024-01-01T24:00:00Z', 'impossible_time'],
    ['2024-01-01T10:60:00Z', 'impossible_time'],
    ['2024-01-01T10:00:60Z', 'impossible_time'],
    ['2024-01-01T10:00:00+24:00', 'impossible_time'],
    ['2024-01-01T10:00:00+01:60', 'impossible_time'],
    ['2024-01-01T10:00:00', 'time_zone_required'],
    ['2024-01-01T10:00', 'time_zone_required'],
    ['yesterday', 'not_iso_8601'],
    ['', 'not_iso_8601'],
    ['2024-1-1', 'not_iso_8601'],
    ['2024-01-01 10:00:00Z', 'not_iso_8601'],
    ['2024-01-01t10:00:00z', 'not_iso_8601'],
    ['1706745600000', 'not_iso_8601'],
    ['Wed, 31 Jan 2024 00:00:00 GMT', 'not_iso_8601'],
    ['+002024-01-01T00:00:00Z', 'not_iso_8601'],
    [`2024-01-01T10:00:00.${'1'.repeat(INSTANT_MAX_LENGTH)}Z`, 'not_iso_8601'],
  ];
  for (const [input, rejection] of cases) t.same(parseInstant(input), { ok: false, rejection }, input.slice(0, 40));
});
