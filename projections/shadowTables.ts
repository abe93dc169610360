import { createHash } from 'node:crypto';
import type pg from 'pg';
import { quoteIdent, type TableNames } from './types.js';

/**
 * Shadow copies of a projection's tables, for a rebuild that never takes the live ones away:
 * `users__rebuild` is created from the live `users` (columns, defaults, generated columns, checks,
 * unique indexes, row-level security and its policies), filled from the first event, finished
 * (the other indexes, foreign keys), and swapped in: in one transaction the live tables are
 * dropped and the shadows take their names, grants, publications and index names.
 *
 * What a swap cannot carry is refused before anything is built: a foreign key from a table
 * outside the set (it would point at the dropped table), a trigger. A view on a live table makes
 * the DROP fail, so the swap rolls back and the live tables stay as they were.
 */

export const SHADOW_SUFFIX = '__rebuild';
/** How long the swap waits for readers to let go of the live tables before giving up, ms. */
export const SWAP_LOCK_TIMEOUT_MS = 5_000;

export const shadowName = (table: string): string => `${table}${SHADOW_SUFFIX}`;

/** A shadow's index or constraint name: unique in the schema while both tables exist. */
export const shadowIndexName = (name: string): string =>
  name.length <= 59 ? `${name}__rb` : `rb_${createHash('md5').update(name).digest('hex').slice(0, 24)}`;

export const shadowTables = (tables: readonly string[]): TableNames =>
  Object.fromEntries(tables.map((table) => [table, quoteIdent(shadowName(table))]));

interface IndexInfo {
  name: string;
  def: string;
  unique: boolean;
  constraint: string | null;
  constraintDef: string | null;
}

const indexesOf = async (client: pg.ClientBase, table: string): Promise<IndexInfo[]> =>
  (
    await client.query<IndexInfo>(
      `SELECT ic.relname AS name, pg_get_indexdef(i.indexrelid) AS def, i.indisunique AS unique,
       c.conname AS constraint, pg_get_constraintdef(c.oid) AS "constraintDef"
     FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
     LEFT JOIN pg_constraint c ON c.conindid = i.indexrelid AND c.conrelid = i.indrelid AND c.contype IN ('p', 'u', 'x')
     WHERE i.indrelid = to_regclass($1) ORDER BY ic.relname`,
      [quoteIdent(table)],
    )
  ).rows;

/** The statement that makes the shadow's copy of a live index. */
const indexStatement = (index: IndexInfo, shadow: string): string => {
  if (index.constraint) {
    const constraint = quoteIdent(shadowIndexName(index.constraint));
    return `ALTER TABLE ${shadow} ADD CONSTRAINT ${constraint} ${index.constraintDef}`;
  }
  const using = index.def.indexOf(' USING ');
  if (using < 0) throw new Error(`cannot read the definition of index ${index.name}: ${index.def}`);
  const unique = index.unique ? 'UNIQUE ' : '';
  const indexName = quoteIdent(shadowIndexName(index.name));
  return `CREATE ${unique}INDEX IF NOT EXISTS ${indexName} ON ${shadow}${index.def.slice(using)}`;
};

/**
 * Statements, built by the catalog with format(), that copy the storage parameters, row-level
 * security and policies of `table` to `shadow`.
 */
const tableStatements = async (client: pg.ClientBase, table: string, shadow: string): Promise<string[]> =>
  (
    await client.query<{ statement: string }>(
      `SELECT format('ALTER TABLE %I SET (%s)', $2::text, array_to_string(reloptions, ', ')) AS statement
       FROM pg_class WHERE oid = to_regclass($1) AND reloptions IS NOT NULL
     UNION ALL SELECT format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY',
     $2::text) FROM pg_class WHERE oid = to_regclass($1) AND relrowsecurity
     UNION ALL SELECT format('ALTER TABLE %I FORCE ROW LEVEL SECURITY',
     $2::text) FROM pg_class WHERE oid = to_regclass($1) AND relforcerowsecurity
     UNION ALL SELECT format('CREATE POLICY %I ON %I AS %s FOR %s TO %s', policyname, $2::text, permissive, cmd,
         (SELECT string_agg(CASE WHEN r = 'public' THEN 'PUBLIC' ELSE quote_ident(r) END, ', ') FROM unnest(roles) r))
       || coalesce(' USING (' || qual || ')', '') || coalesce(' WITH CHECK (' || with_check || ')', '')
       FROM pg_policies WHERE schemaname = current_schema() AND tablename = $3`,
      [quoteIdent(table), shadow, table],
    )
  ).rows.map((r) => r.statement);

/** Refuses what a swap cannot carry over (see the top of this file). */
const assertSwappable = async (client: pg.ClientBase, tables: readonly string[]): Promise<void> => {
  const names = tables.map(quoteIdent);
  const { rows } = await client.query<{ problem: string }>(
    `SELECT format('foreign key %s on %s references %s', c.conname, c.conrelid::regclass,
       c.confrelid::regclass) AS problem
       FROM pg_constraint c WHERE c.contype = 'f' AND c.confrelid = ANY (SELECT to_regclass(n)
       FROM unnest($1::text[]) n)
        AND c.conrelid <> ALL (SELECT to_regclass(n) FROM unnest($1::text[]) n)
     UNION ALL SELECT format('trigger %s on %s', t.tgname, t.tgrelid::regclass)
       FROM pg_trigger t WHERE NOT t.tgisinternal AND t.tgrelid = ANY (SELECT to_regclass(n)
       FROM unnest($1::text[]) n)`,
    [names],
  );
  if (rows.length > 0)
    throw new Error(`cannot rebuild ${tables.join(', ')} by swapping tables: ${rows.map((r) => r.problem).join('; ')}`);
};

/** Whether every shadow exists with the same columns as its live table (a migration may have run since). */
export const shadowsMatch = async (client: pg.ClientBase, tables: readonly string[]): Promise<boolean> => {
  for (const table of tables) {
    const { rows } = await client.query<{ live: string | null; shadow: string | null }>(
      `SELECT (SELECT string_agg(attname || ' ' || format_type(atttypid, atttypmod),
                ', ' ORDER BY attnum) FROM pg_attribute
                WHERE attrelid = to_regclass($1) AND attnum > 0 AND NOT attisdropped) AS live,
              (SELECT string_agg(attname || ' ' || format_type(atttypid, atttypmod),
              ', ' ORDER BY attnum) FROM pg_attribute
                WHERE attrelid = to_regclass($2) AND attnum > 0 AND NOT attisdropped) AS shadow`,
      [quoteIdent(table), quoteIdent(shadowName(table))],
    );
    if (!rows[0]?.shadow || rows[0].live !== rows[0].shadow) return false;
  }
  return true;
};

export interface ShadowOptions {
  /** The indexes the fill needs; default: the unique ones. */
  fillIndexes?: readonly string[];
  /** Logged shadows (Projection.rebuildLogged); default unlogged. */
  logged?: boolean;
}

/**
 * (Re)creates the empty shadows with what a fill needs: columns, defaults, checks, storage
 * parameters, row-level security and its policies, and the fill's indexes. Run inside the
 * caller's transaction.
 */
export const createShadowTables = async (
  client: pg.ClientBase,
  tables: readonly string[],
  options: ShadowOptions = {},
): Promise<void> => {
  await assertSwappable(client, tables);
  await client.query(`DROP TABLE IF EXISTS ${tables.map((table) => quoteIdent(shadowName(table))).join(', ')}`);
  for (const table of tables) {
    const shadow = quoteIdent(shadowName(table));
    // Unlogged while filled (no WAL per row: about a fifth of a batch-by-batch rebuild's time),
    // logged again by finishShadowTables before the swap; or logged throughout (see
    // Projection.rebuildLogged). A database crash empties unlogged tables: the rebuild sees
    // empty shadows under a checkpoint past 0 and starts them again (shadowsEmpty).
    await client.query(
      `CREATE ${options.logged ? '' : 'UNLOGGED '}TABLE ${shadow} ` +
        `(LIKE ${quoteIdent(table)} INCLUDING ALL EXCLUDING INDEXES)`,
    );
    for (const statement of await tableStatements(client, table, shadowName(table))) await client.query(statement);
    const { fillIndexes } = options;
    const needed = (await indexesOf(client, table)).filter((i) =>
      fillIndexes ? fillIndexes.includes(i.name) : i.unique,
    );
    for (const index of needed) await client.query(indexStatement(index, shadow));
  }
};

/**
 * True when every shadow is empty: after a database crash, unlogged shadows come back empty
 * while the rebuild's checkpoint (a logged row) still says how far they had got.
 */
export const shadowsEmpty = async (client: pg.ClientBase, tables: readonly string[]): Promise<boolean> => {
  for (const table of tables) {
    const { rows } = await client.query<{ any: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM ${quoteIdent(shadowName(table))}) AS any`,
    );
    if (rows[0]?.any) return false;
  }
  return true;
};

/**
 * Makes unlogged shadows logged (one pass each, before their indexes exist; nothing to do for
 * logged ones), then adds what would slow the fill down: the other indexes (built in one pass
 * each) and the foreign keys (checked once, over the whole table). Idempotent, so a rebuild
 * killed half-way through it can run it again.
 */
export const finishShadowTables = async (client: pg.ClientBase, tables: readonly string[]): Promise<void> => {
  for (const table of tables) await client.query(`ALTER TABLE ${quoteIdent(shadowName(table))} SET LOGGED`);
  for (const table of tables) {
    const shadow = quoteIdent(shadowName(table));
    for (const index of await indexesOf(client, table)) {
      const exists = await client.query('SELECT to_regclass($1) IS NOT NULL AS exists', [
        quoteIdent(shadowIndexName(index.name)),
      ]);
      if (!exists.rows[0]?.exists) await client.query(indexStatement(index, shadow));
    }
    const { rows } = await client.query<{ name: string; def: string; referenced: string }>(
      `SELECT c.conname AS name, pg_get_constraintdef(c.oid) AS def, c.confrelid::regclass::text AS referenced
       FROM pg_constraint c WHERE c.conrelid = to_regclass($1) AND c.contype = 'f'
         AND NOT EXISTS (SELECT 1 FROM pg_constraint s WHERE s.conrelid = to_regclass($2) AND s.conname = c.conname)`,
      [quoteIdent(table), shadow],
    );
    for (const fk of rows) {
      const target = tables.find((t) => quoteIdent(t) === fk.referenced || t === fk.referenced);
      const def = target
        ? fk.def.replace(`REFERENCES ${fk.referenced}(`, `REFERENCES ${quoteIdent(shadowName(target))}(`)
        : fk.def;
      await client.query(`ALTER TABLE ${shadow} ADD CONSTRAINT ${quoteIdent(fk.name)} ${def}`);
    }
  }
};

/** Grants, publications and the comment of `table`, as statements for `shadow`. */
const carriedStatements = async (client: pg.ClientBase, table: string, shadow: string): Promise<string[]> =>
  (
    await client.query<{ statement: string }>(
      `SELECT format('GRANT %s ON %I TO %s%s', a.privilege_type, $2::text,
         CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(a.grantee)) END,
         CASE WHEN a.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END) AS statement
       FROM pg_class c, aclexplode(c.relacl) a WHERE c.oid = to_regclass($1) AND a.grantee <> c.relowner
     UNION ALL SELECT format('ALTER PUBLICATION %I ADD TABLE %I', p.pubname, $2::text)
       FROM pg_publication_rel pr JOIN pg_publication p ON p.oid = pr.prpubid WHERE pr.prrelid = to_regclass($1)
     UNION ALL SELECT format('COMMENT ON TABLE %I IS %L', $2::text, d) FROM obj_description(to_regclass($1),
     'pg_class') d WHERE d IS NOT NULL`,
      [quoteIdent(table), shadow],
    )
  ).rows.map((r) => r.statement);

/**
 * Puts the shadows in place of the live tables, inside the caller's transaction: waits at most
 * `SWAP_LOCK_TIMEOUT_MS` for readers, then drops the live tables and renames the shadows and
 * their indexes and constraints to the live names. Readers wait only for this transaction.
 */
export const swapShadowTables = async (client: pg.ClientBase, tables: readonly string[]): Promise<void> => {
  if (!(await shadowsMatch(client, tables)))
    throw new Error(`the shadow tables of ${tables.join(', ')} no longer match the live ones: rebuild again`);
  const renames: string[] = [];
  for (const table of tables) {
    const shadow = quoteIdent(shadowName(table));
    for (const statement of await carriedStatements(client, table, shadowName(table))) await client.query(statement);
    for (const index of await indexesOf(client, table)) {
      renames.push(
        index.constraint
          ? `ALTER TABLE ${quoteIdent(table)} RENAME CONSTRAINT ` +
              `${quoteIdent(shadowIndexName(index.constraint))} TO ${quoteIdent(index.constraint)}`
          : `ALTER INDEX ${quoteIdent(shadowIndexName(index.name))} RENAME TO ${quoteIdent(index.name)}`,
      );
    }
    renames.unshift(`ALTER TABLE ${shadow} RENAME TO ${quoteIdent(table)}`);
  }
  await client.query(`SET LOCAL lock_timeout = ${SWAP_LOCK_TIMEOUT_MS}`);
  await client.query(`LOCK TABLE ${tables.map(quoteIdent).join(', ')} IN ACCESS EXCLUSIVE MODE`);
  await client.query(`DROP TABLE ${tables.map(quoteIdent).join(', ')}`);
  for (const statement of renames) await client.query(statement);
  await client.query('SET LOCAL lock_timeout = 0');
};
