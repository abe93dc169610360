import { readFile } from 'node:fs/promises';
import t from 'tap';
import { HTTP_ERRORS } from './errors.js';

/** The README's table of error codes, as `code -> status`. */
const documented = async (): Promise<Map<string, number>> => {
  const readme = await readFile(new URL('./README.md', import.meta.url), 'utf8');
  const rows = [...readme.matchAll(/^\| `([a-z_]+)` \| (\d{3}) \|/gm)];
  return new Map(rows.map((row) => [row[1]!, Number(row[2])]));
};

t.test('every registered error code is documented in the README with its status, and nothing else is', async (t) => {
  const table = await documented();
  for (const [code, entry] of Object.entries(HTTP_ERRORS)) {
    t.equal(table.get(code), entry.status, `${code}: documented as ${entry.status}`);
    t.match(code, /^[a-z_]+$/, `${code} is snake_case`);
    t.ok(entry.status >= 400 && entry.status < 600, `${code} has an error status`);
    t.ok(entry.description.length > 10, `${code} is described in the registry`);
  }
  for (const code of table.keys()) t.ok(Object.hasOwn(HTTP_ERRORS, code), `${code} in the README is registered`);
});
