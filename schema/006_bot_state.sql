-- The Telegram bot's own state: the update inbox, each chat's conversation pointer, and the
-- notifier's checkpoint and delivery log. None of it is money: the ledger and the session
-- streams stay the truth; these rows only make the bot durable across restarts.

-- Every update Telegram sends, recorded before the webhook answers (record, acknowledge, then
-- act). The primary key makes a redelivered update a no-op; `handled_at` is set once the bot
-- has handled it, so updates acknowledged but not handled before a crash are handled on restart.
CREATE TABLE telegram_updates (
  update_id   bigint PRIMARY KEY,
  -- Updates of one chat are handled one after the other, in update_id order.
  chat_key    text NOT NULL,
  payload     jsonb NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now(),
  handled_at  timestamptz,
  attempts    integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  -- Why the last attempt failed; with handled_at set, why the update was given up.
  last_error  text
);

CREATE INDEX telegram_updates_pending ON telegram_updates (update_id) WHERE handled_at IS NULL;
CREATE INDEX telegram_updates_handled_at ON telegram_updates (handled_at) WHERE handled_at IS NOT NULL;

-- One row per user who talked to the bot: the language they chose and which flow they are in.
-- The flow's state itself lives in the session stream `session_id` points to.
CREATE TABLE bot_chats (
  user_id          bigint PRIMARY KEY,
  -- NULL until the user picks one; until then Telegram's language_code decides.
  language         text CHECK (language IN ('en', 'ru')),
  -- Telegram's language_code as last seen: what the notifier writes in before a choice is made.
  telegram_language text,
  flow             text NOT NULL DEFAULT 'menu' CHECK (flow IN ('menu', 'tryon', 'stylist')),
  session_id       uuid,
  -- Choices made so far in a flow that are not facts yet (the stylist's style before its budget).
  draft            jsonb NOT NULL DEFAULT '{}'::jsonb,
  -- The highest event-store position this user's own actions or notifications reached: the
  -- profile waits for the read tables to pass it (read-your-writes).
  last_position    bigint NOT NULL DEFAULT 0 CHECK (last_position >= 0),
  last_activity_at timestamptz NOT NULL DEFAULT now(),
  CHECK ((flow = 'menu') = (session_id IS NULL))
);

CREATE INDEX bot_chats_idle ON bot_chats (last_activity_at) WHERE flow <> 'menu';

-- Every session a user started from the bot: what "delete my photos" has to reach (image keys
-- are made from session ids, never from user ids).
CREATE TABLE bot_sessions (
  session_id uuid PRIMARY KEY,
  user_id    bigint NOT NULL,
  flow       text NOT NULL CHECK (flow IN ('tryon', 'stylist')),
  started_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX bot_sessions_user ON bot_sessions (user_id);

-- How far the notifier has read the global log.
CREATE TABLE bot_notifier_checkpoints (
  name     text PRIMARY KEY,
  position bigint NOT NULL CHECK (position >= 0)
);

-- One row per event the notifier sends a message for, written before the message is sent:
-- a message goes out at most once per event. A row left in 'sending' by a crash is marked
-- 'unknown' (it may or may not have reached Telegram) and is never sent again.
CREATE TABLE bot_notifications (
  event_id    uuid PRIMARY KEY,
  position    bigint NOT NULL,
  chat_id     bigint NOT NULL,
  kind        text NOT NULL,
  status      text NOT NULL CHECK (status IN ('sending', 'sent', 'failed', 'unknown')),
  message_id  bigint,
  error       text,
  claimed_at  timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz
);
