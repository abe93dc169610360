import t from 'tap';
import { inTransaction } from './transaction.js';
import { testDatabase } from '../test/support/database.js';
import { COPY_CHUNK_BYTES, copyInteger, copyInto, copyJsonText, copyText, CopyRows } from './copyRows.js';

// Every character the text format treats specially, and a few it does not.
const TEXTS = [
  'plain',
  '',
  'tab\there',
  'line\nbreak',
  'cr\rlf\r\n',
  'back\\slash',
  '\\N',
  '\\.',
  '\\',
  'a\\tb',
  'юникод',
  'dress 👗 emoji',
  ' spaced ',
];

t.test('text values come back from COPY exactly as written, NULL as NULL', async (t) => {
  const { pool } = await testDatabase(t);
  const rows = new CopyRows();
  const values: Array<[number, string | null, number | null]> = [
    ...TEXTS.map((text, i): [number, string, number] => [i, text, -i]),
    [TEXTS.length, null, null],
  ];
  for (const [n, text, number] of values) rows.push(`${n}\t${copyText(text)}\t${copyInteger(number)}\n`);
  t.equal(rows.rows, values.length);
  const back = await inTransaction(pool, async (client) => {
    await client.query('CREATE TEMPORARY TABLE copied (n int, text text, number bigint) ON COMMIT DROP');
    await copyInto(client, 'copied', ['n', 'text', 'number'], rows.take());
    return (await client.query('SELECT n, text, number FROM copied ORDER BY n')).rows;
  });
  t.same(
    back,
    values.map(([n, text, number]) => ({ n, text, number })),
  );
  t.equal(rows.rows, 0, 'take empties the builder');
  t.same(rows.take(), [], 'and nothing is left to take');
});

t.test('a JSON value becomes the text json_to_recordset makes of it', async (t) => {
  const { pool } = await testDatabase(t);
  const values: unknown[] = [
    'text',
    'tab\t',
    42,
    -0,
    1e21,
    0.5,
    true,
    false,
    { a: [1, 'x\ny'] },
    [1, 2],
    null,
    undefined,
  ];
  const rows = new CopyRows();
  values.forEach((value, n) => rows.push(`${n}\t${copyJsonText(value)}\n`));
  const { copied, json } = await inTransaction(pool, async (client) => {
    await client.query('CREATE TEMPORARY TABLE copied (n int, value text) ON COMMIT DROP');
    await copyInto(client, 'copied', ['n', 'value'], rows.take());
    return {
      copied: (await client.query('SELECT n, value FROM copied ORDER BY n')).rows,
      json: (
        await client.query(`SELECT n, value FROM json_to_recordset($1::json) AS r (n int, value text) ORDER BY n`, [
          JSON.stringify(values.map((value, n) => ({ n, value }))),
        ])
      ).rows,
    };
  });
  t.same(copied, json);
});

t.test('what PostgreSQL text cannot hold is refused, not changed', async (t) => {
  t.throws(() => copyText('nul\0'), /NUL/);
  t.throws(() => copyText('lone \uD800 high'), /surrogate/);
  t.throws(() => copyText('lone \uDC00 low'), /surrogate/);
  t.throws(() => copyText('reversed \uDC00\uD800'), /surrogate/);
  t.equal(copyText('pair 👗'), 'pair 👗', 'a surrogate pair is a character like any other');
});

t.test('rows fill Buffers of about COPY_CHUNK_BYTES; a longer row gets a bigger one', async (t) => {
  const rows = new CopyRows();
  const line = `${'x'.repeat(999)}\n`;
  const count = Math.ceil((2.5 * COPY_CHUNK_BYTES) / line.length);
  for (let i = 0; i < count; i++) rows.push(line);
  const huge = `${'y'.repeat(COPY_CHUNK_BYTES)}\n`;
  rows.push(huge);
  rows.push('tail é\n');
  const chunks = rows.take();
  t.ok(chunks.length >= 4, `${chunks.length} chunks`);
  t.equal(
    chunks.filter((chunk) => chunk.length > COPY_CHUNK_BYTES).length,
    1,
    'only the Buffer with the long row is bigger',
  );
  t.equal(Buffer.concat(chunks).toString('utf8'), line.repeat(count) + huge + 'tail é\n', 'every byte in order');
});
