-- The bot and real Telegram use (issue 14): albums taken as a whole, blocked chats, and AI
-- results that could not be delivered.

-- The parts of an album (photos sharing a media_group_id) are found in the update inbox: they
-- are recorded there before anything else, so an album survives a restart between its parts.
CREATE INDEX telegram_updates_media_group
  ON telegram_updates (chat_key, (payload->'message'->>'media_group_id'))
  WHERE payload->'message' ? 'media_group_id';

-- One row per album the bot has answered: the update that answered for it, and the parts it
-- took (by message_id, in album order). Every other part of the album is then dropped; a part
-- that arrived after the album was taken is handled as a photo of its own.
CREATE TABLE bot_albums (
  chat_key        text NOT NULL,
  media_group_id  text NOT NULL,
  owner_update_id bigint NOT NULL,
  message_ids     bigint[] NOT NULL,
  claimed_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (chat_key, media_group_id)
);

CREATE INDEX bot_albums_claimed_at ON bot_albums (claimed_at);

-- Set when Telegram says the user blocked the bot (403, or my_chat_member "kicked"); cleared
-- when they come back (my_chat_member "member", or any message). While set, nothing is sent.
ALTER TABLE bot_chats ADD COLUMN blocked_at timestamptz;

-- An AI result the user could not be sent (they had blocked the bot). Its credits were captured
-- with the result: it is sent again when the user comes back, or, past `expires_at`, the
-- credits are given back (CreditsAdjusted, id `undelivered-<session_id>`) and it is not sent.
CREATE TABLE bot_undelivered_results (
  event_id     uuid PRIMARY KEY,
  user_id      bigint NOT NULL,
  session_id   uuid NOT NULL,
  -- The result event (TryOnSucceeded, StylingSucceeded), read again to send it.
  stream       text NOT NULL,
  credits      integer NOT NULL CHECK (credits >= 0),
  recorded_at  timestamptz NOT NULL DEFAULT now(),
  expires_at   timestamptz NOT NULL,
  -- 'sending' left by a crash becomes 'unknown' (it may have gone out): never sent again.
  status       text NOT NULL DEFAULT 'waiting'
               CHECK (status IN ('waiting', 'sending', 'delivered', 'returned', 'unknown')),
  finished_at  timestamptz
);

CREATE INDEX bot_undelivered_results_waiting_user ON bot_undelivered_results (user_id) WHERE status = 'waiting';
CREATE INDEX bot_undelivered_results_waiting_expiry ON bot_undelivered_results (expires_at) WHERE status = 'waiting';
