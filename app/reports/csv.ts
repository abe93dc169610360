/**
 * CSV as RFC 4180 reads it: comma-separated, CRLF line ends, a field quoted when it holds a
 * comma, a quote, CR or LF, with quotes doubled. Text that a spreadsheet would run as a formula
 * (starting with =, +, -, @, tab or CR) gets a leading apostrophe (OWASP "CSV injection"):
 * payment ids and reasons come from outside. Numbers are written as they are, minus signs
 * included.
 */

export type CsvValue = string | number | boolean | null | undefined;

const FORMULA_START = /^[=+\-@\t\r]/;

export const csvField = (value: CsvValue): string => {
  if (value === null || value === undefined) return '';
  if (typeof value !== 'string') return String(value);
  const text = FORMULA_START.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
};

/** A header line and one line per row, in the order of `columns`. */
export const toCsv = <Row extends { [K in keyof Row]: CsvValue }>(
  columns: ReadonlyArray<keyof Row & string>,
  rows: readonly Row[],
): string =>
  [columns.map(csvField).join(','), ...rows.map((row) => columns.map((c) => csvField(row[c])).join(','))]
    .map((line) => `${line}\r\n`)
    .join('');
