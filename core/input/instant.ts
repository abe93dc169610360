/**
 * The one parser of points in time that callers give us (HTTP queries, CLI options). Strict on
 * purpose: `Date.parse` and `new Date()` roll impossible dates over (2024-02-30 becomes
 * 2024-03-01) and read a time without a zone in the machine's zone, so a finance export could
 * silently cover another period than the one asked for. Here those are refusals.
 *
 * Accepted: a date `YYYY-MM-DD` (midnight UTC), or `YYYY-MM-DDTHH:MM[:SS[.fraction]]` followed by
 * `Z`, `±HH:MM` or `±HHMM`.
 */

/** Why a value is not an instant: stable codes, in the order they are checked. */
export const INSTANT_REJECTIONS = ['not_iso_8601', 'time_zone_required', 'impossible_date', 'impossible_time'] as const;
export type InstantRejection = (typeof INSTANT_REJECTIONS)[number];

export const INSTANT_REJECTION_MESSAGES: { readonly [R in InstantRejection]: string } = {
  not_iso_8601: 'expected an ISO 8601 time like 2026-01-31T12:00:00Z or a date like 2026-01-31',
  time_zone_required: 'a time needs a zone: Z or an offset like +03:00',
  impossible_date: 'no such day in the calendar',
  impossible_time: 'no such time of day or zone offset',
};

/** Longer input is not an instant; the cap keeps the regular expression's work bounded. */
export const INSTANT_MAX_LENGTH = 40;
/** Digits of a fraction of a second kept: milliseconds (what a JavaScript Date holds). */
const MS_DIGITS = 3;
const MINUTE_MS = 60_000;

export type InstantResult =
  | { ok: true; /** Normalised to UTC, `toISOString()` form. */ iso: string; ms: number }
  | { ok: false; rejection: InstantRejection };

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?$/;

const isLeapYear = (year: number): boolean => (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;

const daysInMonth = (year: number, month: number): number =>
  month === 2 ? (isLeapYear(year) ? 29 : 28) : [4, 6, 9, 11].includes(month) ? 30 : 31;

const validDate = (year: number, month: number, day: number): boolean =>
  month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month);

/** Minutes east of UTC, or undefined for an impossible offset (hours above 23, minutes above 59). */
const offsetMinutes = (zone: string): number | undefined => {
  if (zone === 'Z') return 0;
  const digits = zone.slice(1).replace(':', '');
  const hours = Number(digits.slice(0, 2));
  const minutes = Number(digits.slice(2));
  if (hours > 23 || minutes > 59) return undefined;
  return (zone.startsWith('-') ? -1 : 1) * (hours * 60 + minutes);
};

/** Milliseconds since the epoch of a UTC calendar time (setUTCFullYear: Date.UTC maps years 0-99 to 19xx). */
const utcMs = (year: number, month: number, day: number, hour = 0, minute = 0, second = 0, ms = 0): number => {
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, ms);
  return date.getTime();
};

const result = (ms: number): InstantResult => ({ ok: true, iso: new Date(ms).toISOString(), ms });

/** Parses `value` strictly; see the module comment for the accepted forms. */
export const parseInstant = (value: string): InstantResult => {
  if (value.length > INSTANT_MAX_LENGTH) return { ok: false, rejection: 'not_iso_8601' };
  const date = DATE.exec(value);
  if (date) {
    const [year = 0, month = 0, day = 0] = date.slice(1, 4).map(Number);
    return validDate(year, month, day) ? result(utcMs(year, month, day)) : { ok: false, rejection: 'impossible_date' };
  }
  const match = DATE_TIME.exec(value);
  if (!match) return { ok: false, rejection: 'not_iso_8601' };
  const parts = match.slice(1, 7).map((part) => Number(part ?? 0));
  const [year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0] = parts;
  const fraction = match[7] ?? '';
  const zone = match[8];
  if (zone === undefined) return { ok: false, rejection: 'time_zone_required' };
  if (!validDate(year, month, day)) return { ok: false, rejection: 'impossible_date' };
  const offset = offsetMinutes(zone);
  if (hour > 23 || minute > 59 || second > 59 || offset === undefined) {
    return { ok: false, rejection: 'impossible_time' };
  }
  const ms = Number(fraction.padEnd(MS_DIGITS, '0').slice(0, MS_DIGITS));
  return result(utcMs(year, month, day, hour, minute, second, ms) - offset * MINUTE_MS);
};
