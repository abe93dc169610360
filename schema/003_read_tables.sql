-- Read tables: projections of the event log (projections/). The events are the truth; every
-- row here can be thrown away and rebuilt (`npx modera projections rebuild`). The shapes follow
-- the architecture document's tables, usable on Supabase as they are, with these changes:
--   * timestamps are timestamptz; money is integer minor units plus a currency (`cost_amount`
--     stays, generated from them, for readers of the original shape); credits are bigint;
--   * profile texts are `text`: the ledger accepts Telegram profile fields of up to 256
--     characters, and a projection must never refuse a valid event;
--   * no foreign key crosses projectors (sessions -> users): each projector moves at its own
--     pace, so a session row may arrive before its user's row, and a rebuild swaps one
--     projector's tables without touching the others' (projections/shadowTables.ts);
--   * row-level security policies reference only their own table's columns, for the same reason.
--
-- Writers: only the projectors, connected as the tables' owner (RLS does not apply to the
-- owner). Users read through the policies below.

-- Who is asking, for row-level security.
--   On Supabase (the `auth` schema exists): the Telegram user id the service put in the user's
--   JWT `app_metadata.telegram_id` (app_metadata can only be written with the service key, unlike
--   user_metadata, so a user cannot claim another id). auth.uid() is the Supabase user's uuid,
--   not a Telegram id; the claim is how the two are mapped.
--   Elsewhere: the session setting `app.current_user_id`, set by the connection that serves the
--   user (SET LOCAL app.current_user_id = '123' inside its transaction).
-- No setting, no claim: NULL, and every policy below matches nothing.
-- The auth branch runs through EXECUTE so this function also installs where `auth` is missing.
CREATE FUNCTION app_current_user_id() RETURNS bigint
LANGUAGE plpgsql STABLE AS $$
DECLARE
  v_id text;
BEGIN
  IF to_regprocedure('auth.jwt()') IS NOT NULL THEN
    EXECUTE $q$SELECT auth.jwt() -> 'app_metadata' ->> 'telegram_id'$q$ INTO v_id;
  ELSE
    v_id := nullif(current_setting('app.current_user_id', true), '');
  END IF;
  RETURN v_id::bigint;
END;
$$;

-- One row per credit account (stream `account-<id>`). `credits` is what the user can spend
-- now (available = balance - held); `credits_reserved` is on hold for running AI work.
-- Invariant (checked by `projections reconcile`): credits = sum(credit_transactions.credits_amount).
CREATE TABLE users (
  id                    bigint PRIMARY KEY,
  telegram_id           bigint NOT NULL GENERATED ALWAYS AS (id) STORED UNIQUE,
  username              text,
  first_name            text,
  last_name             text,
  language_code         text DEFAULT 'en',
  credits               bigint NOT NULL DEFAULT 0,
  credits_reserved      bigint NOT NULL DEFAULT 0 CHECK (credits_reserved >= 0),
  -- A clawback or correction took more than was free; new holds are refused until repaid.
  in_debt               boolean NOT NULL GENERATED ALWAYS AS (credits < 0) STORED,
  -- Money paid minus money refunded, per currency, in minor units (Stars are whole).
  total_spent_rub_minor bigint NOT NULL DEFAULT 0,
  total_spent_usd_minor bigint NOT NULL DEFAULT 0,
  total_spent_xtr_minor bigint NOT NULL DEFAULT 0,
  style_profile         jsonb,
  preferences           jsonb,
  -- Position of the last event applied to this row: a replayed event at or below it is skipped.
  last_position         bigint NOT NULL CHECK (last_position > 0),
  created_at            timestamptz NOT NULL,
  updated_at            timestamptz NOT NULL
) WITH (fillfactor = 80);
-- fillfactor: every event rewrites its user's row; room on the page keeps those updates HOT
-- (no index entries to add), which is most of a rebuild's cost on this table.

-- One row per movement of credits the user would recognise, each from one event (so the row's
-- id is that event's id, which makes re-applying an event a no-op):
--   purchase   +credits   CreditsPurchased              (money paid: amount_minor > 0)
--   grant      +credits   CreditsGranted
--   usage      -held      CreditsReserved               status pending, then completed
--                                                       (captured) or released
--   refund     +credits   ReservationReleased (all of the hold) or ReservationCaptured
--                                                       (the unused part of a partial capture)
--   clawback   -credits   PurchaseRefunded              (money returned: amount_minor < 0)
--   adjustment +/-delta   CreditsAdjusted
-- So, per user, sum(credits_amount) = users.credits and -sum(credits_amount) of pending usage
-- rows = users.credits_reserved.
CREATE TABLE credit_transactions (
  id               uuid PRIMARY KEY,
  event_id         uuid NOT NULL GENERATED ALWAYS AS (id) STORED,
  user_id          bigint NOT NULL REFERENCES users (id),
  transaction_type text NOT NULL
                   CHECK (transaction_type IN ('purchase', 'usage', 'refund', 'grant', 'adjustment', 'clawback')),
  status           text NOT NULL CHECK (status IN ('pending', 'completed', 'released')),
  credits_amount   bigint NOT NULL,
  -- Money, signed from the user's side: paid > 0, returned < 0. NULL when no money moved.
  amount_minor     bigint,
  currency         text CHECK (currency IN ('RUB', 'USD', 'XTR')),
  cost_amount      numeric(20, 2) GENERATED ALWAYS AS (
                     CASE WHEN currency = 'XTR' THEN amount_minor ELSE amount_minor / 100.0 END) STORED,
  payment_provider text,
  payment_id       text,
  feature_used     text,
  -- The session a hold paid for: sessions use their session id as the reservation id.
  session_id       uuid,
  reservation_id   text,
  -- Grant, release, refund kind or adjustment reason; the operator of grants and adjustments.
  reason           text,
  operator         text,
  position         bigint NOT NULL,
  created_at       timestamptz NOT NULL,
  CHECK ((amount_minor IS NULL) = (currency IS NULL))
) WITH (fillfactor = 90);
-- fillfactor: a usage row is updated once (pending -> completed or released); room for it on
-- the page keeps that update HOT.

-- A user's history, newest first.
CREATE INDEX credit_transactions_user_position ON credit_transactions (user_id, position);
-- The usage row a capture or release settles. A reservation id is used once per account.
CREATE UNIQUE INDEX credit_transactions_usage_reservation
  ON credit_transactions (user_id, reservation_id) WHERE transaction_type = 'usage';

-- Sessions (filled by the sessions projector; the architecture document's columns).
CREATE TABLE fashion_sessions (
  id              uuid PRIMARY KEY,
  user_id         bigint NOT NULL,
  session_type    varchar(20) NOT NULL CHECK (session_type IN ('tryon', 'styling')),
  status          varchar(20) NOT NULL DEFAULT 'active',
  input_data      jsonb,
  result_data     jsonb,
  credits_used    bigint NOT NULL DEFAULT 0,
  processing_time integer,
  created_at      timestamptz NOT NULL DEFAULT now(),
  completed_at    timestamptz
);
CREATE INDEX fashion_sessions_user ON fashion_sessions (user_id, created_at);

CREATE TABLE virtual_tryons (
  id                 uuid PRIMARY KEY,
  session_id         uuid REFERENCES fashion_sessions (id),
  user_id            bigint NOT NULL,
  clothing_image_url text NOT NULL,
  person_image_url   text NOT NULL,
  result_image_url   text,
  fit_analysis       jsonb,
  quality_score      numeric(3, 2),
  user_rating        integer CHECK (user_rating BETWEEN 1 AND 5),
  credits_used       bigint NOT NULL DEFAULT 3,
  created_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX virtual_tryons_user ON virtual_tryons (user_id, created_at);

CREATE TABLE style_analyses (
  id              uuid PRIMARY KEY,
  session_id      uuid REFERENCES fashion_sessions (id),
  user_id         bigint NOT NULL,
  input_image_url text NOT NULL,
  style_profile   jsonb NOT NULL,
  recommendations jsonb NOT NULL,
  user_feedback   jsonb,
  credits_used    bigint NOT NULL DEFAULT 5,
  created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX style_analyses_user ON style_analyses (user_id, created_at);

-- `user_id` is not in the architecture document's table: it lets the policy check the owner
-- without reading style_analyses (see the top of this file).
CREATE TABLE product_recommendations (
  id                   uuid PRIMARY KEY,
  style_analysis_id    uuid REFERENCES style_analyses (id),
  user_id              bigint NOT NULL,
  product_id           varchar(255) NOT NULL,
  partner_name         varchar(100) NOT NULL,
  product_url          text NOT NULL,
  product_data         jsonb NOT NULL,
  recommendation_score numeric(3, 2),
  user_clicked         boolean NOT NULL DEFAULT false,
  user_purchased       boolean NOT NULL DEFAULT false,
  affiliate_commission numeric(10, 2),
  created_at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX product_recommendations_analysis ON product_recommendations (style_analysis_id);
CREATE INDEX product_recommendations_user ON product_recommendations (user_id);

-- How far each projector has applied the global log, written in the same transaction as its
-- rows. A rebuild keeps its own row (`<name>__rebuild`) for the shadow tables it is filling.
CREATE TABLE projection_checkpoints (
  name       text PRIMARY KEY,
  position   bigint NOT NULL DEFAULT 0 CHECK (position >= 0),
  updated_at timestamptz NOT NULL DEFAULT now(),
  -- Why the projector stopped: the event it could not apply. Cleared when it moves again.
  last_error text,
  failed_at  timestamptz
);

-- Row-level security, as on Supabase: a user reads their own rows and nothing else. Only
-- SELECT policies: read tables are written by projectors alone. `(SELECT app_current_user_id())`
-- is evaluated once per statement, not once per row.
ALTER TABLE users ENABLE ROW LEVEL SECURITY;
ALTER TABLE credit_transactions ENABLE ROW LEVEL SECURITY;
ALTER TABLE fashion_sessions ENABLE ROW LEVEL SECURITY;
ALTER TABLE virtual_tryons ENABLE ROW LEVEL SECURITY;
ALTER TABLE style_analyses ENABLE ROW LEVEL SECURITY;
ALTER TABLE product_recommendations ENABLE ROW LEVEL SECURITY;
-- No policy at all: invisible to every role but the owner (and Supabase's service role).
ALTER TABLE projection_checkpoints ENABLE ROW LEVEL SECURITY;

CREATE POLICY users_read_own ON users
  FOR SELECT USING (id = (SELECT app_current_user_id()));
CREATE POLICY credit_transactions_read_own ON credit_transactions
  FOR SELECT USING (user_id = (SELECT app_current_user_id()));
CREATE POLICY fashion_sessions_read_own ON fashion_sessions
  FOR SELECT USING (user_id = (SELECT app_current_user_id()));
CREATE POLICY virtual_tryons_read_own ON virtual_tryons
  FOR SELECT USING (user_id = (SELECT app_current_user_id()));
CREATE POLICY style_analyses_read_own ON style_analyses
  FOR SELECT USING (user_id = (SELECT app_current_user_id()));
CREATE POLICY product_recommendations_read_own ON product_recommendations
  FOR SELECT USING (user_id = (SELECT app_current_user_id()));
