import type pg from 'pg';
import t from 'tap';
import { testDatabase } from '../test/support/database.js';

/**
 * Row-level security of the read tables, with a real role that does not own them (the owner,
 * which the projectors use, bypasses RLS). As on Supabase: enabled on user-facing tables, users
 * read their own rows only.
 */

const READER = 'modera_reader';

const createReader = async (pool: pg.Pool): Promise<void> => {
  // Roles are cluster-wide and tests may run side by side: create once, tolerate the race.
  await pool.query(
    `DO $$ BEGIN CREATE ROLE ${READER} NOLOGIN; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$`,
  );
  await pool.query(`GRANT SELECT ON users, credit_transactions, fashion_sessions, virtual_tryons, style_analyses,
    product_recommendations, projection_checkpoints TO ${READER}`);
};

const seed = async (pool: pg.Pool): Promise<void> => {
  await pool.query(`INSERT INTO users (id, username, credits, last_position, created_at, updated_at)
    VALUES (101, 'alice', 10, 1, now(), now()), (202, 'bob', 20, 2, now(), now())`);
  await pool.query(`INSERT INTO credit_transactions (id, user_id, transaction_type, status, credits_amount, position,
    created_at) VALUES
    ('00000000-0000-4000-8000-000000000001', 101, 'grant', 'completed', 10, 1, now()),
    ('00000000-0000-4000-8000-000000000002', 202, 'grant', 'completed', 20, 2, now())`);
  await pool.query(`INSERT INTO fashion_sessions (id, user_id, session_type) VALUES
    ('00000000-0000-4000-8000-0000000000a1', 101, 'tryon'), ('00000000-0000-4000-8000-0000000000b2', 202, 'styling')`);
  await pool.query(`INSERT INTO virtual_tryons (id, session_id, user_id, clothing_image_url, person_image_url) VALUES
    ('00000000-0000-4000-8000-0000000000a3', '00000000-0000-4000-8000-0000000000a1', 101, 'c', 'p')`);
  await pool.query(`INSERT INTO style_analyses (id, session_id, user_id, input_image_url, style_profile,
    recommendations) VALUES
    ('00000000-0000-4000-8000-0000000000b3', '00000000-0000-4000-8000-0000000000b2', 202, 'i', '{}', '[]')`);
  await pool.query(`INSERT INTO product_recommendations (id, style_analysis_id, user_id, product_id, partner_name,
    product_url, product_data) VALUES
    ('00000000-0000-4000-8000-0000000000b4', '00000000-0000-4000-8000-0000000000b3', 202, 'p1', 'lamoda', 'https://x',
    '{}')`);
  await pool.query(`INSERT INTO projection_checkpoints (name, position) VALUES ('ledger', 2)`);
};

const TABLES = [
  'users',
  'credit_transactions',
  'fashion_sessions',
  'virtual_tryons',
  'style_analyses',
  'product_recommendations',
];

/** Row counts per table as `READER`, with `setting` as app.current_user_id (none when undefined). */
const visibleAs = async (pool: pg.Pool, setting: string | undefined): Promise<Record<string, number>> => {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query(`SET LOCAL ROLE ${READER}`);
    if (setting !== undefined) await client.query(`SELECT set_config('app.current_user_id', $1, true)`, [setting]);
    const counts: Record<string, number> = {};
    for (const table of [...TABLES, 'projection_checkpoints']) {
      counts[table] = Number((await client.query(`SELECT count(*) AS n FROM ${table}`)).rows[0].n);
    }
    return counts;
  } finally {
    await client.query('ROLLBACK');
    client.release();
  }
};

t.test('a non-owner role sees only the rows of the user in app.current_user_id', async (t) => {
  const { pool } = await testDatabase(t);
  await createReader(pool);
  await seed(pool);

  t.same(
    await visibleAs(pool, '101'),
    {
      users: 1,
      credit_transactions: 1,
      fashion_sessions: 1,
      virtual_tryons: 1,
      style_analyses: 0,
      product_recommendations: 0,
      projection_checkpoints: 0,
    },
    'user A sees their own rows only',
  );
  t.same(
    await visibleAs(pool, '202'),
    {
      users: 1,
      credit_transactions: 1,
      fashion_sessions: 1,
      virtual_tryons: 0,
      style_analyses: 1,
      product_recommendations: 1,
      projection_checkpoints: 0,
    },
    'user B likewise',
  );
  const nothing = Object.fromEntries([...TABLES, 'projection_checkpoints'].map((name) => [name, 0]));
  t.same(await visibleAs(pool, undefined), nothing, 'without the setting: nothing');
  t.same(await visibleAs(pool, ''), nothing, 'an empty setting: nothing');

  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query(`SET LOCAL ROLE ${READER}`);
    await client.query(`SELECT set_config('app.current_user_id', '101', true)`);
    const { rows } = await client.query('SELECT username FROM users');
    t.same(rows, [{ username: 'alice' }]);
    await t.rejects(
      client.query('UPDATE users SET credits = 1000'),
      /permission denied/,
      'read tables are read-only for users',
    );
  } finally {
    await client.query('ROLLBACK');
    client.release();
  }
  const owner = Number((await pool.query('SELECT count(*) AS n FROM users')).rows[0].n);
  t.equal(owner, 2, 'the owner (the projector) sees every row');
});

t.test('on Supabase the id comes from the JWT app_metadata, never from the session setting', async (t) => {
  const { pool } = await testDatabase(t);
  await createReader(pool);
  await seed(pool);
  // Supabase's auth.jwt(), as it defines it: the claims PostgREST puts in request.jwt.claims.
  await pool.query(`CREATE SCHEMA auth;
    CREATE FUNCTION auth.jwt() RETURNS jsonb LANGUAGE sql STABLE AS $$
      SELECT coalesce(nullif(current_setting('request.jwt.claim', true), ''),
                      nullif(current_setting('request.jwt.claims', true), ''))::jsonb $$;
    GRANT USAGE ON SCHEMA auth TO ${READER}; GRANT EXECUTE ON FUNCTION auth.jwt() TO ${READER};`);
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query(`SET LOCAL ROLE ${READER}`);
    const claims = (c: unknown) =>
      client.query(`SELECT set_config('request.jwt.claims', $1, true)`, [JSON.stringify(c)]);
    await claims({ sub: 'a-uuid', app_metadata: { telegram_id: 202 } });
    t.same((await client.query('SELECT id FROM users')).rows, [{ id: 202 }], 'the app_metadata claim maps to the user');
    await claims({ sub: 'a-uuid', user_metadata: { telegram_id: 101 } });
    await client.query(`SELECT set_config('app.current_user_id', '101', true)`);
    t.same(
      (await client.query('SELECT id FROM users')).rows,
      [],
      'user_metadata (user-editable) and the setting are ignored',
    );
  } finally {
    await client.query('ROLLBACK');
    client.release();
  }
});

t.test('the invariants the tables hold by themselves', async (t) => {
  const { pool } = await testDatabase(t);
  await seed(pool);
  const { rows } = await pool.query('SELECT telegram_id, in_debt FROM users WHERE id = 101');
  t.same(rows, [{ telegram_id: 101, in_debt: false }], 'telegram_id is the id; in_debt follows credits');
  await pool.query('UPDATE users SET credits = -1 WHERE id = 101');
  t.same((await pool.query('SELECT in_debt FROM users WHERE id = 101')).rows, [{ in_debt: true }]);
  await pool.query(`INSERT INTO credit_transactions (id, user_id, transaction_type, status, credits_amount,
    amount_minor, currency, position, created_at)
    VALUES ('00000000-0000-4000-8000-000000000003', 101, 'purchase', 'completed', 100, 49900, 'RUB', 3, now()),
           ('00000000-0000-4000-8000-000000000004', 101, 'purchase', 'completed', 100, 250, 'XTR', 4, now())`);
  const costs = await pool.query(
    'SELECT cost_amount::text, event_id::text = id::text AS same FROM credit_transactions ' +
      'WHERE position IN (3, 4) ORDER BY position',
  );
  t.same(
    costs.rows,
    [
      { cost_amount: '499.00', same: true },
      { cost_amount: '250.00', same: true },
    ],
    'cost_amount in major units; Stars are whole',
  );
  await t.rejects(
    pool.query(`INSERT INTO credit_transactions (id, user_id, transaction_type, status, credits_amount, position,
      created_at)
    VALUES ('00000000-0000-4000-8000-000000000005', 999, 'grant', 'completed', 1, 5, now())`),
    /foreign key/,
    'a transaction needs its user',
  );
});
